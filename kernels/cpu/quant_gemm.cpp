// The int8 GEMM: uint8 activations x int8 weights -> int32 with AVX-512 VNNI (vpdpbusd: 64
// multiply-adds per instruction) in tiles of 4 rows x 4 blocks of 16 columns, or with plain loops
// on CPUs without VNNI; both read the same packed weights and end in the same requantization.
// With VNNI also the direct convolution: the same tiles with each row's groups of 4 bytes read in
// place from a padded image instead of from an im2col row.
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu/quant.h"
#include "cpu/quant_epilogue.h"

// The VNNI functions are compiled for AVX-512 VNNI whatever the build's -march, and called only
// when has_vnni() says the CPU executes it.
#define JOULE_VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

namespace joule::kernels::cpu {

bool has_vnni() {
  static const bool yes = __builtin_cpu_supports("avx512vnni") &&
                          __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  return yes;
}

PackedQWeight pack_qweight(const int8_t* w, int64_t N, int64_t K) {
  PackedQWeight p;
  p.N = N;
  p.K = K;
  p.KG = (K + 3) / 4;
  p.NB = (N + 15) / 16;
  p.data.assign(static_cast<size_t>(p.NB * p.KG * 64), 0);
  p.row_sums.assign(static_cast<size_t>(N), 0);
  for (int64_t n = 0; n < N; ++n) {
    const int64_t nb = n / 16, j = n % 16;
    for (int64_t k = 0; k < K; ++k) {
      const int8_t v = w[n * K + k];
      p.data[static_cast<size_t>(((nb * p.KG + k / 4) * 16 + j) * 4 + k % 4)] = v;
      p.row_sums[static_cast<size_t>(n)] += v;
    }
  }
  p.vnni = has_vnni();
  return p;
}

namespace {

int32_t load4(const uint8_t* p, int bytes) {
  int32_t v = 0;
  std::memcpy(&v, p, static_cast<size_t>(bytes));
  return v;
}

// ---- VNNI ------------------------------------------------------------------------------------

// 16 int32 accumulators of row `y` (columns n0 .. n0 + cols) through the epilogue.
JOULE_VNNI_TARGET inline void store16(uint8_t* y, __m512i acc, int64_t n0, int cols,
                                      const Requant& r) {
  const __mmask16 mask = cols >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << cols) - 1);
  __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), _mm512_maskz_loadu_ps(mask, r.multiplier + n0));
  if (r.bias) f = _mm512_add_ps(f, _mm512_maskz_loadu_ps(mask, r.bias + n0));
  f = _mm512_roundscale_ps(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const float zp = static_cast<float>(r.out_zero_point);
  f = _mm512_add_ps(f, _mm512_set1_ps(zp));
  f = _mm512_max_ps(f, _mm512_set1_ps(r.relu ? zp : 0.f));  // (f > lo) ? f : lo, NaN -> lo
  f = _mm512_min_ps(f, _mm512_set1_ps(255.f));
  _mm512_mask_cvtepi32_storeu_epi8(y + n0, mask, _mm512_cvttps_epi32(f));
}

JOULE_VNNI_TARGET inline void store16(float* y, __m512i acc, int64_t n0, int cols,
                                      const Requant& r) {
  const __mmask16 mask = cols >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << cols) - 1);
  __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), _mm512_maskz_loadu_ps(mask, r.multiplier + n0));
  if (r.bias) f = _mm512_add_ps(f, _mm512_maskz_loadu_ps(mask, r.bias + n0));
  if (r.relu) f = _mm512_max_ps(f, _mm512_setzero_ps());
  _mm512_mask_storeu_ps(y + n0, mask, f);
}

