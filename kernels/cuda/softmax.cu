// Row-wise softmax, log-softmax, the fused cross-entropy and the MSE loss. One warp per row
// (rows are short: class scores), sums in double as the reference.
#include "cuda/common.cuh"
#include "cuda/softmax.h"

namespace joule::kernels::cuda {

namespace {

constexpr int kWarpsPerBlock = kThreads / 32;

unsigned row_blocks(int64_t M) {
  return blocks_for(M, kWarpsPerBlock);  // kWarpsPerBlock rows per block
}

// log(sum(exp(row))) of one row, computed by a whole warp in double; every lane gets it.
__device__ double warp_log_sum_exp(const float* row, int64_t N, int lane) {
  double mx = -INFINITY;  // a NaN never wins here, but it makes the sum below NaN
  for (int64_t j = lane; j < N; j += 32) mx = row[j] > mx ? row[j] : mx;
  mx = warp_max_all(mx);
  double s = 0;
  for (int64_t j = lane; j < N; j += 32) s += ::exp(static_cast<double>(row[j]) - mx);
  s = warp_sum_all(s);
  return mx + ::log(s);
}

// x (M, N) -> y (M, N)
__global__ void softmax_forward_kernel(float* y, const float* x, int64_t M, int64_t N) {
  JOULE_FOR_EACH_WARP_ROW(i, M) {
    const double lse = warp_log_sum_exp(x + i * N, N, lane);
    for (int64_t j = lane; j < N; j += 32)
      y[i * N + j] = static_cast<float>(::exp(static_cast<double>(x[i * N + j]) - lse));
  }
}

// dx = y * (dy - sum_j dy_j y_j)
__global__ void softmax_backward_kernel(float* dx, const float* dy, const float* y, int64_t M,
                                        int64_t N) {
  JOULE_FOR_EACH_WARP_ROW(i, M) {
    double dot = 0;
    for (int64_t j = lane; j < N; j += 32) dot += static_cast<double>(dy[i * N + j]) * y[i * N + j];
    dot = warp_sum_all(dot);
    for (int64_t j = lane; j < N; j += 32)
      dx[i * N + j] = static_cast<float>(y[i * N + j] * (dy[i * N + j] - dot));
  }
}

__global__ void log_softmax_forward_kernel(float* y, const float* x, int64_t M, int64_t N) {
  JOULE_FOR_EACH_WARP_ROW(i, M) {
    const double lse = warp_log_sum_exp(x + i * N, N, lane);
    for (int64_t j = lane; j < N; j += 32) y[i * N + j] = static_cast<float>(x[i * N + j] - lse);
  }
}

// dx = dy - exp(y) * sum_j dy_j
__global__ void log_softmax_backward_kernel(float* dx, const float* dy, const float* y, int64_t M,
                                            int64_t N) {
  JOULE_FOR_EACH_WARP_ROW(i, M) {
    double s = 0;
    for (int64_t j = lane; j < N; j += 32) s += dy[i * N + j];
    s = warp_sum_all(s);
    for (int64_t j = lane; j < N; j += 32)
      dx[i * N + j] =
          static_cast<float>(dy[i * N + j] - ::exp(static_cast<double>(y[i * N + j])) * s);
  }
}

// first_bad <- M (no bad label yet)
__global__ void init_first_bad_kernel(int64_t* first_bad, int64_t M) { *first_bad = M; }

// logits (M, N), labels (M) -> probs (M, N), row_loss (M) (0 for a bad label), first_bad
__global__ void cross_entropy_rows_kernel(double* row_loss, int64_t* first_bad, float* probs,
                                          const float* logits, const int64_t* labels, int64_t M,
                                          int64_t N) {
  JOULE_FOR_EACH_WARP_ROW(i, M) {
    const float* row = logits + i * N;
    const double lse = warp_log_sum_exp(row, N, lane);
    for (int64_t j = lane; j < N; j += 32)
      probs[i * N + j] = static_cast<float>(::exp(static_cast<double>(row[j]) - lse));
    if (lane == 0) {
      const int64_t label = labels[i];
      const bool ok = label >= 0 && label < N;
      row_loss[i] = ok ? lse - row[label] : 0.0;
      if (!ok)
        atomicMin(reinterpret_cast<unsigned long long*>(first_bad),
                  static_cast<unsigned long long>(i));
    }
  }
}

// values (n) -> out (one float) = sum / n; one block
__global__ void mean_kernel(float* out, const double* values, int64_t n) {
  double s = 0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) s += values[i];
  s = block_sum(s);
  if (threadIdx.x == 0) *out = static_cast<float>(s / static_cast<double>(n));
}

// dlogits = (probs - onehot(labels)) * (upstream ? *upstream : 1) * scale
__global__ void cross_entropy_backward_kernel(float* dlogits, const float* probs,
                                              const int64_t* labels, const float* upstream,
                                              float scale, int64_t M, int64_t N) {
  const float s = upstream ? *upstream * scale : scale;
  JOULE_GRID_STRIDE(k, M * N) {
    const int64_t i = k / N, j = k % N;
    dlogits[k] = (probs[k] - (j == labels[i] ? 1.f : 0.f)) * s;
  }
}

// a, b (n) -> partial (gridDim.x) sums of squared differences
__global__ void squared_diff_kernel(double* partial, const float* a, const float* b, int64_t n) {
  double s = 0;
  JOULE_GRID_STRIDE(i, n) {
    const double d = static_cast<double>(a[i] - b[i]);
    s += d * d;
  }
  s = block_sum(s);
  if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

// partial (count) -> loss = sum / n
__global__ void finish_mean_kernel(float* loss, const double* partial, int count, int64_t n) {
  double s = 0;
  for (int i = threadIdx.x; i < count; i += blockDim.x) s += partial[i];
  s = block_sum(s);
  if (threadIdx.x == 0) *loss = static_cast<float>(s / static_cast<double>(n));
}

// da = 2 (a - b) * (upstream ? *upstream : 1) * scale
__global__ void mse_backward_kernel(float* da, const float* a, const float* b,
                                    const float* upstream, float scale, int64_t n) {
  const float s = upstream ? *upstream * scale : scale;
  JOULE_GRID_STRIDE(i, n) da[i] = 2.f * (a[i] - b[i]) * s;
}

template <class Kernel>
void rows(Kernel kernel, float* out, const float* in1, const float* in2, int64_t M, int64_t N,
          cudaStream_t stream) {
  if (M <= 0 || N <= 0) return;
  kernel<<<row_blocks(M), kThreads, 0, stream>>>(out, in1, in2, M, N);
  CUDA_CHECK_LAUNCH();
}

}  // namespace

void softmax_forward(float* y, const float* x, int64_t M, int64_t N, cudaStream_t stream) {
  if (M <= 0 || N <= 0) return;
  softmax_forward_kernel<<<row_blocks(M), kThreads, 0, stream>>>(y, x, M, N);
  CUDA_CHECK_LAUNCH();
}
void softmax_backward(float* dx, const float* dy, const float* y, int64_t M, int64_t N,
                      cudaStream_t stream) {
  rows(softmax_backward_kernel, dx, dy, y, M, N, stream);
}
void log_softmax_forward(float* y, const float* x, int64_t M, int64_t N, cudaStream_t stream) {
  if (M <= 0 || N <= 0) return;
  log_softmax_forward_kernel<<<row_blocks(M), kThreads, 0, stream>>>(y, x, M, N);
  CUDA_CHECK_LAUNCH();
}
void log_softmax_backward(float* dx, const float* dy, const float* y, int64_t M, int64_t N,
                          cudaStream_t stream) {
  rows(log_softmax_backward_kernel, dx, dy, y, M, N, stream);
}

void cross_entropy_forward(float* loss, int64_t* first_bad, float* probs, const float* logits,
                           const int64_t* labels, int64_t M, int64_t N, cudaStream_t stream) {
  init_first_bad_kernel<<<1, 1, 0, stream>>>(first_bad, M);
  CUDA_CHECK_LAUNCH();
  if (M <= 0) {
    CUDA_CHECK(cudaMemsetAsync(loss, 0, sizeof(float), stream));
    return;
  }
  auto* row_loss = static_cast<double*>(context().workspace(sizeof(double) * M));
  cross_entropy_rows_kernel<<<row_blocks(M), kThreads, 0, stream>>>(row_loss, first_bad, probs,
                                                                    logits, labels, M, N);
  CUDA_CHECK_LAUNCH();
  mean_kernel<<<1, kThreads, 0, stream>>>(loss, row_loss, M);
  CUDA_CHECK_LAUNCH();
}

void cross_entropy_backward(float* dlogits, const float* probs, const int64_t* labels,
                            const float* upstream, float scale, int64_t M, int64_t N,
                            cudaStream_t stream) {
  if (M <= 0 || N <= 0) return;
  cross_entropy_backward_kernel<<<blocks_for(M * N), kThreads, 0, stream>>>(dlogits, probs, labels,
                                                                            upstream, scale, M, N);
  CUDA_CHECK_LAUNCH();
}

void mse_forward(float* loss, const float* a, const float* b, int64_t n, cudaStream_t stream) {
  if (n <= 0) {
    CUDA_CHECK(cudaMemsetAsync(loss, 0, sizeof(float), stream));
    return;
  }
  constexpr int kMaxBlocks = 256;
  const int blocks = static_cast<int>(std::min<unsigned>(blocks_for(n), kMaxBlocks));
  auto* partial = static_cast<double*>(context().workspace(sizeof(double) * kMaxBlocks));
  squared_diff_kernel<<<blocks, kThreads, 0, stream>>>(partial, a, b, n);
  CUDA_CHECK_LAUNCH();
  finish_mean_kernel<<<1, kThreads, 0, stream>>>(loss, partial, blocks, n);
  CUDA_CHECK_LAUNCH();
}

void mse_backward(float* da, const float* a, const float* b, const float* upstream, float scale,
                  int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  mse_backward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(da, a, b, upstream, scale, n);
  CUDA_CHECK_LAUNCH();
}

}  // namespace joule::kernels::cuda
