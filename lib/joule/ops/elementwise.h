// Elementwise arithmetic with broadcasting (NumPy rules; the bias-row case has its own kernel),
// scalar arithmetic, exp/log, and in-place accumulation.
#pragma once

#include "joule/core/tensor.h"

namespace joule {

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
// a * scale + shift, elementwise
Tensor affine(const Tensor& a, float scale, float shift);
Tensor neg(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
// `a` viewed with size-1 (or missing leading) dimensions repeated to `shape` (no copy).
Tensor expand(const Tensor& a, const Shape& shape);
// Sums `g` over broadcast dimensions down to `shape` (the reverse of expand).
Tensor sum_to(const Tensor& g, const Shape& shape);
// The broadcast of two shapes; throws naming `op` when they are incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// In place, no autograd: dst += src (same shape), dst += alpha * src.
void add_(Tensor& dst, const Tensor& src, float alpha = 1.f);

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& a) { return neg(a); }
inline Tensor operator+(const Tensor& a, float s) { return affine(a, 1.f, s); }
inline Tensor operator-(const Tensor& a, float s) { return affine(a, 1.f, -s); }
inline Tensor operator*(const Tensor& a, float s) { return affine(a, s, 0.f); }
inline Tensor operator/(const Tensor& a, float s) { return affine(a, 1.f / s, 0.f); }
inline Tensor operator+(float s, const Tensor& a) { return affine(a, 1.f, s); }
inline Tensor operator-(float s, const Tensor& a) { return affine(a, -1.f, s); }
inline Tensor operator*(float s, const Tensor& a) { return affine(a, s, 0.f); }

}  // namespace joule