// One group of 4 k (g) for rows [0, MR) and NB column blocks: BYTES of each row (4, or K % 4 in
// the last group), the rest read as zero.
template <int MR, int NB, int BYTES>
JOULE_VNNI_TARGET inline void group_vnni(__m512i (&acc)[MR][NB], const uint8_t* x, int64_t ldx,
                                         const int8_t* base, int64_t KG, int64_t g) {
  __m512i wv[NB];
  for (int j = 0; j < NB; ++j) wv[j] = _mm512_loadu_si512(base + (j * KG + g) * 64);
  for (int i = 0; i < MR; ++i) {
    const __m512i xv = _mm512_set1_epi32(load4(x + i * ldx + 4 * g, BYTES));
    for (int j = 0; j < NB; ++j) acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], xv, wv[j]);
  }
}

// The accumulators of rows [0, MR) and column blocks [nb0, nb0 + NB), less the zero-point
// correction, through the epilogue into y.
template <int MR, int NB, class Out>
JOULE_VNNI_TARGET inline void finish_tile(__m512i (&acc)[MR][NB], Out* y, int64_t ldy,
                                          int32_t x_zp, const PackedQWeight& w, int64_t nb0,
                                          const Requant& r) {
  for (int j = 0; j < NB; ++j) {
    const int64_t n0 = (nb0 + j) * 16;
    const int cols = static_cast<int>(std::min<int64_t>(16, w.N - n0));
    const __mmask16 mask = cols >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << cols) - 1);
    const __m512i corr = _mm512_mullo_epi32(_mm512_set1_epi32(x_zp),
                                            _mm512_maskz_loadu_epi32(mask, w.row_sums.data() + n0));
    for (int i = 0; i < MR; ++i)
      store16(y + i * ldy, _mm512_sub_epi32(acc[i][j], corr), n0, cols, r);
  }
}

// Rows [0, MR) of x and column blocks [nb0, nb0 + NB) of w -> those outputs of y.
template <int MR, int NB, class Out>
JOULE_VNNI_TARGET void tile_vnni(Out* y, int64_t ldy, const uint8_t* x, int64_t ldx, int32_t x_zp,
                                 const PackedQWeight& w, int64_t nb0, const Requant& r) {
  __m512i acc[MR][NB];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NB; ++j) acc[i][j] = _mm512_setzero_si512();
  const int8_t* base = w.data.data() + nb0 * w.KG * 64;
  const int64_t full = w.K / 4;
  for (int64_t g = 0; g < full; ++g) group_vnni<MR, NB, 4>(acc, x, ldx, base, w.KG, g);
  switch (w.K % 4) {
    case 1: group_vnni<MR, NB, 1>(acc, x, ldx, base, w.KG, full); break;
    case 2: group_vnni<MR, NB, 2>(acc, x, ldx, base, w.KG, full); break;
    case 3: group_vnni<MR, NB, 3>(acc, x, ldx, base, w.KG, full); break;
    default: break;
  }
  finish_tile(acc, y, ldy, x_zp, w, nb0, r);
}

template <int MR, class Out>
JOULE_VNNI_TARGET void tile_vnni_nb(int nb, Out* y, int64_t ldy, const uint8_t* x, int64_t ldx,
                                    int32_t x_zp, const PackedQWeight& w, int64_t nb0,
                                    const Requant& r) {
  switch (nb) {
    case 1: tile_vnni<MR, 1>(y, ldy, x, ldx, x_zp, w, nb0, r); break;
    case 2: tile_vnni<MR, 2>(y, ldy, x, ldx, x_zp, w, nb0, r); break;
    case 3: tile_vnni<MR, 3>(y, ldy, x, ldx, x_zp, w, nb0, r); break;
    default: tile_vnni<MR, 4>(y, ldy, x, ldx, x_zp, w, nb0, r); break;
  }
}

