#include "reference/distill.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace joule::kernels::ref {

namespace {

// log softmax(x * scale) of one row, in double
std::vector<double> log_softmax_row(const float* x, int64_t C, double scale) {
  std::vector<double> z(static_cast<size_t>(C));
  double mx = x[0] * scale;
  for (int64_t c = 1; c < C; ++c) mx = std::max(mx, x[c] * scale);
  double sum = 0;
  for (int64_t c = 0; c < C; ++c) sum += std::exp(x[c] * scale - mx);
  const double lse = mx + std::log(sum);
  for (int64_t c = 0; c < C; ++c) z[static_cast<size_t>(c)] = x[c] * scale - lse;
  return z;
}

}  // namespace

// Term by term, as the formula in distill.inc reads: the soft term's KL and its gradient, then
// the hard term's cross-entropy and its gradient, each row on its own.
void kd_loss_forward(float* loss, float* grad, const float* student, const float* teacher,
                     const int64_t* labels, int64_t B, int64_t C, float temperature, float alpha) {
  const double T = temperature, a = alpha;
  double total = 0;
  for (int64_t b = 0; b < B; ++b) {
    const std::vector<double> log_p = log_softmax_row(teacher + b * C, C, 1 / T);
    const std::vector<double> log_q = log_softmax_row(student + b * C, C, 1 / T);
    const std::vector<double> log_s = log_softmax_row(student + b * C, C, 1);
    for (int64_t c = 0; c < C; ++c) {
      const size_t k = static_cast<size_t>(c);
      const double p = std::exp(log_p[k]), q = std::exp(log_q[k]);
      if (p > 0) total += a * T * T * p * (log_p[k] - log_q[k]);
      double g = a * T * (q - p);
      if (a < 1) g += (1 - a) * (std::exp(log_s[k]) - (labels[b] == c ? 1 : 0));
      grad[b * C + c] = static_cast<float>(g / static_cast<double>(B));
    }
    if (a < 1) total -= (1 - a) * log_s[static_cast<size_t>(labels[b])];
  }
  *loss = static_cast<float>(total / static_cast<double>(B));
}

}  // namespace joule::kernels::ref
