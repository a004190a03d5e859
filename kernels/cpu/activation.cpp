#include "kernels/cpu/activation.h"

#include <cmath>

#include "kernels/cpu/parallel.h"

namespace joule::kernels::cpu {

void relu_forward(float* y, const float* x, int64_t n) {
#pragma omp parallel for simd if (n >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] < 0.f ? 0.f : x[i];  // NaN propagates, as in PyTorch
}
void relu_backward(float* dx, const float* dy, const float* y, int64_t n) {
#pragma omp parallel for simd if (n >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < n; ++i) dx[i] = y[i] > 0.f ? dy[i] : 0.f;
}
void tanh_forward(float* y, const float* x, int64_t n) {
#pragma omp parallel for if (n >= kParallelMin / 8) schedule(static)
  for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}
void tanh_backward(float* dx, const float* dy, const float* y, int64_t n) {
#pragma omp parallel for simd if (n >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * (1.f - y[i] * y[i]);
}
void sigmoid_forward(float* y, const float* x, int64_t n) {
#pragma omp parallel for if (n >= kParallelMin / 8) schedule(static)
  for (int64_t i = 0; i < n; ++i) y[i] = 1.f / (1.f + std::exp(-x[i]));
}
void sigmoid_backward(float* dx, const float* dy, const float* y, int64_t n) {
#pragma omp parallel for simd if (n >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * y[i] * (1.f - y[i]);
}
void gelu_forward(float* y, const float* x, int64_t n) {
  const float r = static_cast<float>(M_SQRT1_2);
#pragma omp parallel for if (n >= kParallelMin / 8) schedule(static)
  for (int64_t i = 0; i < n; ++i) y[i] = 0.5f * x[i] * (1.f + std::erf(x[i] * r));
}
void gelu_backward(float* dx, const float* dy, const float* x, int64_t n) {
  const float r = static_cast<float>(M_SQRT1_2);
  const float inv_sqrt_2pi = 0.3989422804014327f;
#pragma omp parallel for if (n >= kParallelMin / 8) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    const float cdf = 0.5f * (1.f + std::erf(v * r));
    const float pdf = inv_sqrt_2pi * std::exp(-0.5f * v * v);
    dx[i] = dy[i] * (cdf + v * pdf);
  }
}

}  // namespace joule::kernels::cpu
