// Quantized kernels besides the GEMM: quantize/dequantize, NHWC <-> NCHW, the convolution (one
// image at a time: read in place from the padded image on VNNI, else im2col in uint8 into the GEMM
// of quant_gemm.cpp), max pooling and ReLU on uint8, and the convolution with its max pooling in
// one pass.
#include <omp.h>

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "cpu/parallel.h"
#include "cpu/quant.h"

namespace joule::kernels::cpu {

namespace {

// The AVX-512 functions are compiled for AVX-512 whatever the build's -march, and called only
// when has_avx512() says the CPU executes it.
#define JOULE_AVX512_TARGET __attribute__((target("avx512f")))

bool has_avx512() {
  static const bool yes = __builtin_cpu_supports("avx512f");
  return yes;
}

// quantize_u8 on [0, n), 16 floats per step (the last step masked): the same steps as the scalar
// loop, max(t, 0) turning NaN into 0 as std::max(0.f, t) does. (GCC keeps the scalar loop scalar.)
JOULE_AVX512_TARGET void quantize_avx512(uint8_t* q, const float* x, int64_t n, float inv_scale,
                                         float z) {
  const __m512 inv = _mm512_set1_ps(inv_scale), zv = _mm512_set1_ps(z);
  const __m512 lo = _mm512_setzero_ps(), hi = _mm512_set1_ps(255.f);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - i)) - 1);
    __m512 t = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), inv);
    t = _mm512_roundscale_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    t = _mm512_add_ps(t, zv);
    t = _mm512_min_ps(_mm512_max_ps(t, lo), hi);  // max: (t > 0) ? t : 0, so NaN -> 0
    _mm512_mask_cvtepi32_storeu_epi8(q + i, m, _mm512_cvttps_epi32(t));
  }
}

}  // namespace

