// Convolution, two ways, samples split across OpenMP threads:
//  - direct (stride 1 along the width, rows that fill SIMD vectors well: the common case): each
//    sample is copied once into a zero-padded buffer that register-blocked micro-kernels read in
//    place, so no im2col buffer is written. Forward and input gradient vectorize along output
//    rows (a tile is kPR channels x kPV row vectors); the weight gradient vectorizes along output
//    channels (a tile is kOR kernel taps x 1 or 2 channel vectors) over a transposed copy of dy.
//  - general (any stride): im2col into a per-thread column buffer, then one GEMM per sample and
//    group (kernels::cpu::gemm runs single-threaded inside the parallel region).
#include "cpu/conv.h"

#include <omp.h>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu/gemm.h"
#include "cpu/parallel.h"

namespace joule::kernels::cpu {

namespace {

// ---- general path: im2col + GEMM ---------------------------------------------------------------

// The output columns [lo, hi) whose tap at offset `off` (= k * dilation - pad) lands inside
// [0, size): o * stride + off in [0, size).
void valid_range(int64_t off, int64_t stride, int64_t size, int64_t out, int64_t& lo,
                 int64_t& hi) {
  lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
  hi = size - off <= 0 ? 0 : (size - off + stride - 1) / stride;
  lo = std::min(lo, out);
  hi = std::clamp(hi, lo, out);
}

// One group of one sample: x (CG, H, W) -> col (CG*KH*KW, OH*OW), zeros where a tap reads padding.
void im2col(float* col, const float* x, int64_t CG, const Conv2dDims& d) {
  const int64_t P = d.OH * d.OW;
  for (int64_t c = 0; c < CG; ++c)
    for (int64_t kh = 0; kh < d.KH; ++kh)
      for (int64_t kw = 0; kw < d.KW; ++kw) {
        float* row = col + ((c * d.KH + kh) * d.KW + kw) * P;
        const int64_t offw = kw * d.DW - d.PW;
        int64_t lo, hi;
        valid_range(offw, d.SW, d.W, d.OW, lo, hi);
        for (int64_t oh = 0; oh < d.OH; ++oh) {
          float* r = row + oh * d.OW;
          const int64_t ih = oh * d.SH - d.PH + kh * d.DH;
          if (ih < 0 || ih >= d.H) {
            std::fill(r, r + d.OW, 0.f);
            continue;
          }
          const float* xr = x + (c * d.H + ih) * d.W + offw;
          std::fill(r, r + lo, 0.f);
          for (int64_t ow = lo; ow < hi; ++ow) r[ow] = xr[ow * d.SW];
          std::fill(r + hi, r + d.OW, 0.f);
        }
      }
}

// The adjoint of im2col: adds col (CG*KH*KW, OH*OW) into dx (CG, H, W).
void col2im(float* dx, const float* col, int64_t CG, const Conv2dDims& d) {
  const int64_t P = d.OH * d.OW;
  for (int64_t c = 0; c < CG; ++c)
    for (int64_t kh = 0; kh < d.KH; ++kh)
      for (int64_t kw = 0; kw < d.KW; ++kw) {
        const float* row = col + ((c * d.KH + kh) * d.KW + kw) * P;
        const int64_t offw = kw * d.DW - d.PW;
        int64_t lo, hi;
        valid_range(offw, d.SW, d.W, d.OW, lo, hi);
        for (int64_t oh = 0; oh < d.OH; ++oh) {
          const int64_t ih = oh * d.SH - d.PH + kh * d.DH;
          if (ih < 0 || ih >= d.H) continue;
          const float* r = row + oh * d.OW;
          float* xr = dx + (c * d.H + ih) * d.W + offw;
          for (int64_t ow = lo; ow < hi; ++ow) xr[ow * d.SW] += r[ow];
        }
      }
}

// Enough work to be worth a parallel region.
bool parallel_worth(const Conv2dDims& d) {
  return d.N > 1 && d.N * d.OC * d.OH * d.OW * (d.C / d.G) * d.KH * d.KW >= kParallelMin;
}

void general_forward(float* y, const float* x, const float* w, const float* bias,
                     const Conv2dDims& d) {
  const int64_t CG = d.C / d.G, OCG = d.OC / d.G, KD = CG * d.KH * d.KW, P = d.OH * d.OW;
#pragma omp parallel if (parallel_worth(d))
  {
    std::vector<float> col(static_cast<size_t>(KD * P));
#pragma omp for schedule(static)
    for (int64_t n = 0; n < d.N; ++n)
      for (int64_t g = 0; g < d.G; ++g) {
        float* yg = y + (n * d.OC + g * OCG) * P;
        im2col(col.data(), x + (n * d.C + g * CG) * d.H * d.W, CG, d);
        if (bias)
          for (int64_t oc = 0; oc < OCG; ++oc) std::fill_n(yg + oc * P, P, bias[g * OCG + oc]);
        gemm(false, false, OCG, P, KD, 1.f, w + g * OCG * KD, KD, col.data(), P,
             bias ? 1.f : 0.f, yg, P);
      }
  }
}

void general_backward_input(float* dx, const float* dy, const float* w, const Conv2dDims& d) {
  const int64_t CG = d.C / d.G, OCG = d.OC / d.G, KD = CG * d.KH * d.KW, P = d.OH * d.OW;
#pragma omp parallel if (parallel_worth(d))
  {
    std::vector<float> col(static_cast<size_t>(KD * P));
#pragma omp for schedule(static)
    for (int64_t n = 0; n < d.N; ++n) {
      std::fill_n(dx + n * d.C * d.H * d.W, d.C * d.H * d.W, 0.f);
      for (int64_t g = 0; g < d.G; ++g) {
        // col (KD, P) = w_gᵀ (KD, OCG) · dy_g (OCG, P)
        gemm(true, false, KD, P, OCG, 1.f, w + g * OCG * KD, KD, dy + (n * d.OC + g * OCG) * P,
             P, 0.f, col.data(), P);
        col2im(dx + (n * d.C + g * CG) * d.H * d.W, col.data(), CG, d);
      }
    }
  }
}

// Adds the per-thread partial sums, in thread order (deterministic for a fixed thread count).
void reduce_partials(float* out, const std::vector<std::vector<float>>& partial, int64_t n) {
  std::fill_n(out, n, 0.f);
  for (const std::vector<float>& p : partial)
    for (int64_t i = 0; i < n; ++i) out[i] += p[static_cast<size_t>(i)];
}

void general_backward_weight(float* dw, const float* dy, const float* x, const Conv2dDims& d) {
  const int64_t CG = d.C / d.G, OCG = d.OC / d.G, KD = CG * d.KH * d.KW, P = d.OH * d.OW;
  std::vector<std::vector<float>> partial;  // one dw per thread
#pragma omp parallel if (parallel_worth(d))
  {
#pragma omp single
    partial.resize(static_cast<size_t>(omp_get_num_threads()));
    std::vector<float>& acc = partial[static_cast<size_t>(omp_get_thread_num())];
    acc.assign(static_cast<size_t>(d.OC * KD), 0.f);
    std::vector<float> col(static_cast<size_t>(KD * P));
#pragma omp for schedule(static)
    for (int64_t n = 0; n < d.N; ++n)
      for (int64_t g = 0; g < d.G; ++g) {
        im2col(col.data(), x + (n * d.C + g * CG) * d.H * d.W, CG, d);
        // dw_g (OCG, KD) += dy_g (OCG, P) · colᵀ (P, KD)
        gemm(false, true, OCG, KD, P, 1.f, dy + (n * d.OC + g * OCG) * P, P, col.data(), P, 1.f,
             acc.data() + g * OCG * KD, KD);
      }
  }
  reduce_partials(dw, partial, d.OC * KD);
}

// ---- direct path: SIMD vectors (GCC/Clang vector extensions) as wide as the registers ---------

// Tiles keep their accumulators, one vector of each operand and a broadcast in registers.
#if defined(__AVX512F__)
constexpr int64_t L = 16;  // float lanes per vector
constexpr int kPR = 8;     // forward tile: kPR channels x kPV row vectors (24 of 32 registers)
constexpr int kPV = 3;
constexpr int kOR = 12;    // weight-gradient tile: kOR taps x up to 2 channel vectors (24)
constexpr int kOT = 4;     // and kOT taps for the last few
#else  // AVX2 or SSE: 16 registers, 12 accumulators
#if defined(__AVX__)
constexpr int64_t L = 8;
#else
constexpr int64_t L = 4;
#endif
constexpr int kPR = 6;
constexpr int kPV = 2;
constexpr int kOR = 6;
constexpr int kOT = 2;
#endif
typedef float Vec __attribute__((vector_size(L * sizeof(float))));

inline Vec load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, Vec v) { std::memcpy(p, &v, sizeof v); }
// p[0, len) = v[0, len), len <= L
inline void store_first(float* p, Vec v, int64_t len) {
#if defined(__AVX512F__)
  _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << len) - 1u), reinterpret_cast<__m512>(v));
