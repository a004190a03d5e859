// Batch normalization, one channel per OpenMP iteration: a channel's N rows of S contiguous values
// are reduced (in double) and then mapped with per-channel constants.
#include "cpu/norm.h"

#include <cmath>

#include "cpu/parallel.h"

namespace joule::kernels::cpu {

namespace {
bool parallel_worth(int64_t N, int64_t C, int64_t S) { return C > 1 && N * C * S >= kParallelMin; }

// sum of (x - shift) and of (x - shift)^2 over channel c
void channel_sums(const float* x, int64_t c, float shift, int64_t N, int64_t C, int64_t S,
                  double& sum, double& sq) {
  sum = 0;
  sq = 0;
  for (int64_t n = 0; n < N; ++n) {
    const float* r = x + (n * C + c) * S;
    double s1 = 0, s2 = 0;
#pragma omp simd reduction(+ : s1, s2)
    for (int64_t s = 0; s < S; ++s) {
      const double v = static_cast<double>(r[s] - shift);
      s1 += v;
      s2 += v * v;
    }
    sum += s1;
    sq += s2;
  }
}

double inv_std(float var, double eps) { return 1.0 / std::sqrt(static_cast<double>(var) + eps); }
}  // namespace

void batch_norm_stats(float* mean, float* var, const float* x, int64_t N, int64_t C, int64_t S) {
  const double M = static_cast<double>(N * S);
#pragma omp parallel for if (parallel_worth(N, C, S)) schedule(static)
  for (int64_t c = 0; c < C; ++c) {
    double sum, sq;
    channel_sums(x, c, 0.f, N, C, S, sum, sq);
    const float m = static_cast<float>(sum / M);
    // second pass around the mean: no cancellation when |mean| >> std
    channel_sums(x, c, m, N, C, S, sum, sq);
    const double dm = sum / M;  // the small residual of the rounded mean
    mean[c] = static_cast<float>(m + dm);
    var[c] = static_cast<float>(sq / M - dm * dm);
  }
}

void batch_norm_forward(float* y, const float* x, const float* mean, const float* var,
                        const float* weight, const float* bias, double eps, int64_t N, int64_t C,
                        int64_t S) {
#pragma omp parallel for collapse(2) if (parallel_worth(N, C, S)) schedule(static)
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c) {
      const double invstd = inv_std(var[c], eps);
      const float scale = static_cast<float>(invstd * (weight ? weight[c] : 1.f));
      const float shift = static_cast<float>((bias ? bias[c] : 0.f) - mean[c] * invstd *
                                             (weight ? weight[c] : 1.f));
      const float* xr = x + (n * C + c) * S;
      float* yr = y + (n * C + c) * S;
#pragma omp simd
      for (int64_t s = 0; s < S; ++s) yr[s] = xr[s] * scale + shift;
    }
}

void batch_norm_backward(float* dx, float* dweight, float* dbias, const float* dy, const float* x,
                         const float* mean, const float* var, const float* weight, double eps,
                         bool batch_stats, int64_t N, int64_t C, int64_t S) {
  const double M = static_cast<double>(N * S);
#pragma omp parallel for if (parallel_worth(N, C, S)) schedule(static)
  for (int64_t c = 0; c < C; ++c) {
    const double invstd = inv_std(var[c], eps);
    const float mc = mean[c];
    double sum_dy = 0, sum_dy_xc = 0;  // sum dy, sum dy (x - mean)
    for (int64_t n = 0; n < N; ++n) {
      const float* g = dy + (n * C + c) * S;
      const float* xr = x + (n * C + c) * S;
      double s1 = 0, s2 = 0;
#pragma omp simd reduction(+ : s1, s2)
      for (int64_t s = 0; s < S; ++s) {
        s1 += static_cast<double>(g[s]);
        s2 += static_cast<double>(g[s]) * static_cast<double>(xr[s] - mc);
      }
      sum_dy += s1;
      sum_dy_xc += s2;
    }
    if (dbias) dbias[c] = static_cast<float>(sum_dy);
    if (dweight) dweight[c] = static_cast<float>(sum_dy_xc * invstd);
    if (!dx) continue;
    const double w = weight ? weight[c] : 1.0;
    // dx = a dy + b (x - mean) + k
    const float a = static_cast<float>(w * invstd);
    const float b = batch_stats ? static_cast<float>(-w * invstd * invstd * invstd * sum_dy_xc / M)
                                : 0.f;
    const float k = batch_stats ? static_cast<float>(-w * invstd * sum_dy / M) : 0.f;
    for (int64_t n = 0; n < N; ++n) {
      const float* g = dy + (n * C + c) * S;
      const float* xr = x + (n * C + c) * S;
      float* o = dx + (n * C + c) * S;
#pragma omp simd
      for (int64_t s = 0; s < S; ++s) o[s] = a * g[s] + b * (xr[s] - mc) + k;
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

}  // namespace joule::kernels::cpu