void quantize_u8(uint8_t* q, const float* x, int64_t n, float inv_scale, int32_t zp) {
  const float z = static_cast<float>(zp);
  const bool simd = has_avx512();
  parallel_chunks(n, [&](int64_t begin, int64_t end) {
    if (simd) {
      quantize_avx512(q + begin, x + begin, end - begin, inv_scale, z);
      return;
    }
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

// Copies n bytes in whole 16-byte blocks, one vector move each: up to 15 bytes past n are read
// from src and written to dst, both of which must have that slack. (This file is built with
// -fno-tree-loop-distribute-patterns: GCC would otherwise merge the loop back into one libc
// memcpy call per run, slower for the short runs of an im2col row.)
inline void copy_blocks(uint8_t* __restrict dst, const uint8_t* __restrict src, int64_t n) {
  for (int64_t i = 0; i < n; i += 16) {
#if defined(__SSE2__)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i),
                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
#else
    std::memcpy(dst + i, src + i, 16);
#endif
  }
}

constexpr int64_t kSlack = 16;  // bytes after an im2col or padded-image buffer for copy_blocks

// One image's im2col rows (K bytes each): row p = oh * OW + ow holds, window row by window row
// (kh), the KW * C bytes it reads (x_zp where a pixel is padding) at offset kh * K / KH, then up to
// 3 bytes that meet zero weights (any value; see pack_qconv_weight). `padded` is the image with its
// zero-point border: (H + 2 PH, W + 2 PW, C) with kSlack bytes after it. With DW == 1 a window row
// is KW * C contiguous padded bytes, copied in 16-byte blocks whose overrun the next copy (or the
// slack) overwrites.
void im2col_u8(uint8_t* __restrict col, int64_t K, const uint8_t* __restrict padded,
               const Conv2dDims& d) {
  const int64_t C = d.C, KH = d.KH, KW = d.KW, OH = d.OH, OW = d.OW, SH = d.SH, SW = d.SW;
  const int64_t DH = d.DH, DW = d.DW, WP = d.W + 2 * d.PW, run = KW * C, seg = K / KH;
  for (int64_t oh = 0; oh < OH; ++oh)
    for (int64_t ow = 0; ow < OW; ++ow) {
      uint8_t* row = col + (oh * OW + ow) * K;
      for (int64_t kh = 0; kh < KH; ++kh) {
        const uint8_t* src = padded + ((oh * SH + kh * DH) * WP + ow * SW) * C;
        if (DW == 1) {
          copy_blocks(row + kh * seg, src, run);
        } else {
          for (int64_t kw = 0; kw < KW; ++kw)
            std::memcpy(row + kh * seg + kw * C, src + kw * DW * C, static_cast<size_t>(C));
        }
      }
    }
}

// x (H, W, C) -> (H + 2 PH, W + 2 PW, C) bordered with x_zp.
void pad_image(uint8_t* __restrict padded, const uint8_t* __restrict img, int32_t x_zp,
               const Conv2dDims& d) {
  const int64_t C = d.C, W = d.W, PW = d.PW, WP = W + 2 * PW, HP = d.H + 2 * d.PH;
  std::memset(padded, x_zp, static_cast<size_t>(HP * WP * C));
  for (int64_t h = 0; h < d.H; ++h)
    std::memcpy(padded + ((h + d.PH) * WP + PW) * C, img + h * W * C, static_cast<size_t>(W * C));
}

}  // namespace

PackedQWeight pack_qconv_weight(const int8_t* w, const Conv2dDims& d) {
  const int64_t run = d.KW * d.C, seg = (run + 3) / 4 * 4, K = d.KH * seg;
  std::vector<int8_t> padded(static_cast<size_t>(d.OC * K), 0);
  for (int64_t oc = 0; oc < d.OC; ++oc)
    for (int64_t kh = 0; kh < d.KH; ++kh)
      std::memcpy(padded.data() + oc * K + kh * seg, w + (oc * d.KH + kh) * run,
                  static_cast<size_t>(run));
  return pack_qweight(padded.data(), d.OC, K);
}

namespace {

// The buffers of one thread's images: im2col rows, the padded image, a convolution output.
struct ConvScratch {
  std::vector<uint8_t> col, padded, out;
};

// Image b of x -> its convolution y (OH, OW, OC): on VNNI with DW == 1 read in place from the
// padded image (qconv2d_direct_vnni), else through im2col rows and the GEMM. The pixels are shared
// among threads unless the images are already shared.
void conv_image(uint8_t* y, const uint8_t* x, int32_t x_zp, const PackedQWeight& w,
                const Conv2dDims& d, const Requant& r, int64_t b, ConvScratch& s) {
  const int64_t P = d.OH * d.OW, K = w.K;
  const bool pointwise = d.KH == 1 && d.KW == 1 && d.SH == 1 && d.SW == 1 && d.PH == 0 &&
                         d.PW == 0 && d.C == K;
  const uint8_t* rows = x + b * d.H * d.W * d.C;
  if (pointwise) {
    qgemm_packed_u8(y, d.OC, rows, K, x_zp, w, P, r);
    return;
  }
  const int64_t padded_bytes = (d.H + 2 * d.PH) * (d.W + 2 * d.PW) * d.C;
  s.padded.resize(static_cast<size_t>(padded_bytes + kSlack));
  pad_image(s.padded.data(), rows, x_zp, d);
  if (w.vnni && d.DW == 1) {
    qconv2d_direct_vnni(y, s.padded.data(), x_zp, w, d, r);
    return;
  }
  s.col.resize(static_cast<size_t>(P * K + kSlack));
  im2col_u8(s.col.data(), K, s.padded.data(), d);
  qgemm_packed_u8(y, d.OC, s.col.data(), K, x_zp, w, P, r);
}

// Calls image(b, scratch) for every image b: OpenMP threads share the images when there are
// several and the work (N * OH * OW * OC * K multiply-adds) reaches kQuantParallelMin.
template <class F>
void each_image(const Conv2dDims& d, int64_t K, F image) {
  const bool by_image = d.N > 1 && d.N * d.OH * d.OW * d.OC * K >= kQuantParallelMin &&
                        !omp_in_parallel();
  if (!by_image) {
    ConvScratch s;
    for (int64_t b = 0; b < d.N; ++b) image(b, s);
    return;
  }
#pragma omp parallel
  {
    ConvScratch s;
#pragma omp for schedule(static)
    for (int64_t b = 0; b < d.N; ++b) image(b, s);
  }
}

}  // namespace

void qconv2d_packed_u8(uint8_t* y, const uint8_t* x, int32_t x_zp, const PackedQWeight& w,
                       const Conv2dDims& d, const Requant& r) {
  const int64_t out_image = d.OH * d.OW * d.OC;
  each_image(d, w.K, [&](int64_t b, ConvScratch& s) {
    conv_image(y + b * out_image, x, x_zp, w, d, r, b, s);
  });
}

void qconv2d_u8(uint8_t* y, const uint8_t* x, int32_t x_zp, const int8_t* w,
                const Conv2dDims& d, const Requant& r) {
  qconv2d_packed_u8(y, x, x_zp, pack_qconv_weight(w, d), d, r);
}

namespace {

// out[c] = max(out[c], in[c]) for c < C: 16 bytes per vector instruction, the rest one by one
inline void max_into(uint8_t* __restrict out, const uint8_t* __restrict in, int64_t C) {
  int64_t c = 0;
#if defined(__SSE2__)
  for (; c + 16 <= C; c += 16) {
    __m128i* o = reinterpret_cast<__m128i*>(out + c);
    _mm_storeu_si128(o, _mm_max_epu8(_mm_loadu_si128(o),
                                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + c))));
  }
#endif
  for (; c < C; ++c) out[c] = out[c] > in[c] ? out[c] : in[c];
}

// out[c] = max(a[c], b[c], e[c], f[c]) for c < C: the four taps of a 2 x 2 window at once
inline void max4(uint8_t* __restrict out, const uint8_t* a, const uint8_t* b, const uint8_t* e,
                 const uint8_t* f, int64_t C) {
  int64_t c = 0;
#if defined(__SSE2__)
  auto load = [](const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); };
  for (; c + 16 <= C; c += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + c),
                     _mm_max_epu8(_mm_max_epu8(load(a + c), load(b + c)),
                                  _mm_max_epu8(load(e + c), load(f + c))));