// Rows [m0, m1) through 4 x 4 tiles and the smaller ones at the edges.
template <class Out>
JOULE_VNNI_TARGET void rows_vnni(Out* y, int64_t ldy, const uint8_t* x, int64_t ldx, int32_t x_zp,
                                 const PackedQWeight& w, int64_t m0, int64_t m1, const Requant& r) {
  for (int64_t m = m0; m < m1; m += 4) {
    const int mr = static_cast<int>(std::min<int64_t>(4, m1 - m));
    Out* ym = y + m * ldy;
    const uint8_t* xm = x + m * ldx;
    for (int64_t nb = 0; nb < w.NB; nb += 4) {
      const int nbs = static_cast<int>(std::min<int64_t>(4, w.NB - nb));
      switch (mr) {
        case 1: tile_vnni_nb<1>(nbs, ym, ldy, xm, ldx, x_zp, w, nb, r); break;
        case 2: tile_vnni_nb<2>(nbs, ym, ldy, xm, ldx, x_zp, w, nb, r); break;
        case 3: tile_vnni_nb<3>(nbs, ym, ldy, xm, ldx, x_zp, w, nb, r); break;
        default: tile_vnni_nb<4>(nbs, ym, ldy, xm, ldx, x_zp, w, nb, r); break;
      }
    }
  }
}

// ---- direct convolution (VNNI) ---------------------------------------------------------------

// The GEMM rows of a convolution read in place from the padded image: pixel i's window row kh is
// the G1 groups of 4 bytes from xs[i] + kh * seg (see qconv2d_direct_vnni).
struct ConvWindows {
  int64_t KH, G1, seg;
};

// Pixels [0, MR) (window starts xs) and column blocks [nb0, nb0 + NB) of w -> those outputs of y.
template <int MR, int NB>
JOULE_VNNI_TARGET void conv_tile_vnni(uint8_t* y, int64_t ldy, const uint8_t* const* xs,
                                      const ConvWindows& cw, int32_t x_zp,
                                      const PackedQWeight& w, int64_t nb0, const Requant& r) {
  __m512i acc[MR][NB];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NB; ++j) acc[i][j] = _mm512_setzero_si512();
  const int8_t* base = w.data.data() + nb0 * w.KG * 64;
  for (int64_t kh = 0; kh < cw.KH; ++kh) {
    const int64_t off = kh * cw.seg;
    for (int64_t g = 0; g < cw.G1; ++g) {
      const int64_t gg = kh * cw.G1 + g;
      __m512i wv[NB];
      for (int j = 0; j < NB; ++j) wv[j] = _mm512_loadu_si512(base + (j * w.KG + gg) * 64);
      for (int i = 0; i < MR; ++i) {
        const __m512i xv = _mm512_set1_epi32(load4(xs[i] + off + 4 * g, 4));
        for (int j = 0; j < NB; ++j) acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], xv, wv[j]);
      }
    }
  }
  finish_tile(acc, y, ldy, x_zp, w, nb0, r);
}

template <int MR>
JOULE_VNNI_TARGET void conv_tile_vnni_nb(int nb, uint8_t* y, int64_t ldy, const uint8_t* const* xs,
                                         const ConvWindows& cw, int32_t x_zp,
                                         const PackedQWeight& w, int64_t nb0, const Requant& r) {
  switch (nb) {
    case 1: conv_tile_vnni<MR, 1>(y, ldy, xs, cw, x_zp, w, nb0, r); break;
    case 2: conv_tile_vnni<MR, 2>(y, ldy, xs, cw, x_zp, w, nb0, r); break;
    case 3: conv_tile_vnni<MR, 3>(y, ldy, xs, cw, x_zp, w, nb0, r); break;
    default: conv_tile_vnni<MR, 4>(y, ldy, xs, cw, x_zp, w, nb0, r); break;
  }
}

