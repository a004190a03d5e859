// Private to kernels/cpu/sparse.cpp: the batch-major layout and the register tiles of the SpMM
// kernels. AVX-512 where the compiler targets it (__AVX512F__), plain loops that the compiler
// vectorizes otherwise (JOULE_NATIVE=OFF). Both compute the same sums, added in different orders
// (they differ in rounding only).
//
// "Batch-major" (C, Bp): column c of a row-major (B, C) matrix stored contiguously, the batch
// padded with zeros to Bp, a multiple of 16 (one zmm), rows 64-byte aligned.
#pragma once

#include <algorithm>
#include <cstdint>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace joule::kernels::cpu::sparse_detail {

constexpr int64_t kLanes = 16;                      // floats per batch vector (one zmm)
constexpr int kMaxVecs = 8;                         // batch vectors held per output row
constexpr int64_t kTileCols = kLanes * kMaxVecs;    // samples per register tile (128)
constexpr int64_t kTileRows = 16;                   // output features per tile
constexpr int64_t kDotGroup = 16;                   // stored entries per SDDMM step

inline int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

#if defined(__AVX512F__)

inline __mmask16 first_lanes(int64_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1u);
}

// The shuffles below, as their zero-masking forms under an all-ones mask: the same instructions,
// without the _mm512_undefined_ps() in the plain forms that GCC 12 flags as uninitialized.
constexpr __mmask16 kAll = 0xFFFF;
inline __m512 unpacklo(__m512 a, __m512 b) { return _mm512_maskz_unpacklo_ps(kAll, a, b); }
inline __m512 unpackhi(__m512 a, __m512 b) { return _mm512_maskz_unpackhi_ps(kAll, a, b); }
template <int kImm>
__m512 shuffle(__m512 a, __m512 b) {  // 32-bit lanes within each 128-bit unit
  return _mm512_maskz_shuffle_ps(kAll, a, b, kImm);
}
template <int kImm>
__m512 shuffle128(__m512 a, __m512 b) {  // 128-bit units
  return _mm512_maskz_shuffle_f32x4(kAll, a, b, kImm);
}