#endif
  for (; c < C; ++c) out[c] = std::max(std::max(a[c], b[c]), std::max(e[c], f[c]));
}

// One output row (image b, row oh) of a 2 x 2 window with stride 2 and no padding: every window
// lies inside the image, four taps each.
void pool_row_2x2(uint8_t* __restrict y, const uint8_t* __restrict x, const Pool2dDims& d,
                  int64_t b, int64_t oh) {
  const int64_t C = d.C, W = d.W;
  const uint8_t* top = x + ((b * d.H + 2 * oh) * W) * C;
  const uint8_t* bottom = top + W * C;
  uint8_t* out = y + ((b * d.OH + oh) * d.OW) * C;
  for (int64_t ow = 0; ow < d.OW; ++ow) {
    const int64_t at = 2 * ow * C;
    max4(out + ow * C, top + at, top + at + C, bottom + at, bottom + at + C, C);
  }
}

// One output row (image b, row oh) of any window.
void pool_row(uint8_t* __restrict y, const uint8_t* __restrict x, const Pool2dDims& d, int64_t b,
              int64_t oh) {
  const int64_t C = d.C, H = d.H, W = d.W, OH = d.OH, OW = d.OW;
  const int64_t KH = d.KH, KW = d.KW, SH = d.SH, SW = d.SW, PH = d.PH, PW = d.PW;
  if (KH == 2 && KW == 2 && SH == 2 && SW == 2 && PH == 0 && PW == 0) {
    pool_row_2x2(y, x, d, b, oh);
    return;
  }
  const int64_t h0 = std::max<int64_t>(oh * SH - PH, 0), h1 = std::min(oh * SH - PH + KH, H);
  for (int64_t ow = 0; ow < OW; ++ow) {
    uint8_t* out = y + ((b * OH + oh) * OW + ow) * C;
    const int64_t w0 = std::max<int64_t>(ow * SW - PW, 0), w1 = std::min(ow * SW - PW + KW, W);
    // the first tap (every window holds one) starts the maximum: padding never wins
    const uint8_t* first = x + ((b * H + h0) * W + w0) * C;
    for (int64_t c = 0; c < C; ++c) out[c] = first[c];
    for (int64_t ih = h0; ih < h1; ++ih)
      for (int64_t iw = (ih == h0 ? w0 + 1 : w0); iw < w1; ++iw)
        max_into(out, x + ((b * H + ih) * W + iw) * C, C);
  }
}

}  // namespace

void max_pool2d_u8(uint8_t* y, const uint8_t* x, const Pool2dDims& d) {
  const int64_t rows = d.N * d.OH;
  const bool par = rows > 1 && d.N * d.H * d.W * d.C >= kParallelMin && !omp_in_parallel();
#pragma omp parallel for schedule(static) if (par)
  for (int64_t nr = 0; nr < rows; ++nr) pool_row(y, x, d, nr / d.OH, nr % d.OH);
}

void relu_u8(uint8_t* y, const uint8_t* x, int64_t n, int32_t zp) {
  const uint8_t z = static_cast<uint8_t>(std::min(std::max(zp, 0), 255));
  parallel_chunks(n, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) y[i] = std::max(x[i], z);
  });
}

// ---- the convolution and the max pooling after it --------------------------------------------

void qconv2d_pool_packed_u8(uint8_t* y, const uint8_t* x, int32_t x_zp, const PackedQWeight& w,
                            const Conv2dDims& d, const Requant& r, const Pool2dDims& p) {
  const int64_t conv_image_bytes = d.OH * d.OW * d.OC, out_image = p.OH * p.OW * p.C;
  Pool2dDims one = p;
  one.N = 1;
  each_image(d, w.K, [&](int64_t b, ConvScratch& s) {
    s.out.resize(static_cast<size_t>(conv_image_bytes));
    conv_image(s.out.data(), x, x_zp, w, d, r, b, s);
    // on this thread: an OpenMP region per image (even an inactive one) costs more than it saves
    for (int64_t oh = 0; oh < one.OH; ++oh) pool_row(y + b * out_image, s.out.data(), one, 0, oh);
  });
}

void qconv2d_pool_u8(uint8_t* y, const uint8_t* x, int32_t x_zp, const int8_t* w,
                     const Conv2dDims& d, const Requant& r, const Pool2dDims& p) {
  qconv2d_pool_packed_u8(y, x, x_zp, pack_qconv_weight(w, d), d, r, p);
}

}  // namespace joule::kernels::cpu