#else
  float tmp[L];
  store(tmp, v);
  std::copy_n(tmp, len, p);
#endif
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The direct path applies when rows are read with stride 1 and fill their vectors to at least 3/4
// (OW = 14 in 16 lanes does; OW = 7 does not, and im2col + GEMM wins there).
bool direct_fits(const Conv2dDims& d) {
  return d.SW == 1 && d.OW * 4 >= ceil_div(d.OW, L) * L * 3;
}

// A sample's input planes, zero-padded: `rows` rows of `pitch` floats per channel, the data at
// (top, left). The pitch leaves room for a whole vector read at every tap of every output row.
struct Padded {
  int64_t rows, pitch, top, left;
};

Padded padded_for(const Conv2dDims& d) {
  const int64_t vectors_per_row = ceil_div(d.OW, L);
  return {d.H + 2 * d.PH, std::max(d.W + 2 * d.PW, (d.KW - 1) * d.DW + vectors_per_row * L), d.PH,
          d.PW};
}

// src (channels, H, W) -> dst (channels, p.rows, p.pitch)
void pad_planes(float* dst, const float* src, int64_t channels, int64_t H, int64_t W,
                const Padded& p) {
  std::fill_n(dst, channels * p.rows * p.pitch, 0.f);
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t h = 0; h < H; ++h)
      std::copy_n(src + (c * H + h) * W, W, dst + (c * p.rows + p.top + h) * p.pitch + p.left);
}

