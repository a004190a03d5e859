// Reductions, accumulated in double like the reference: block sums for whole arrays and for
// rows, one thread per output column when the reduced dimension has a stride.
#include "cuda/common.cuh"
#include "cuda/reduce.h"

namespace joule::kernels::cuda {

namespace {

constexpr int kSumBlocks = 256;

// x (n) -> partial (gridDim.x): one double per block
__global__ void partial_sum_kernel(double* partial, const float* x, int64_t n) {
  double s = 0;
  JOULE_GRID_STRIDE(i, n) s += x[i];
  s = block_sum(s);
  if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

// partial (count) -> out (one float)
__global__ void finish_sum_kernel(float* out, const double* partial, int count) {
  double s = 0;
  for (int i = threadIdx.x; i < count; i += blockDim.x) s += partial[i];
  s = block_sum(s);
  if (threadIdx.x == 0) *out = static_cast<float>(s);
}

// x (outer, D) -> y (outer): one block per row
__global__ void sum_rows_kernel(float* y, const float* x, int64_t outer, int64_t D) {
  for (int64_t o = blockIdx.x; o < outer; o += gridDim.x) {
    double s = 0;
    for (int64_t d = threadIdx.x; d < D; d += blockDim.x) s += x[o * D + d];
    s = block_sum(s);
    if (threadIdx.x == 0) y[o] = static_cast<float>(s);
  }
}

// x (outer, D, inner) -> y (outer, inner): one thread per output, reading along D (coalesced
// across the threads of a warp, which hold neighbouring inner indices)
__global__ void sum_middle_kernel(float* y, const float* x, int64_t outer, int64_t D,
                                  int64_t inner) {
  JOULE_GRID_STRIDE(i, outer * inner) {
    const int64_t o = i / inner, in = i % inner;
    const float* p = x + o * D * inner + in;
    double s = 0;
    for (int64_t d = 0; d < D; ++d) s += p[d * inner];
    y[i] = static_cast<float>(s);
  }
}

// x (M, N) -> idx (M): one thread per row, the first largest value (as the reference)
__global__ void argmax_rows_kernel(int64_t* idx, const float* x, int64_t M, int64_t N) {
  JOULE_GRID_STRIDE(i, M) {
    const float* row = x + i * N;
    int64_t best = 0;
    for (int64_t j = 1; j < N; ++j)
      if (row[j] > row[best]) best = j;
    idx[i] = best;
  }
}

}  // namespace

void sum(float* out, const float* x, int64_t n, cudaStream_t stream) {
  if (n <= 0) {
    CUDA_CHECK(cudaMemsetAsync(out, 0, sizeof(float), stream));
    return;
  }
  const int blocks = static_cast<int>(std::min<unsigned>(blocks_for(n), kSumBlocks));
  auto* partial = static_cast<double*>(context().workspace(sizeof(double) * kSumBlocks));
  partial_sum_kernel<<<blocks, kThreads, 0, stream>>>(partial, x, n);
  CUDA_CHECK_LAUNCH();
  finish_sum_kernel<<<1, kThreads, 0, stream>>>(out, partial, blocks);
  CUDA_CHECK_LAUNCH();
}

void sum_dim(float* y, const float* x, int64_t outer, int64_t D, int64_t inner,
             cudaStream_t stream) {
  if (outer <= 0 || inner <= 0) return;
  if (D <= 0) {
    CUDA_CHECK(cudaMemsetAsync(y, 0, sizeof(float) * outer * inner, stream));
    return;
  }
  if (inner == 1 && D >= 64) {  // long rows: a block each
    sum_rows_kernel<<<blocks_for(outer, 1), kThreads, 0, stream>>>(y, x, outer, D);
  } else {
    sum_middle_kernel<<<blocks_for(outer * inner), kThreads, 0, stream>>>(y, x, outer, D, inner);
  }
  CUDA_CHECK_LAUNCH();
}

void argmax_rows(int64_t* idx, const float* x, int64_t M, int64_t N, cudaStream_t stream) {
  if (M <= 0 || N <= 0) return;
  argmax_rows_kernel<<<blocks_for(M), kThreads, 0, stream>>>(idx, x, M, N);
  CUDA_CHECK_LAUNCH();
}

}  // namespace joule::kernels::cuda
