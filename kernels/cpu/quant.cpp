// Quantized kernels besides the GEMM: quantize/dequantize, NHWC <-> NCHW, the convolution (im2col
// in uint8, one image at a time, into the GEMM of quant_gemm.cpp), max pooling and ReLU on uint8.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/cpu/parallel.h"
#include "kernels/cpu/quant.h"

namespace joule::kernels::cpu {

void quantize_u8(uint8_t* q, const float* x, int64_t n, float inv_scale, int32_t zp) {
  const float z = static_cast<float>(zp);
  parallel_chunks(n, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      float t = std::nearbyint(x[i] * inv_scale) + z;
      t = std::min(std::max(0.f, t), 255.f);
      q[i] = static_cast<uint8_t>(static_cast<int32_t>(t));
    }
  });
}

void dequantize_u8(float* x, const uint8_t* q, int64_t n, float scale, int32_t zp) {
  parallel_chunks(n, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      x[i] = static_cast<float>(static_cast<int32_t>(q[i]) - zp) * scale;
  });
}

void min_max_f32(float* lo, float* hi, const float* x, int64_t n) {
  // min and max are exact, so the order (and the split across no threads) cannot change them
  bool any = false;
  float a = 0.f, b = 0.f;
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    if (!std::isfinite(v)) continue;
    a = any ? std::min(a, v) : v;
    b = any ? std::max(b, v) : v;
    any = true;
  }
  *lo = a;
  *hi = b;
}

void transpose_u8(uint8_t* y, const uint8_t* x, int64_t B, int64_t R, int64_t C) {
  const bool par = B > 1 && B * R * C >= kParallelMin && !omp_in_parallel();
#pragma omp parallel for schedule(static) if (par)
  for (int64_t b = 0; b < B; ++b) {
    const uint8_t* xb = x + b * R * C;
    uint8_t* yb = y + b * R * C;
    for (int64_t r0 = 0; r0 < R; r0 += 16)  // 16 x 16 blocks keep both sides in cache lines
      for (int64_t c0 = 0; c0 < C; c0 += 16) {
        const int64_t r1 = std::min(R, r0 + 16), c1 = std::min(C, c0 + 16);
        for (int64_t c = c0; c < c1; ++c)
          for (int64_t r = r0; r < r1; ++r) yb[c * R + r] = xb[r * C + c];
      }
  }
}

namespace {

// One image's im2col rows: row p = oh * OW + ow holds, tap by tap (kh, kw), the C bytes of the
// input pixel it reads (x_zp where that pixel is padding), then x_zp up to K4 bytes.
void im2col_u8(uint8_t* col, int64_t K4, const uint8_t* img, int32_t x_zp, const Conv2dDims& d) {
  const uint8_t zp = static_cast<uint8_t>(x_zp);
  const int64_t K = d.KH * d.KW * d.C, run = d.KW * d.C;
  for (int64_t oh = 0; oh < d.OH; ++oh)
    for (int64_t ow = 0; ow < d.OW; ++ow) {
      uint8_t* row = col + (oh * d.OW + ow) * K4;
      const int64_t iw0 = ow * d.SW - d.PW;
      const bool inside_w = d.DW == 1 && iw0 >= 0 && iw0 + d.KW <= d.W;
      for (int64_t kh = 0; kh < d.KH; ++kh) {
        uint8_t* dst = row + kh * run;
        const int64_t ih = oh * d.SH - d.PH + kh * d.DH;
        if (ih < 0 || ih >= d.H) {
          std::memset(dst, zp, static_cast<size_t>(run));
        } else if (inside_w) {  // the KW taps are KW * C contiguous bytes of the input row
          std::memcpy(dst, img + (ih * d.W + iw0) * d.C, static_cast<size_t>(run));
        } else {
          for (int64_t kw = 0; kw < d.KW; ++kw) {
            const int64_t iw = iw0 + kw * d.DW;
            if (iw < 0 || iw >= d.W)
              std::memset(dst + kw * d.C, zp, static_cast<size_t>(d.C));
            else
              std::memcpy(dst + kw * d.C, img + (ih * d.W + iw) * d.C, static_cast<size_t>(d.C));
          }
        }
      }
      if (K4 > K) std::memset(row + K, zp, static_cast<size_t>(K4 - K));
    }
}

}  // namespace

