// Sparse-weight kernels for SparseLinear (CSR/CSC layouts in kernels/sparse.inc), written by
// hand rather than through cuSPARSE: the layouts are given (int64 indices, a CSC view through a
// permutation of the CSR values), every kernel is a gather (deterministic, no atomics), and the
// batch of activations is small. One warp per output row (or input column) walks the stored
// entries with its 32 lanes, so that neighbouring lanes read neighbouring columns of x.
#include "cuda/common.cuh"
#include "cuda/sparse.h"

namespace joule::kernels::cuda {

namespace {

constexpr int kWarps = kThreads / 32;

// x (B, IN), W CSR (OUT, IN), bias (OUT) or null -> y (B, OUT)
__global__ void spmm_forward_kernel(float* y, const float* x, const int64_t* row_ptr,
                                    const int64_t* col, const float* val, const float* bias,
                                    int64_t B, int64_t IN, int64_t OUT) {
  JOULE_FOR_EACH_WARP_ROW(o, OUT) {
    const int64_t begin = row_ptr[o], end = row_ptr[o + 1];
    const float b0 = bias ? bias[o] : 0.f;
    for (int64_t b = 0; b < B; ++b) {
      const float* xb = x + b * IN;
      float s = 0.f;
      for (int64_t k = begin + lane; k < end; k += 32) s += val[k] * xb[col[k]];
      s = warp_sum(s);
      if (lane == 0) y[b * OUT + o] = s + b0;
    }
  }
}

// dy (B, OUT), W as CSC (col_ptr, row, perm, val) -> dx (B, IN) = dy W
__global__ void spmm_backward_input_kernel(float* dx, const float* dy, const int64_t* col_ptr,
                                           const int64_t* row, const int64_t* perm,
                                           const float* val, int64_t B, int64_t IN, int64_t OUT) {
  JOULE_FOR_EACH_WARP_ROW(i, IN) {
    const int64_t begin = col_ptr[i], end = col_ptr[i + 1];
    for (int64_t b = 0; b < B; ++b) {
      const float* dyb = dy + b * OUT;
      float s = 0.f;
      for (int64_t k = begin + lane; k < end; k += 32) s += val[perm[k]] * dyb[row[k]];
      s = warp_sum(s);
      if (lane == 0) dx[b * IN + i] = s;
    }
  }
}

// dy (B, OUT), x (B, IN), pattern CSR -> dval (nnz): one warp per row o, one lane per entry
__global__ void spmm_backward_weight_kernel(float* dval, const float* dy, const float* x,
                                            const int64_t* row_ptr, const int64_t* col, int64_t B,
                                            int64_t IN, int64_t OUT, bool accumulate) {
  JOULE_FOR_EACH_WARP_ROW(o, OUT) {
    const int64_t begin = row_ptr[o], end = row_ptr[o + 1];
    for (int64_t k = begin + lane; k < end; k += 32) {
      const int64_t c = col[k];
      float s = 0.f;
      for (int64_t b = 0; b < B; ++b) s += dy[b * OUT + o] * x[b * IN + c];
      dval[k] = accumulate ? dval[k] + s : s;
    }
  }
}

unsigned warp_blocks(int64_t rows) { return blocks_for(rows, kWarps); }

}  // namespace

void spmm_forward(float* y, const float* x, const int64_t* row_ptr, const int64_t* col,
                  const float* val, const float* bias, int64_t B, int64_t IN, int64_t OUT,
                  cudaStream_t stream) {
  if (B <= 0 || OUT <= 0) return;
  spmm_forward_kernel<<<warp_blocks(OUT), kThreads, 0, stream>>>(y, x, row_ptr, col, val, bias, B,
                                                                 IN, OUT);
  CUDA_CHECK_LAUNCH();
}

void spmm_backward_input(float* dx, const float* dy, const int64_t* col_ptr, const int64_t* row,
                         const int64_t* perm, const float* val, int64_t B, int64_t IN, int64_t OUT,
                         cudaStream_t stream) {
  if (B <= 0 || IN <= 0) return;
  spmm_backward_input_kernel<<<warp_blocks(IN), kThreads, 0, stream>>>(dx, dy, col_ptr, row, perm,
                                                                       val, B, IN, OUT);
  CUDA_CHECK_LAUNCH();
}

void spmm_backward_weight(float* dval, const float* dy, const float* x, const int64_t* row_ptr,
                          const int64_t* col, int64_t B, int64_t IN, int64_t OUT, bool accumulate,
                          cudaStream_t stream) {
  if (OUT <= 0) return;
  spmm_backward_weight_kernel<<<warp_blocks(OUT), kThreads, 0, stream>>>(dval, dy, x, row_ptr, col,
                                                                         B, IN, OUT, accumulate);
  CUDA_CHECK_LAUNCH();
}

}  // namespace joule::kernels::cuda
