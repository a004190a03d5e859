// The scalar requantization of kernels/quant.inc, for the portable paths and the edges of the
// SIMD ones (the same float steps in the same order as kernels/reference/quant.cpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "cpu/quant.h"

namespace joule::kernels::cpu {

// acc of column n -> uint8 (the last argument only picks the overload)
inline uint8_t epilogue(int32_t acc, int64_t n, const Requant& r, uint8_t*) {
  float t = static_cast<float>(acc) * r.multiplier[n];
  if (r.bias) t = t + r.bias[n];
  t = std::nearbyint(t) + static_cast<float>(r.out_zero_point);
  const float lo = r.relu ? static_cast<float>(r.out_zero_point) : 0.f;
  t = std::min(std::max(lo, t), 255.f);
  return static_cast<uint8_t>(static_cast<int32_t>(t));
}

// acc of column n -> float
inline float epilogue(int32_t acc, int64_t n, const Requant& r, float*) {
  float t = static_cast<float>(acc) * r.multiplier[n];
  if (r.bias) t = t + r.bias[n];
  return r.relu ? std::max(0.f, t) : t;
}

}  // namespace joule::kernels::cpu