PackedQWeight pack_qconv_weight(const int8_t* w, const Conv2dDims& d) {
  const int64_t K = d.KH * d.KW * d.C, K4 = (K + 3) / 4 * 4;
  std::vector<int8_t> padded(static_cast<size_t>(d.OC * K4), 0);
  for (int64_t oc = 0; oc < d.OC; ++oc)
    std::memcpy(padded.data() + oc * K4, w + oc * K, static_cast<size_t>(K));
  return pack_qweight(padded.data(), d.OC, K4);
}

void qconv2d_packed_u8(uint8_t* y, const uint8_t* x, int32_t x_zp, const PackedQWeight& w,
                       const Conv2dDims& d, const Requant& r) {
  const int64_t P = d.OH * d.OW, K4 = w.K, in_image = d.H * d.W * d.C;
  const bool pointwise = d.KH == 1 && d.KW == 1 && d.SH == 1 && d.SW == 1 && d.PH == 0 &&
                         d.PW == 0 && d.C == K4;
  // One image; the GEMM shares its rows among threads unless the images are already shared.
  auto image = [&](int64_t b, std::vector<uint8_t>& col) {
    const uint8_t* rows = x + b * in_image;
    if (!pointwise) {
      col.resize(static_cast<size_t>(P * K4));
      im2col_u8(col.data(), K4, rows, x_zp, d);
      rows = col.data();
    }
    qgemm_packed_u8(y + b * P * d.OC, d.OC, rows, K4, x_zp, w, P, r);
  };
  const bool by_image = d.N > 1 && d.N * P * d.OC * K4 >= kQuantParallelMin && !omp_in_parallel();
  if (!by_image) {
    std::vector<uint8_t> col;
    for (int64_t b = 0; b < d.N; ++b) image(b, col);
    return;
  }
#pragma omp parallel
  {
    std::vector<uint8_t> col;
#pragma omp for schedule(static)
    for (int64_t b = 0; b < d.N; ++b) image(b, col);
  }
}

void qconv2d_u8(uint8_t* y, const uint8_t* x, int32_t x_zp, const int8_t* w,
                const Conv2dDims& d, const Requant& r) {
  qconv2d_packed_u8(y, x, x_zp, pack_qconv_weight(w, d), d, r);
}

void max_pool2d_u8(uint8_t* y, const uint8_t* x, const Pool2dDims& d) {
  const int64_t rows = d.N * d.OH;
  const bool par = rows > 1 && d.N * d.H * d.W * d.C >= kParallelMin && !omp_in_parallel();
#pragma omp parallel for schedule(static) if (par)
  for (int64_t nr = 0; nr < rows; ++nr) {
    const int64_t b = nr / d.OH, oh = nr % d.OH;
    const int64_t h0 = std::max<int64_t>(oh * d.SH - d.PH, 0);
    const int64_t h1 = std::min(oh * d.SH - d.PH + d.KH, d.H);
    for (int64_t ow = 0; ow < d.OW; ++ow) {
      uint8_t* out = y + ((b * d.OH + oh) * d.OW + ow) * d.C;
      const int64_t w0 = std::max<int64_t>(ow * d.SW - d.PW, 0);
      const int64_t w1 = std::min(ow * d.SW - d.PW + d.KW, d.W);
      std::memset(out, 0, static_cast<size_t>(d.C));  // 0 is the least uint8: any tap wins
      for (int64_t ih = h0; ih < h1; ++ih)
        for (int64_t iw = w0; iw < w1; ++iw) {
          const uint8_t* in = x + ((b * d.H + ih) * d.W + iw) * d.C;
          for (int64_t c = 0; c < d.C; ++c) out[c] = std::max(out[c], in[c]);
        }
    }
  }
}

void relu_u8(uint8_t* y, const uint8_t* x, int64_t n, int32_t zp) {
  const uint8_t z = static_cast<uint8_t>(std::min(std::max(zp, 0), 255));
  parallel_chunks(n, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) y[i] = std::max(x[i], z);
  });
}

}  // namespace joule::kernels::cpu
