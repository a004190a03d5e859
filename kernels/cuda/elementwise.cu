// Elementwise kernels: one grid-stride loop each.
#include "cuda/common.cuh"
#include "cuda/elementwise.h"

namespace joule::kernels::cuda {

namespace {

struct Add {
  __device__ float operator()(float a, float b) const { return a + b; }
};
struct Sub {
  __device__ float operator()(float a, float b) const { return a - b; }
};
struct Mul {
  __device__ float operator()(float a, float b) const { return a * b; }
};
struct Div {
  __device__ float operator()(float a, float b) const { return a / b; }
};

// y (n) = op(a, b)
template <class Op>
__global__ void binary_kernel(float* y, const float* a, const float* b, int64_t n, Op op) {
  JOULE_GRID_STRIDE(i, n) y[i] = op(a[i], b[i]);
}

// a (M, N) op row (N) -> y (M, N)
template <class Op>
__global__ void row_kernel(float* y, const float* a, const float* row, int64_t M, int64_t N,
                           Op op) {
  JOULE_GRID_STRIDE(i, M * N) y[i] = op(a[i], row[i % N]);
}

template <class Op>
void binary(float* y, const float* a, const float* b, int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  binary_kernel<<<blocks_for(n), kThreads, 0, stream>>>(y, a, b, n, Op{});
  CUDA_CHECK_LAUNCH();
}

template <class Op>
void rows(float* y, const float* a, const float* row, int64_t M, int64_t N, cudaStream_t stream) {
  if (M <= 0 || N <= 0) return;
  row_kernel<<<blocks_for(M * N), kThreads, 0, stream>>>(y, a, row, M, N, Op{});
  CUDA_CHECK_LAUNCH();
}

// y (n) = a * s + t
__global__ void affine_kernel(float* y, const float* a, float s, float t, int64_t n) {
  JOULE_GRID_STRIDE(i, n) y[i] = a[i] * s + t;
}
// y (n) += alpha * x
__global__ void axpy_kernel(float* y, const float* x, float alpha, int64_t n) {
  JOULE_GRID_STRIDE(i, n) y[i] += alpha * x[i];
}
// y (n) = value
__global__ void fill_kernel(float* y, float value, int64_t n) {
  JOULE_GRID_STRIDE(i, n) y[i] = value;
}
// row (N) -> y (M, N)
__global__ void fill_rows_kernel(float* y, const float* row, int64_t M, int64_t N) {
  JOULE_GRID_STRIDE(i, M * N) y[i] = row[i % N];
}
// y (n) = exp(x), log(x)
__global__ void exp_kernel(float* y, const float* x, int64_t n) {
  JOULE_GRID_STRIDE(i, n) y[i] = expf(x[i]);
}
__global__ void log_kernel(float* y, const float* x, int64_t n) {
  JOULE_GRID_STRIDE(i, n) y[i] = logf(x[i]);
}

}  // namespace

void add(float* y, const float* a, const float* b, int64_t n, cudaStream_t stream) {
  binary<Add>(y, a, b, n, stream);
}
void sub(float* y, const float* a, const float* b, int64_t n, cudaStream_t stream) {
  binary<Sub>(y, a, b, n, stream);
}
void mul(float* y, const float* a, const float* b, int64_t n, cudaStream_t stream) {
  binary<Mul>(y, a, b, n, stream);
}
void div(float* y, const float* a, const float* b, int64_t n, cudaStream_t stream) {
  binary<Div>(y, a, b, n, stream);
}

void add_row(float* y, const float* a, const float* row, int64_t M, int64_t N,
             cudaStream_t stream) {
  rows<Add>(y, a, row, M, N, stream);
}
void sub_row(float* y, const float* a, const float* row, int64_t M, int64_t N,
             cudaStream_t stream) {
  rows<Sub>(y, a, row, M, N, stream);
}
void mul_row(float* y, const float* a, const float* row, int64_t M, int64_t N,
             cudaStream_t stream) {
  rows<Mul>(y, a, row, M, N, stream);
}
void div_row(float* y, const float* a, const float* row, int64_t M, int64_t N,
             cudaStream_t stream) {
  rows<Div>(y, a, row, M, N, stream);
}

void affine(float* y, const float* a, float s, float t, int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  affine_kernel<<<blocks_for(n), kThreads, 0, stream>>>(y, a, s, t, n);
  CUDA_CHECK_LAUNCH();
}

void axpy(float* y, const float* x, float alpha, int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  axpy_kernel<<<blocks_for(n), kThreads, 0, stream>>>(y, x, alpha, n);
  CUDA_CHECK_LAUNCH();
}

void fill(float* y, float value, int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  fill_kernel<<<blocks_for(n), kThreads, 0, stream>>>(y, value, n);
  CUDA_CHECK_LAUNCH();
}

void fill_rows(float* y, const float* row, int64_t M, int64_t N, cudaStream_t stream) {
  if (M <= 0 || N <= 0) return;
  fill_rows_kernel<<<blocks_for(M * N), kThreads, 0, stream>>>(y, row, M, N);
  CUDA_CHECK_LAUNCH();
}

void exp(float* y, const float* x, int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  exp_kernel<<<blocks_for(n), kThreads, 0, stream>>>(y, x, n);
  CUDA_CHECK_LAUNCH();
}

void log(float* y, const float* x, int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  log_kernel<<<blocks_for(n), kThreads, 0, stream>>>(y, x, n);
  CUDA_CHECK_LAUNCH();
}

}  // namespace joule::kernels::cuda
