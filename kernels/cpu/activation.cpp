#include "cpu/activation.h"

#include <cmath>

#include "cpu/parallel.h"

namespace joule::kernels::cpu {

namespace {
template <class Op>
void map1(float* y, const float* x, int64_t n, Op op) {
  parallel_chunks(n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) y[i] = op(x[i]);
  });
}
template <class Op>
void map2(float* y, const float* a, const float* b, int64_t n, Op op) {
  parallel_chunks(n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) y[i] = op(a[i], b[i]);
  });
}
constexpr float kSqrtHalf = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.3989422804014327f;
}  // namespace

// NaN propagates through relu, as in PyTorch.
void relu_forward(float* y, const float* x, int64_t n) {
  map1(y, x, n, [](float v) { return v < 0.f ? 0.f : v; });
}
void relu_backward(float* dx, const float* dy, const float* y, int64_t n) {
  map2(dx, dy, y, n, [](float g, float o) { return o > 0.f ? g : 0.f; });
}
void tanh_forward(float* y, const float* x, int64_t n) {
  map1(y, x, n, [](float v) { return std::tanh(v); });
}
void tanh_backward(float* dx, const float* dy, const float* y, int64_t n) {
  map2(dx, dy, y, n, [](float g, float o) { return g * (1.f - o * o); });
}
void sigmoid_forward(float* y, const float* x, int64_t n) {
  map1(y, x, n, [](float v) { return 1.f / (1.f + std::exp(-v)); });
}
void sigmoid_backward(float* dx, const float* dy, const float* y, int64_t n) {
  map2(dx, dy, y, n, [](float g, float o) { return g * o * (1.f - o); });
}
void gelu_forward(float* y, const float* x, int64_t n) {
  map1(y, x, n, [](float v) { return 0.5f * v * (1.f + std::erf(v * kSqrtHalf)); });
}
void gelu_backward(float* dx, const float* dy, const float* x, int64_t n) {
  map2(dx, dy, x, n, [](float g, float v) {
    const float cdf = 0.5f * (1.f + std::erf(v * kSqrtHalf));
    const float pdf = kInvSqrt2Pi * std::exp(-0.5f * v * v);
    return g * (cdf + v * pdf);
  });
}

}  // namespace joule::kernels::cpu