// In-register transpose of the 16x16 block whose row i is r[i].
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = unpacklo(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = unpackhi(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {
    r[4 * i] = shuffle<_MM_SHUFFLE(1, 0, 1, 0)>(t[4 * i], t[4 * i + 2]);
    r[4 * i + 1] = shuffle<_MM_SHUFFLE(3, 2, 3, 2)>(t[4 * i], t[4 * i + 2]);
    r[4 * i + 2] = shuffle<_MM_SHUFFLE(1, 0, 1, 0)>(t[4 * i + 1], t[4 * i + 3]);
    r[4 * i + 3] = shuffle<_MM_SHUFFLE(3, 2, 3, 2)>(t[4 * i + 1], t[4 * i + 3]);
  }
  for (int i = 0; i < 4; ++i) {
    t[i] = shuffle128<0x88>(r[i], r[4 + i]);
    t[4 + i] = shuffle128<0xdd>(r[i], r[4 + i]);
    t[8 + i] = shuffle128<0x88>(r[8 + i], r[12 + i]);
    t[12 + i] = shuffle128<0xdd>(r[8 + i], r[12 + i]);
  }
  for (int i = 0; i < 8; ++i) {
    r[i] = shuffle128<0x88>(t[i], t[8 + i]);
    r[8 + i] = shuffle128<0xdd>(t[i], t[8 + i]);
  }
}

// Lane L of the result is the sum of the 16 lanes of v[L]: a tree of 15 shuffle-add merges.
// Each merge halves the partial sums per source; slot s of the tree takes v[4 (s % 4) + s / 4],
// the order that leaves the final lanes in source order.
inline __m512 reduce16(const __m512 v[16]) {
  auto in = [&](int s) { return v[4 * (s % 4) + s / 4]; };
  __m512 a[8], b[4], c[2];
  for (int i = 0; i < 8; ++i) {
    const __m512 x = in(2 * i), y = in(2 * i + 1);
    a[i] = _mm512_add_ps(shuffle128<0x44>(x, y), shuffle128<0xEE>(x, y));
  }
  for (int i = 0; i < 4; ++i)
    b[i] = _mm512_add_ps(shuffle128<0x88>(a[2 * i], a[2 * i + 1]),
                         shuffle128<0xDD>(a[2 * i], a[2 * i + 1]));
  for (int i = 0; i < 2; ++i)
    c[i] = _mm512_add_ps(shuffle<0x44>(b[2 * i], b[2 * i + 1]),
                         shuffle<0xEE>(b[2 * i], b[2 * i + 1]));
  return _mm512_add_ps(shuffle<0x88>(c[0], c[1]), shuffle<0xDD>(c[0], c[1]));
}

// src (B, C) row-major -> dst (C, Bp) batch-major, for the features [c0, c1) and the samples
// [b0, b1) (c0, b0 and b1 multiples of 16; samples from B on are zeros).
inline void to_batch_major(float* dst, const float* src, int64_t B, int64_t C, int64_t Bp,
                           int64_t c0, int64_t c1, int64_t b0, int64_t b1) {
  for (int64_t c = c0; c < c1; c += 16) {
    const int64_t nc = std::min<int64_t>(16, c1 - c);
    const __mmask16 m = first_lanes(nc);
    for (int64_t b = b0; b < b1; b += 16) {
      __m512 r[16];
      if (nc == 16 && b + 16 <= B) {
        for (int64_t j = 0; j < 16; ++j) r[j] = _mm512_loadu_ps(src + (b + j) * C + c);
      } else {
        for (int64_t j = 0; j < 16; ++j)
          r[j] = b + j < B ? _mm512_maskz_loadu_ps(m, src + (b + j) * C + c) : _mm512_setzero_ps();
      }
      transpose16(r);
      for (int64_t j = 0; j < nc; ++j) _mm512_store_ps(dst + (c + j) * Bp + b, r[j]);
    }
  }
}

// tile (kTileRows, kTileCols): row r holds output feature n0 + r for samples b0 .. b0 + nb.
// out (B, N)[b0 + j, n0 + r] = tile[r, j] + bias[n0 + r] for r < nrows, j < nb.
inline void from_tile(float* out, int64_t N, int64_t n0, int64_t nrows, int64_t b0, int64_t nb,
                      const float* tile, const float* bias) {
  const __mmask16 m = first_lanes(nrows);
  const __m512 bv = bias ? _mm512_maskz_loadu_ps(m, bias + n0) : _mm512_setzero_ps();
  for (int64_t c = 0; c < nb; c += 16) {
    __m512 r[16];
    for (int64_t j = 0; j < 16; ++j) r[j] = _mm512_load_ps(tile + j * kTileCols + c);
    transpose16(r);
    const int64_t nj = std::min<int64_t>(16, nb - c);
    for (int64_t j = 0; j < nj; ++j)
      _mm512_mask_storeu_ps(out + (b0 + c + j) * N + n0, m, _mm512_add_ps(r[j], bv));
  }
}

// For the rows n0 .. n0 + nrows of a sparse matrix (ptr, idx, values val[k] or val[perm[k]]):
// tile[r, 0 .. 16 NV) = sum over stored k of row n0 + r of value(k) * in_t[idx[k], 0 .. 16 NV),
// in_t batch-major with row stride Bp (already offset to the tile's first sample). With 4 or
// fewer vectors per row a second set of accumulators hides the FMA latency. val[perm[k]] is
// fetched kPermAhead entries early: those reads jump across val.
constexpr int64_t kPermAhead = 64;

template <int NV, bool kPerm>
void gather_rows(float* tile, const int64_t* ptr, const int64_t* idx, const int64_t* perm,
                 const float* val, const float* in_t, int64_t Bp, int64_t n0, int64_t nrows) {
  constexpr int kSets = NV <= 4 ? 2 : 1;
  const int64_t last = ptr[n0 + nrows] - 1;
  for (int64_t r = 0; r < nrows; ++r) {
    __m512 acc[kSets][NV];
    for (int s = 0; s < kSets; ++s)
      for (int v = 0; v < NV; ++v) acc[s][v] = _mm512_setzero_ps();
    int64_t k = ptr[n0 + r];
    const int64_t end = ptr[n0 + r + 1];
    for (; k + kSets <= end; k += kSets) {
      if constexpr (kPerm)
        _mm_prefetch(reinterpret_cast<const char*>(val + perm[std::min(k + kPermAhead, last)]),
                     _MM_HINT_T0);
      for (int s = 0; s < kSets; ++s) {
        const __m512 w = _mm512_set1_ps(kPerm ? val[perm[k + s]] : val[k + s]);
        const float* x = in_t + idx[k + s] * Bp;
        for (int v = 0; v < NV; ++v)
          acc[s][v] = _mm512_fmadd_ps(w, _mm512_load_ps(x + 16 * v), acc[s][v]);
      }
    }
    for (; k < end; ++k) {
      const __m512 w = _mm512_set1_ps(kPerm ? val[perm[k]] : val[k]);
      const float* x = in_t + idx[k] * Bp;
      for (int v = 0; v < NV; ++v)
        acc[0][v] = _mm512_fmadd_ps(w, _mm512_load_ps(x + 16 * v), acc[0][v]);
    }
    for (int v = 0; v < NV; ++v) {
      if constexpr (kSets == 2) acc[0][v] = _mm512_add_ps(acc[0][v], acc[kSets - 1][v]);
      _mm512_store_ps(tile + r * kTileCols + 16 * v, acc[0][v]);
    }
  }
}

// out[j] (= or += when accumulate) dot(a[0 .. Bp), bt[cols[j] Bp .. + Bp)) for j < n <= 16.
// The 16 sums stay in registers; a is read NV vectors at a time and held while the 16 rows
// stream by. A group of fewer than 16 repeats its first column and keeps only its n sums.
template <int NV>
void dots(float* out, bool accumulate, const float* a, const float* bt, const int64_t* cols,
          int64_t n, int64_t Bp) {
  const float* rows[kDotGroup];
  for (int64_t j = 0; j < kDotGroup; ++j) rows[j] = bt + cols[j < n ? j : 0] * Bp;
  __m512 acc[kDotGroup];
  for (int64_t j = 0; j < kDotGroup; ++j) acc[j] = _mm512_setzero_ps();
  int64_t b = 0;
  for (; b + 16 * NV <= Bp; b += 16 * NV) {
    __m512 av[NV];
    for (int v = 0; v < NV; ++v) av[v] = _mm512_load_ps(a + b + 16 * v);
#pragma GCC unroll 16
    for (int64_t j = 0; j < kDotGroup; ++j)
      for (int v = 0; v < NV; ++v)
        acc[j] = _mm512_fmadd_ps(av[v], _mm512_load_ps(rows[j] + b + 16 * v), acc[j]);
  }
  for (; b < Bp; b += 16) {
    const __m512 av = _mm512_load_ps(a + b);
#pragma GCC unroll 16
    for (int64_t j = 0; j < kDotGroup; ++j)
      acc[j] = _mm512_fmadd_ps(av, _mm512_load_ps(rows[j] + b), acc[j]);
  }
  const __mmask16 m = first_lanes(n);
  __m512 s = reduce16(acc);
  if (accumulate) s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(m, out));
  _mm512_mask_storeu_ps(out, m, s);
}

