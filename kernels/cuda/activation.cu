// Activation kernels, forward and backward: one grid-stride loop each, formulas as
// kernels/reference/activation.cpp (GELU's backward in double, like the reference).
#include "cuda/activation.h"
#include "cuda/common.cuh"

namespace joule::kernels::cuda {

namespace {

__global__ void relu_forward_kernel(float* y, const float* x, int64_t n) {
  JOULE_GRID_STRIDE(i, n) y[i] = x[i] < 0.f ? 0.f : x[i];  // NaN propagates
}
__global__ void relu_backward_kernel(float* dx, const float* dy, const float* y, int64_t n) {
  JOULE_GRID_STRIDE(i, n) dx[i] = y[i] > 0.f ? dy[i] : 0.f;
}
__global__ void tanh_forward_kernel(float* y, const float* x, int64_t n) {
  JOULE_GRID_STRIDE(i, n) y[i] = tanhf(x[i]);
}
__global__ void tanh_backward_kernel(float* dx, const float* dy, const float* y, int64_t n) {
  JOULE_GRID_STRIDE(i, n) dx[i] = dy[i] * (1.f - y[i] * y[i]);
}
__global__ void sigmoid_forward_kernel(float* y, const float* x, int64_t n) {
  JOULE_GRID_STRIDE(i, n) y[i] = 1.f / (1.f + expf(-x[i]));
}
__global__ void sigmoid_backward_kernel(float* dx, const float* dy, const float* y, int64_t n) {
  JOULE_GRID_STRIDE(i, n) dx[i] = dy[i] * y[i] * (1.f - y[i]);
}
__global__ void gelu_forward_kernel(float* y, const float* x, int64_t n) {
  JOULE_GRID_STRIDE(i, n) y[i] = 0.5f * x[i] * (1.f + erff(x[i] * 0.70710678118654752f));
}
__global__ void gelu_backward_kernel(float* dx, const float* dy, const float* x, int64_t n) {
  const double inv_sqrt_2pi = 0.3989422804014327;
  JOULE_GRID_STRIDE(i, n) {
    const double v = x[i];
    const double cdf = 0.5 * (1.0 + erf(v * 0.7071067811865476));
    const double pdf = inv_sqrt_2pi * ::exp(-0.5 * v * v);
    dx[i] = static_cast<float>(dy[i] * (cdf + v * pdf));
  }
}

template <class Kernel, class... Args>
void launch(cudaStream_t stream, Kernel kernel, int64_t n, Args... args) {
  if (n <= 0) return;
  kernel<<<blocks_for(n), kThreads, 0, stream>>>(args..., n);
  CUDA_CHECK_LAUNCH();
}

}  // namespace

void relu_forward(float* y, const float* x, int64_t n, cudaStream_t stream) {
  launch(stream, relu_forward_kernel, n, y, x);
}
void relu_backward(float* dx, const float* dy, const float* y, int64_t n, cudaStream_t stream) {
  launch(stream, relu_backward_kernel, n, dx, dy, y);
}
void tanh_forward(float* y, const float* x, int64_t n, cudaStream_t stream) {
  launch(stream, tanh_forward_kernel, n, y, x);
}
void tanh_backward(float* dx, const float* dy, const float* y, int64_t n, cudaStream_t stream) {
  launch(stream, tanh_backward_kernel, n, dx, dy, y);
}
void sigmoid_forward(float* y, const float* x, int64_t n, cudaStream_t stream) {
  launch(stream, sigmoid_forward_kernel, n, y, x);
}
void sigmoid_backward(float* dx, const float* dy, const float* y, int64_t n, cudaStream_t stream) {
  launch(stream, sigmoid_backward_kernel, n, dx, dy, y);
}
void gelu_forward(float* y, const float* x, int64_t n, cudaStream_t stream) {
  launch(stream, gelu_forward_kernel, n, y, x);
}
void gelu_backward(float* dx, const float* dy, const float* x, int64_t n, cudaStream_t stream) {
  launch(stream, gelu_backward_kernel, n, dx, dy, x);
}

}  // namespace joule::kernels::cuda
