// Batch normalization over x viewed as (N, C, S): one block per channel for the statistics and
// the backward sums (in double, as the reference), elementwise kernels for the rest.
#include <cmath>

#include "cuda/common.cuh"
#include "cuda/norm.h"

namespace joule::kernels::cuda {

namespace {

// Element m in [0, N*S) of channel c.
__device__ __forceinline__ int64_t at(int64_t m, int64_t c, int64_t C, int64_t S) {
  return ((m / S) * C + c) * S + m % S;
}

// x (N, C, S) -> mean (C), var (C) (biased), two passes
__global__ void stats_kernel(float* mean, float* var, const float* x, int64_t N, int64_t C,
                             int64_t S) {
  const int64_t M = N * S;
  for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    double s = 0;
    for (int64_t m = threadIdx.x; m < M; m += blockDim.x) s += x[at(m, c, C, S)];
    const double mu = block_sum(s) / static_cast<double>(M);
    double sq = 0;
    for (int64_t m = threadIdx.x; m < M; m += blockDim.x) {
      const double v = x[at(m, c, C, S)] - mu;
      sq += v * v;
    }
    sq = block_sum(sq);
    if (threadIdx.x == 0) {
      mean[c] = static_cast<float>(mu);
      var[c] = static_cast<float>(sq / static_cast<double>(M));
    }
  }
}

// y = (x - mean) / sqrt(var + eps) * weight + bias
__global__ void forward_kernel(float* y, const float* x, const float* mean, const float* var,
                               const float* weight, const float* bias, double eps, int64_t N,
                               int64_t C, int64_t S) {
  JOULE_GRID_STRIDE(i, N * C * S) {
    const int64_t c = (i / S) % C;
    const double invstd = 1.0 / sqrt(static_cast<double>(var[c]) + eps);
    const double w = weight ? weight[c] : 1.0, b = bias ? bias[c] : 0.0;
    y[i] = static_cast<float>((x[i] - static_cast<double>(mean[c])) * invstd * w + b);
  }
}

// dy, x (N, C, S) -> sums (2C): sum dy and sum dy xhat per channel; dweight, dbias if wanted
__global__ void backward_sums_kernel(double* sums, float* dweight, float* dbias, const float* dy,
                                     const float* x, const float* mean, const float* var,
                                     double eps, int64_t N, int64_t C, int64_t S) {
  const int64_t M = N * S;
  for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    const double invstd = 1.0 / sqrt(static_cast<double>(var[c]) + eps);
    const double mu = mean[c];
    double sdy = 0, sdyx = 0;
    for (int64_t m = threadIdx.x; m < M; m += blockDim.x) {
      const int64_t k = at(m, c, C, S);
      const double g = dy[k];
      sdy += g;
      sdyx += g * (x[k] - mu) * invstd;
    }
    sdy = block_sum(sdy);
    sdyx = block_sum(sdyx);
    if (threadIdx.x == 0) {
      sums[2 * c] = sdy;
      sums[2 * c + 1] = sdyx;
      if (dbias) dbias[c] = static_cast<float>(sdy);
      if (dweight) dweight[c] = static_cast<float>(sdyx);
    }
  }
}

// dx = weight invstd (dy - sum_dy / M - xhat sum_dy_xhat / M)   (batch statistics)
//    = weight invstd dy                                          (running statistics)
__global__ void backward_input_kernel(float* dx, const double* sums, const float* dy,
                                      const float* x, const float* mean, const float* var,
                                      const float* weight, double eps, bool batch_stats, int64_t N,
                                      int64_t C, int64_t S) {
  const double M = static_cast<double>(N * S);
  JOULE_GRID_STRIDE(i, N * C * S) {
    const int64_t c = (i / S) % C;
    const double invstd = 1.0 / sqrt(static_cast<double>(var[c]) + eps);
    const double w = weight ? weight[c] : 1.0;
    const double g = dy[i];
    const double xhat = (x[i] - static_cast<double>(mean[c])) * invstd;
    const double v = batch_stats ? g - sums[2 * c] / M - xhat * sums[2 * c + 1] / M : g;
    dx[i] = static_cast<float>(w * invstd * v);
  }
}

// running <- (1 - momentum) running + momentum batch (variance unbiased)
__global__ void update_running_kernel(float* running_mean, float* running_var, const float* mean,
                                      const float* var, double momentum, double unbias, int64_t C) {
  JOULE_GRID_STRIDE(c, C) {
    running_mean[c] = static_cast<float>((1 - momentum) * running_mean[c] + momentum * mean[c]);
    running_var[c] =
        static_cast<float>((1 - momentum) * running_var[c] + momentum * var[c] * unbias);
  }
}

}  // namespace

void batch_norm_stats(float* mean, float* var, const float* x, int64_t N, int64_t C, int64_t S,
                      cudaStream_t stream) {
  if (C <= 0) return;
  stats_kernel<<<blocks_for(C, 1), kThreads, 0, stream>>>(mean, var, x, N, C, S);
  CUDA_CHECK_LAUNCH();
}

void batch_norm_forward(float* y, const float* x, const float* mean, const float* var,
                        const float* weight, const float* bias, double eps, int64_t N, int64_t C,
                        int64_t S, cudaStream_t stream) {
  const int64_t n = N * C * S;
  if (n <= 0) return;
  forward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(y, x, mean, var, weight, bias, eps, N, C,
                                                         S);
  CUDA_CHECK_LAUNCH();
}

void batch_norm_backward(float* dx, float* dweight, float* dbias, const float* dy, const float* x,
                         const float* mean, const float* var, const float* weight, double eps,
                         bool batch_stats, int64_t N, int64_t C, int64_t S, cudaStream_t stream) {
  if (C <= 0) return;
  auto* sums = static_cast<double*>(context().workspace(sizeof(double) * 2 * C));
  backward_sums_kernel<<<blocks_for(C, 1), kThreads, 0, stream>>>(sums, dweight, dbias, dy, x, mean,
                                                                  var, eps, N, C, S);
  CUDA_CHECK_LAUNCH();
  const int64_t n = N * C * S;
  if (!dx || n <= 0) return;
  backward_input_kernel<<<blocks_for(n), kThreads, 0, stream>>>(dx, sums, dy, x, mean, var, weight,
                                                                eps, batch_stats, N, C, S);
  CUDA_CHECK_LAUNCH();
}

void batch_norm_update_running(float* running_mean, float* running_var, const float* mean,
                               const float* var, double momentum, int64_t count, int64_t C,
                               cudaStream_t stream) {
  if (C <= 0) return;
  const double unbias = static_cast<double>(count) / static_cast<double>(count - 1);
  update_running_kernel<<<blocks_for(C), kThreads, 0, stream>>>(running_mean, running_var, mean,
                                                                var, momentum, unbias, C);
  CUDA_CHECK_LAUNCH();
}

}  // namespace joule::kernels::cuda