#else  // portable fallback

inline void to_batch_major(float* dst, const float* src, int64_t B, int64_t C, int64_t Bp,
                           int64_t c0, int64_t c1, int64_t b0, int64_t b1) {
  for (int64_t c = c0; c < c1; c += 16) {
    const int64_t ce = std::min<int64_t>(c + 16, c1);
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t j = c; j < ce; ++j) dst[j * Bp + b] = b < B ? src[b * C + j] : 0.f;
  }
}

inline void from_tile(float* out, int64_t N, int64_t n0, int64_t nrows, int64_t b0, int64_t nb,
                      const float* tile, const float* bias) {
  for (int64_t j = 0; j < nb; ++j)
    for (int64_t r = 0; r < nrows; ++r)
      out[(b0 + j) * N + n0 + r] = tile[r * kTileCols + j] + (bias ? bias[n0 + r] : 0.f);
}

template <int NV, bool kPerm>
void gather_rows(float* tile, const int64_t* ptr, const int64_t* idx, const int64_t* perm,
                 const float* val, const float* in_t, int64_t Bp, int64_t n0, int64_t nrows) {
  constexpr int64_t W = 16 * NV;
  for (int64_t r = 0; r < nrows; ++r) {
    float acc[W] = {};
    for (int64_t k = ptr[n0 + r]; k < ptr[n0 + r + 1]; ++k) {
      const float w = kPerm ? val[perm[k]] : val[k];
      const float* x = in_t + idx[k] * Bp;
#pragma omp simd
      for (int64_t b = 0; b < W; ++b) acc[b] += w * x[b];
    }
    std::copy(acc, acc + W, tile + r * kTileCols);
  }
}

template <int NV>
void dots(float* out, bool accumulate, const float* a, const float* bt, const int64_t* cols,
          int64_t n, int64_t Bp) {
  for (int64_t j = 0; j < n; ++j) {
    const float* x = bt + cols[j] * Bp;
    float s = 0.f;
#pragma omp simd reduction(+ : s)
    for (int64_t b = 0; b < Bp; ++b) s += a[b] * x[b];
    out[j] = accumulate ? out[j] + s : s;
  }
}

#endif

}  // namespace joule::kernels::cpu::sparse_detail
