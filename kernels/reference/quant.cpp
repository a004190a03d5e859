// Naive quantized kernels: the arithmetic of kernels/quant.inc written out one element at a time,
// the ground truth the fast kernels must equal to the byte.
#include "reference/quant.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace joule::kernels::ref {

namespace {

uint8_t requantize(int32_t acc, int64_t n, const Requant& r) {
  float t = static_cast<float>(acc) * r.multiplier[n];
  if (r.bias) t = t + r.bias[n];
  t = std::nearbyint(t) + static_cast<float>(r.out_zero_point);
  const float lo = r.relu ? static_cast<float>(r.out_zero_point) : 0.f;
  t = std::min(std::max(lo, t), 255.f);  // max(lo, NaN) is lo, as in the SIMD kernels
  return static_cast<uint8_t>(static_cast<int32_t>(t));
}

float to_float(int32_t acc, int64_t n, const Requant& r) {
  float t = static_cast<float>(acc) * r.multiplier[n];
  if (r.bias) t = t + r.bias[n];
  return r.relu ? std::max(0.f, t) : t;
}

int32_t dot(const uint8_t* x, int32_t x_zp, const int8_t* w, int64_t K) {
  int32_t acc = 0;
  for (int64_t k = 0; k < K; ++k) acc += (static_cast<int32_t>(x[k]) - x_zp) * w[k];
  return acc;
}

}  // namespace

void quantize_u8(uint8_t* q, const float* x, int64_t n, float inv_scale, int32_t zp) {
  for (int64_t i = 0; i < n; ++i) {
    float t = std::nearbyint(x[i] * inv_scale) + static_cast<float>(zp);
    t = std::min(std::max(0.f, t), 255.f);  // a NaN input becomes code 0
    q[i] = static_cast<uint8_t>(static_cast<int32_t>(t));
  }
}

void dequantize_u8(float* x, const uint8_t* q, int64_t n, float scale, int32_t zp) {
  for (int64_t i = 0; i < n; ++i)
    x[i] = static_cast<float>(static_cast<int32_t>(q[i]) - zp) * scale;
}

void min_max_f32(float* lo, float* hi, const float* x, int64_t n) {
  bool any = false;
  float a = 0.f, b = 0.f;
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) continue;
    a = any ? std::min(a, x[i]) : x[i];
    b = any ? std::max(b, x[i]) : x[i];
    any = true;
  }
  *lo = a;
  *hi = b;
}

void transpose_u8(uint8_t* y, const uint8_t* x, int64_t B, int64_t R, int64_t C) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t r = 0; r < R; ++r)
      for (int64_t c = 0; c < C; ++c) y[(b * C + c) * R + r] = x[(b * R + r) * C + c];
}

void qgemm_u8(uint8_t* y, const uint8_t* x, int32_t x_zp, const int8_t* w, int64_t M, int64_t N,
              int64_t K, const Requant& r) {
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n)
      y[m * N + n] = requantize(dot(x + m * K, x_zp, w + n * K, K), n, r);
}

void qgemm_f32(float* y, const uint8_t* x, int32_t x_zp, const int8_t* w, int64_t M, int64_t N,
               int64_t K, const Requant& r) {
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n)
      y[m * N + n] = to_float(dot(x + m * K, x_zp, w + n * K, K), n, r);
}

void qconv2d_u8(uint8_t* y, const uint8_t* x, int32_t x_zp, const int8_t* w,
                const Conv2dDims& d, const Requant& r) {
  for (int64_t b = 0; b < d.N; ++b)
    for (int64_t oh = 0; oh < d.OH; ++oh)
      for (int64_t ow = 0; ow < d.OW; ++ow)
        for (int64_t oc = 0; oc < d.OC; ++oc) {
          int32_t acc = 0;
          for (int64_t kh = 0; kh < d.KH; ++kh)
            for (int64_t kw = 0; kw < d.KW; ++kw) {
              const int64_t ih = oh * d.SH - d.PH + kh * d.DH;
              const int64_t iw = ow * d.SW - d.PW + kw * d.DW;
              if (ih < 0 || ih >= d.H || iw < 0 || iw >= d.W) continue;  // x_zp - x_zp = 0
              for (int64_t c = 0; c < d.C; ++c) {
                const int32_t xv = x[((b * d.H + ih) * d.W + iw) * d.C + c];
                acc += (xv - x_zp) * w[((oc * d.KH + kh) * d.KW + kw) * d.C + c];
              }
            }
          y[((b * d.OH + oh) * d.OW + ow) * d.OC + oc] = requantize(acc, oc, r);
        }
}

void qconv2d_pool_u8(uint8_t* y, const uint8_t* x, int32_t x_zp, const int8_t* w,
                     const Conv2dDims& d, const Requant& r, const Pool2dDims& p) {
  std::vector<uint8_t> conv(static_cast<size_t>(d.N * d.OH * d.OW * d.OC));
  qconv2d_u8(conv.data(), x, x_zp, w, d, r);
  max_pool2d_u8(y, conv.data(), p);
}

void max_pool2d_u8(uint8_t* y, const uint8_t* x, const Pool2dDims& d) {
  for (int64_t b = 0; b < d.N; ++b)
    for (int64_t oh = 0; oh < d.OH; ++oh)
      for (int64_t ow = 0; ow < d.OW; ++ow)
        for (int64_t c = 0; c < d.C; ++c) {
          uint8_t best = 0;
          for (int64_t kh = 0; kh < d.KH; ++kh)
            for (int64_t kw = 0; kw < d.KW; ++kw) {
              const int64_t ih = oh * d.SH - d.PH + kh, iw = ow * d.SW - d.PW + kw;
              if (ih < 0 || ih >= d.H || iw < 0 || iw >= d.W) continue;
              best = std::max(best, x[((b * d.H + ih) * d.W + iw) * d.C + c]);
            }
          y[((b * d.OH + oh) * d.OW + ow) * d.C + c] = best;
        }
}

void relu_u8(uint8_t* y, const uint8_t* x, int64_t n, int32_t zp) {
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<uint8_t>(std::max<int32_t>(x[i], zp));
}

}  // namespace joule::kernels::ref