// Where tap k = (c, kh, kw) of output (0, 0) reads in the padded planes.
std::vector<int64_t> tap_offsets(int64_t CG, const Conv2dDims& d, const Padded& p) {
  std::vector<int64_t> off(static_cast<size_t>(CG * d.KH * d.KW));
  for (int64_t c = 0; c < CG; ++c)
    for (int64_t kh = 0; kh < d.KH; ++kh)
      for (int64_t kw = 0; kw < d.KW; ++kw)
        off[static_cast<size_t>((c * d.KH + kh) * d.KW + kw)] =
            (c * p.rows + kh * d.DH) * p.pitch + kw * d.DW;
  return off;
}

// out (MR, NV*L) = sum over k of a[k][i] * (the vector at base[j] + off[k]): MR output channels
// by NV vectors of output pixels; a is (K, MR), packed.
template <int MR, int NV>
void tile_rows(float* out, int64_t K, const float* a, const int64_t* off,
               const float* const* base) {
  Vec acc[MR][NV];
  const float* b[NV];
#pragma GCC unroll 16
  for (int j = 0; j < NV; ++j) b[j] = base[j];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 16
    for (int j = 0; j < NV; ++j) acc[i][j] = Vec{};
  for (int64_t k = 0; k < K; ++k) {
    const int64_t o = off[k];
    Vec v[NV];
#pragma GCC unroll 16
    for (int j = 0; j < NV; ++j) v[j] = load(b[j] + o);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const float ai = a[k * MR + i];
#pragma GCC unroll 16
      for (int j = 0; j < NV; ++j) acc[i][j] += ai * v[j];
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 16
    for (int j = 0; j < NV; ++j) store(out + (i * NV + j) * L, acc[i][j]);
}

// conv2d_forward for SW == 1: y (N, OC, OH, OW) from x and w (OC, CG, KH, KW), + bias.
void direct_forward(float* y, const float* x, const float* w, const float* bias,
                    const Conv2dDims& d) {
  const int64_t CG = d.C / d.G, OCG = d.OC / d.G, KD = CG * d.KH * d.KW;
  const int64_t per_row = ceil_div(d.OW, L), vectors = d.OH * per_row;
  const int64_t blocks = ceil_div(OCG, kPR), tiles = ceil_div(vectors, kPV);
  const Padded pad = padded_for(d);
  const std::vector<int64_t> off = tap_offsets(CG, d, pad);
  // weights packed per group and block of kPR output channels as (KD, kPR); missing rows zero
  std::vector<float> packed(static_cast<size_t>(d.G * blocks * KD * kPR), 0.f);
  for (int64_t g = 0; g < d.G; ++g)
    for (int64_t oc = 0; oc < OCG; ++oc)
      for (int64_t k = 0; k < KD; ++k)
        packed[static_cast<size_t>(((g * blocks + oc / kPR) * KD + k) * kPR + oc % kPR)] =
            w[(g * OCG + oc) * KD + k];
#pragma omp parallel if (parallel_worth(d))
  {
    std::vector<float> xp(static_cast<size_t>(CG * pad.rows * pad.pitch));
    alignas(64) float out[kPR * kPV * L];
#pragma omp for schedule(static)
    for (int64_t n = 0; n < d.N; ++n)
      for (int64_t g = 0; g < d.G; ++g) {
        pad_planes(xp.data(), x + (n * d.C + g * CG) * d.H * d.W, CG, d.H, d.W, pad);
        for (int64_t b = 0; b < blocks; ++b)
          for (int64_t t = 0; t < tiles; ++t) {
            // vector j of the tile: output row oh[j], columns from ow0[j]; a tail tile repeats
            // the last vector and stores only the real ones
            const int64_t real = std::min<int64_t>(kPV, vectors - t * kPV);
            int64_t oh[kPV], ow0[kPV];
            const float* base[kPV];
            for (int j = 0; j < kPV; ++j) {
              const int64_t q = t * kPV + std::min<int64_t>(j, real - 1);
              oh[j] = q / per_row, ow0[j] = q % per_row * L;
              base[j] = xp.data() + oh[j] * d.SH * pad.pitch + ow0[j];
            }
            tile_rows<kPR, kPV>(out, KD, packed.data() + (g * blocks + b) * KD * kPR, off.data(),
                                base);
            for (int64_t i = 0; i < std::min<int64_t>(kPR, OCG - b * kPR); ++i) {
              const int64_t oc = g * OCG + b * kPR + i;
              const float add = bias ? bias[oc] : 0.f;
              float* plane = y + (n * d.OC + oc) * d.OH * d.OW;
              for (int64_t j = 0; j < real; ++j)
                store_first(plane + oh[j] * d.OW + ow0[j], load(out + (i * kPV + j) * L) + add,
                            std::min(L, d.OW - ow0[j]));
            }
          }
      }
  }
}

// For stride 1, the input gradient is the forward correlation of dy, padded by
// dilation * (kernel - 1) - padding, with the kernel flipped and its channel axes swapped.
bool direct_input_fits(const Conv2dDims& d) {
  return d.SH == 1 && d.SW == 1 && d.PH <= d.DH * (d.KH - 1) && d.PW <= d.DW * (d.KW - 1) &&
         d.W * 4 >= ceil_div(d.W, L) * L * 3;
}

void direct_backward_input(float* dx, const float* dy, const float* w, const Conv2dDims& d) {
  const int64_t CG = d.C / d.G, OCG = d.OC / d.G;
  Conv2dDims t = d;
  t.C = d.OC, t.H = d.OH, t.W = d.OW, t.OC = d.C, t.OH = d.H, t.OW = d.W;
  t.PH = d.DH * (d.KH - 1) - d.PH, t.PW = d.DW * (d.KW - 1) - d.PW;
  // wt (C, OCG, KH, KW): wt[c][o][kh][kw] = w[g OCG + o][c - g CG][KH-1-kh][KW-1-kw]
  std::vector<float> wt(static_cast<size_t>(d.C * OCG * d.KH * d.KW));
  for (int64_t c = 0; c < d.C; ++c)
    for (int64_t o = 0; o < OCG; ++o)
      for (int64_t kh = 0; kh < d.KH; ++kh)
        for (int64_t kw = 0; kw < d.KW; ++kw)
          wt[static_cast<size_t>(((c * OCG + o) * d.KH + kh) * d.KW + kw)] =
              w[(((c / CG * OCG + o) * CG + c % CG) * d.KH + d.KH - 1 - kh) * d.KW + d.KW - 1 -
                kw];
  direct_forward(dx, dy, wt.data(), nullptr, t);
}

// acc (MR rows of ld floats, NV*L used) += sum over output pixels of (the tap value at
// x[i] + that pixel's offset) * (the pixel's row of g): MR kernel taps by NV vectors of output
// channels. g is dy transposed, (OH*OW, gstride); only the first `mr` rows are real.
template <int MR, int NV>
void tile_taps(float* acc_io, int64_t ld, int64_t mr, const float* const* x, const float* g,
               int64_t gstride, int64_t OH, int64_t OW, int64_t row_step) {
  Vec acc[MR][NV];
  const float* xr[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    xr[i] = x[i];
#pragma GCC unroll 16
    for (int j = 0; j < NV; ++j) acc[i][j] = i < mr ? load(acc_io + i * ld + j * L) : Vec{};
  }
  for (int64_t oh = 0; oh < OH; ++oh) {
    const int64_t r = oh * row_step;
    const float* gr = g + oh * OW * gstride;
    for (int64_t ow = 0; ow < OW; ++ow) {
      Vec v[NV];
#pragma GCC unroll 16
      for (int j = 0; j < NV; ++j) v[j] = load(gr + ow * gstride + j * L);
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        const float xi = xr[i][r + ow];
#pragma GCC unroll 16
        for (int j = 0; j < NV; ++j) acc[i][j] += xi * v[j];
      }
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
    if (i < mr)
#pragma GCC unroll 16
      for (int j = 0; j < NV; ++j) store(acc_io + i * ld + j * L, acc[i][j]);
}

// conv2d_backward_weight for SW == 1, accumulated per thread as (G, KD, OCP): taps by channels.
void direct_backward_weight(float* dw, const float* dy, const float* x, const Conv2dDims& d) {
  const int64_t CG = d.C / d.G, OCG = d.OC / d.G, KD = CG * d.KH * d.KW, P = d.OH * d.OW;
  const int NV = OCG > L ? 2 : 1;                    // channel vectors per tile
  const int64_t OCP = ceil_div(OCG, NV * L) * NV * L;  // channels padded to whole tiles
  const Padded pad = padded_for(d);
  const std::vector<int64_t> off = tap_offsets(CG, d, pad);
  std::vector<std::vector<float>> partial;
#pragma omp parallel if (parallel_worth(d))
  {
#pragma omp single
    partial.resize(static_cast<size_t>(omp_get_num_threads()));
    std::vector<float>& acc = partial[static_cast<size_t>(omp_get_thread_num())];
    acc.assign(static_cast<size_t>(d.G * KD * OCP), 0.f);
    std::vector<float> xp(static_cast<size_t>(CG * pad.rows * pad.pitch));
    std::vector<float> gt(static_cast<size_t>(P * OCP), 0.f);  // dy_g transposed, (P, OCP)
#pragma omp for schedule(static)
    for (int64_t n = 0; n < d.N; ++n)
      for (int64_t g = 0; g < d.G; ++g) {
        pad_planes(xp.data(), x + (n * d.C + g * CG) * d.H * d.W, CG, d.H, d.W, pad);
        const float* dyg = dy + (n * d.OC + g * OCG) * P;
        for (int64_t p = 0; p < P; ++p) {  // a gather per row of gt: contiguous stores
          float* row = gt.data() + p * OCP;
#pragma omp simd
          for (int64_t oc = 0; oc < OCG; ++oc) row[oc] = dyg[oc * P + p];
        }
        // blocks of kOR taps, the last few in blocks of kOT
        for (int64_t k0 = 0; k0 < KD;) {
          const int64_t mr = KD - k0 >= kOR ? kOR : std::min<int64_t>(kOT, KD - k0);
          const float* taps[kOR];
          for (int64_t i = 0; i < kOR; ++i)
            taps[i] = xp.data() + off[static_cast<size_t>(k0 + std::min(i, mr - 1))];
          for (int64_t c0 = 0; c0 < OCP; c0 += NV * L) {
            float* a = acc.data() + (g * KD + k0) * OCP + c0;
            const float* gc = gt.data() + c0;
            const int64_t step = d.SH * pad.pitch;
            if (mr > kOT && NV == 2) tile_taps<kOR, 2>(a, OCP, mr, taps, gc, OCP, d.OH, d.OW, step);
            else if (mr > kOT) tile_taps<kOR, 1>(a, OCP, mr, taps, gc, OCP, d.OH, d.OW, step);
            else if (NV == 2) tile_taps<kOT, 2>(a, OCP, mr, taps, gc, OCP, d.OH, d.OW, step);
            else tile_taps<kOT, 1>(a, OCP, mr, taps, gc, OCP, d.OH, d.OW, step);
          }
          k0 += mr;
        }
      }
  }
  std::vector<float> sum(static_cast<size_t>(d.G * KD * OCP));
  reduce_partials(sum.data(), partial, d.G * KD * OCP);
  for (int64_t g = 0; g < d.G; ++g)
    for (int64_t oc = 0; oc < OCG; ++oc)
      for (int64_t k = 0; k < KD; ++k)
        dw[(g * OCG + oc) * KD + k] = sum[static_cast<size_t>((g * KD + k) * OCP + oc)];
}

}  // namespace

void conv2d_forward(float* y, const float* x, const float* w, const float* bias,
                    const Conv2dDims& d) {
  if (direct_fits(d)) direct_forward(y, x, w, bias, d);
  else general_forward(y, x, w, bias, d);
}

void conv2d_backward_input(float* dx, const float* dy, const float* w, const Conv2dDims& d) {
  if (direct_input_fits(d)) direct_backward_input(dx, dy, w, d);
  else general_backward_input(dx, dy, w, d);
}

void conv2d_backward_weight(float* dw, const float* dy, const float* x, const Conv2dDims& d) {
  if (direct_fits(d)) direct_backward_weight(dw, dy, x, d);
  else general_backward_weight(dw, dy, x, d);
}

void conv2d_backward_bias(float* db, const float* dy, const Conv2dDims& d) {
  const int64_t P = d.OH * d.OW;
#pragma omp parallel for if (d.OC > 1 && d.N * d.OC * P >= kParallelMin) schedule(static)
  for (int64_t oc = 0; oc < d.OC; ++oc) {
    float s = 0.f;
    for (int64_t n = 0; n < d.N; ++n) {
      const float* r = dy + (n * d.OC + oc) * P;
      float part = 0.f;
#pragma omp simd reduction(+ : part)
      for (int64_t p = 0; p < P; ++p) part += r[p];
      s += part;
    }
    db[oc] = s;
  }
}

}  // namespace joule::kernels::cpu