// Pixels [0, mr) for mr <= 8 and NB (1 or 2) blocks of 16 columns: 8 pixels a tile keep 8 or 16
// chains of multiply-adds in flight where 4 x 1 accumulators would wait on each other, and share
// each weight load among more of them.
template <int NB>
JOULE_VNNI_TARGET void conv_tile_vnni_8(int mr, uint8_t* y, int64_t ldy, const uint8_t* const* xs,
                                        const ConvWindows& cw, int32_t x_zp,
                                        const PackedQWeight& w, const Requant& r) {
  switch (mr) {
    case 1: conv_tile_vnni<1, NB>(y, ldy, xs, cw, x_zp, w, 0, r); break;
    case 2: conv_tile_vnni<2, NB>(y, ldy, xs, cw, x_zp, w, 0, r); break;
    case 3: conv_tile_vnni<3, NB>(y, ldy, xs, cw, x_zp, w, 0, r); break;
    case 4: conv_tile_vnni<4, NB>(y, ldy, xs, cw, x_zp, w, 0, r); break;
    case 5: conv_tile_vnni<5, NB>(y, ldy, xs, cw, x_zp, w, 0, r); break;
    case 6: conv_tile_vnni<6, NB>(y, ldy, xs, cw, x_zp, w, 0, r); break;
    case 7: conv_tile_vnni<7, NB>(y, ldy, xs, cw, x_zp, w, 0, r); break;
    default: conv_tile_vnni<8, NB>(y, ldy, xs, cw, x_zp, w, 0, r); break;
  }
}

// Output pixels [p0, p1) of one image through tiles of 4 pixels (8 when the outputs are at most
// 2 blocks of 16 columns) and the smaller one at the end.
JOULE_VNNI_TARGET void conv_pixels_vnni(uint8_t* y, const uint8_t* padded, int32_t x_zp,
                                        const PackedQWeight& w, const Conv2dDims& d,
                                        const Requant& r, int64_t p0, int64_t p1) {
  const int64_t WP = d.W + 2 * d.PW, C = d.C, tile = w.NB <= 2 ? 8 : 4;
  const ConvWindows cw{d.KH, w.KG / d.KH, d.DH * WP * C};
  for (int64_t p = p0; p < p1; p += tile) {
    const int mr = static_cast<int>(std::min<int64_t>(tile, p1 - p));
    const uint8_t* xs[8];
    for (int i = 0; i < mr; ++i) {
      const int64_t oh = (p + i) / d.OW, ow = (p + i) % d.OW;
      xs[i] = padded + (oh * d.SH * WP + ow * d.SW) * C;
    }
    uint8_t* yp = y + p * w.N;
    if (w.NB <= 2) {
      if (w.NB == 1)
        conv_tile_vnni_8<1>(mr, yp, w.N, xs, cw, x_zp, w, r);
      else
        conv_tile_vnni_8<2>(mr, yp, w.N, xs, cw, x_zp, w, r);
      continue;
    }
    for (int64_t nb = 0; nb < w.NB; nb += 4) {
      const int nbs = static_cast<int>(std::min<int64_t>(4, w.NB - nb));
      switch (mr) {
        case 1: conv_tile_vnni_nb<1>(nbs, yp, w.N, xs, cw, x_zp, w, nb, r); break;
        case 2: conv_tile_vnni_nb<2>(nbs, yp, w.N, xs, cw, x_zp, w, nb, r); break;
        case 3: conv_tile_vnni_nb<3>(nbs, yp, w.N, xs, cw, x_zp, w, nb, r); break;
        default: conv_tile_vnni_nb<4>(nbs, yp, w.N, xs, cw, x_zp, w, nb, r); break;
      }
    }
  }
}

// ---- portable --------------------------------------------------------------------------------

template <class Out>
void rows_portable(Out* y, int64_t ldy, const uint8_t* x, int64_t ldx, int32_t x_zp,
                   const PackedQWeight& w, int64_t m0, int64_t m1, const Requant& r) {
  const int64_t full = w.K / 4;
  const int rem = static_cast<int>(w.K % 4);
  for (int64_t m = m0; m < m1; ++m) {
    const uint8_t* xm = x + m * ldx;
    for (int64_t nb = 0; nb < w.NB; ++nb) {
      int32_t acc[16] = {};
      const int8_t* wb = w.data.data() + nb * w.KG * 64;
      for (int64_t g = 0; g < w.KG; ++g) {
        uint8_t xb[4] = {0, 0, 0, 0};
        std::memcpy(xb, xm + 4 * g, static_cast<size_t>(g < full ? 4 : rem));
        const int8_t* wg = wb + g * 64;
        for (int j = 0; j < 16; ++j)
          for (int t = 0; t < 4; ++t) acc[j] += static_cast<int32_t>(xb[t]) * wg[j * 4 + t];
      }
      const int64_t n0 = nb * 16, cols = std::min<int64_t>(16, w.N - n0);
      for (int64_t j = 0; j < cols; ++j) {
        const int64_t n = n0 + j;
        const int32_t a = acc[j] - x_zp * w.row_sums[static_cast<size_t>(n)];
        y[m * ldy + n] = epilogue(a, n, r, static_cast<Out*>(nullptr));
      }
    }
  }
}

