#include "cpu/distill.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace joule::kernels::cpu {

namespace {

// One row softened by `scale`: e[c] = exp(x[c] * scale - max), z[c] = x[c] * scale - max - log(sum),
// the log-probabilities. Exponentials in float (as the softmax kernels), the sum in double.
struct Row {
  std::vector<float> e;
  std::vector<double> z;
  double sum = 0;
};

void soften(Row& r, const float* x, int64_t C, float scale) {
  float mx = x[0] * scale;
  for (int64_t c = 1; c < C; ++c) mx = std::max(mx, x[c] * scale);
  r.sum = 0;
  for (int64_t c = 0; c < C; ++c) {
    r.e[static_cast<size_t>(c)] = std::exp(x[c] * scale - mx);
    r.sum += r.e[static_cast<size_t>(c)];
  }
  const double log_sum = std::log(r.sum);
  for (int64_t c = 0; c < C; ++c)
    r.z[static_cast<size_t>(c)] = static_cast<double>(x[c] * scale - mx) - log_sum;
}

}  // namespace

void kd_loss_forward(float* loss, float* grad, const float* student, const float* teacher,
                     const int64_t* labels, int64_t B, int64_t C, float temperature, float alpha) {
  const float inv_t = 1.f / temperature;
  const double a = alpha, T = temperature, inv_b = 1.0 / static_cast<double>(B);
  const size_t n = static_cast<size_t>(C);
  Row p{std::vector<float>(n), std::vector<double>(n)}, q = p, q1 = p;
  double kl = 0, ce = 0;
  for (int64_t b = 0; b < B; ++b) {
    const float* s = student + b * C;
    float* g = grad + b * C;
    soften(p, teacher + b * C, C, inv_t);
    soften(q, s, C, inv_t);
    if (a < 1) soften(q1, s, C, 1.f);
    for (size_t c = 0; c < n; ++c) {
      const double pc = p.e[c] / p.sum, qc = q.e[c] / q.sum;
      if (pc > 0) kl += pc * (p.z[c] - q.z[c]);
      double gc = a * T * (qc - pc);
      if (a < 1) gc += (1 - a) * (q1.e[c] / q1.sum);
      g[c] = static_cast<float>(gc * inv_b);
    }
    if (a < 1) {
      const int64_t y = labels[b];
      ce -= q1.z[static_cast<size_t>(y)];
      g[y] -= static_cast<float>((1 - a) * inv_b);
    }
  }
  *loss = static_cast<float>((a * T * T * kl + (1 - a) * ce) * inv_b);
}

}  // namespace joule::kernels::cpu
