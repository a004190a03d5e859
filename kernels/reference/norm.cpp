// Batch normalization from the formulas in kernels/norm.inc, in double, one channel at a time.
#include "reference/norm.h"

#include <cmath>
#include <vector>

namespace joule::kernels::ref {

namespace {
double at(const float* x, int64_t n, int64_t c, int64_t s, int64_t C, int64_t S) {
  return x[(n * C + c) * S + s];
}
}  // namespace

void batch_norm_stats(float* mean, float* var, const float* x, int64_t N, int64_t C, int64_t S) {
  const double M = static_cast<double>(N * S);
  for (int64_t c = 0; c < C; ++c) {
    double sum = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) sum += at(x, n, c, s, C, S);
    const double m = sum / M;
    double sq = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) sq += (at(x, n, c, s, C, S) - m) * (at(x, n, c, s, C, S) - m);
    mean[c] = static_cast<float>(m);
    var[c] = static_cast<float>(sq / M);
  }
}

void batch_norm_forward(float* y, const float* x, const float* mean, const float* var,
                        const float* weight, const float* bias, double eps, int64_t N, int64_t C,
                        int64_t S) {
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c) {
      const double invstd = 1.0 / std::sqrt(static_cast<double>(var[c]) + eps);
      const double w = weight ? weight[c] : 1.0, b = bias ? bias[c] : 0.0;
      for (int64_t s = 0; s < S; ++s)
        y[(n * C + c) * S + s] =
            static_cast<float>((at(x, n, c, s, C, S) - mean[c]) * invstd * w + b);
    }
}

void batch_norm_backward(float* dx, float* dweight, float* dbias, const float* dy, const float* x,
                         const float* mean, const float* var, const float* weight, double eps,
                         bool batch_stats, int64_t N, int64_t C, int64_t S) {
  const double M = static_cast<double>(N * S);
  for (int64_t c = 0; c < C; ++c) {
    const double invstd = 1.0 / std::sqrt(static_cast<double>(var[c]) + eps);
    const double w = weight ? weight[c] : 1.0;
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) {
        const double g = at(dy, n, c, s, C, S);
        sum_dy += g;
        sum_dy_xhat += g * (at(x, n, c, s, C, S) - mean[c]) * invstd;
      }
    if (dbias) dbias[c] = static_cast<float>(sum_dy);
    if (dweight) dweight[c] = static_cast<float>(sum_dy_xhat);
    if (!dx) continue;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) {
        const double g = at(dy, n, c, s, C, S);
        const double xhat = (at(x, n, c, s, C, S) - mean[c]) * invstd;
        const double v = batch_stats ? g - sum_dy / M - xhat * sum_dy_xhat / M : g;
        dx[(n * C + c) * S + s] = static_cast<float>(w * invstd * v);
      }
  }
}

void batch_norm_update_running(float* running_mean, float* running_var, const float* mean,
                               const float* var, double momentum, int64_t count, int64_t C) {
  const double unbias = static_cast<double>(count) / static_cast<double>(count - 1);
  for (int64_t c = 0; c < C; ++c) {
    running_mean[c] = static_cast<float>((1 - momentum) * running_mean[c] + momentum * mean[c]);
    running_var[c] =
        static_cast<float>((1 - momentum) * running_var[c] + momentum * var[c] * unbias);
  }
}

}  // namespace joule::kernels::ref