template <class Out>
void rows_any(Out* y, int64_t ldy, const uint8_t* x, int64_t ldx, int32_t x_zp,
              const PackedQWeight& w, int64_t m0, int64_t m1, const Requant& r) {
  if (w.vnni)
    rows_vnni(y, ldy, x, ldx, x_zp, w, m0, m1, r);
  else
    rows_portable(y, ldy, x, ldx, x_zp, w, m0, m1, r);
}

template <class Out>
void gemm(Out* y, int64_t ldy, const uint8_t* x, int64_t ldx, int32_t x_zp,
          const PackedQWeight& w, int64_t M, const Requant& r) {
  // omp_get_level(): inside any parallel region, even a team of one thread, whose nested
  // region would cost its set-up for no second thread
  if (M * w.N * w.K < kQuantParallelMin || M < 8 || omp_get_level() > 0 ||
      omp_get_max_threads() == 1) {
    rows_any(y, ldy, x, ldx, x_zp, w, 0, M, r);
    return;
  }
#pragma omp parallel
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t per = ((M + nt - 1) / nt + 3) / 4 * 4;  // whole 4-row tiles per thread
    const int64_t m0 = std::min(M, t * per), m1 = std::min(M, m0 + per);
    if (m0 < m1) rows_any(y, ldy, x, ldx, x_zp, w, m0, m1, r);
  }
}

}  // namespace

void qgemm_packed_u8(uint8_t* y, int64_t ldy, const uint8_t* x, int64_t ldx, int32_t x_zp,
                     const PackedQWeight& w, int64_t M, const Requant& r) {
  gemm(y, ldy, x, ldx, x_zp, w, M, r);
}

void qgemm_packed_f32(float* y, int64_t ldy, const uint8_t* x, int64_t ldx, int32_t x_zp,
                      const PackedQWeight& w, int64_t M, const Requant& r) {
  gemm(y, ldy, x, ldx, x_zp, w, M, r);
}

void qconv2d_direct_vnni(uint8_t* y, const uint8_t* padded, int32_t x_zp, const PackedQWeight& w,
                         const Conv2dDims& d, const Requant& r) {
  const int64_t P = d.OH * d.OW;
  if (P * w.N * w.K < kQuantParallelMin || P < 8 || omp_get_level() > 0 ||
      omp_get_max_threads() == 1) {
    conv_pixels_vnni(y, padded, x_zp, w, d, r, 0, P);
    return;
  }
#pragma omp parallel
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t per = ((P + nt - 1) / nt + 7) / 8 * 8;  // whole 8-pixel tiles per thread
    const int64_t p0 = std::min(P, t * per), p1 = std::min(P, p0 + per);
    if (p0 < p1) conv_pixels_vnni(y, padded, x_zp, w, d, r, p0, p1);
  }
}

void qgemm_u8(uint8_t* y, const uint8_t* x, int32_t x_zp, const int8_t* w, int64_t M, int64_t N,
              int64_t K, const Requant& r) {
  gemm(y, N, x, K, x_zp, pack_qweight(w, N, K), M, r);
}

void qgemm_f32(float* y, const uint8_t* x, int32_t x_zp, const int8_t* w, int64_t M, int64_t N,
               int64_t K, const Requant& r) {
  gemm(y, N, x, K, x_zp, pack_qweight(w, N, K), M, r);
}

}  // namespace joule::kernels::cpu
