// SpMM kernels for sparse weights (contract in kernels/sparse.inc).
//
// Each call first copies its dense operands into batch-major form (features, Bp): the batch is
// contiguous and zero-padded to Bp, a multiple of 16 (kernels/cpu/sparse_simd.h). A stored weight
// w(o, i) then costs one broadcast and Bp/16 fused multiply-adds on the contiguous row xt[i, :].
//  - forward and input gradient (one routine, spmm_rows): up to 128 samples of one output
//    feature stay in 8 zmm accumulators while its stored entries stream by; 16 features make a
//    tile that is transposed in registers into the row-major output (bias added there).
//    The input gradient runs the same routine on the CSC view: no two threads write one column.
//  - weight gradient (SDDMM): 16 stored entries of a row at a time, 16 dot products of dyt[o, :]
//    with xt[col[k], :], reduced together by one shuffle tree. Nothing dense (OUT, IN) is formed.
// OpenMP: one parallel region per call. The forward splits the batch (no thread waits for
// another); the input and weight gradients copy their operands split by feature, meet at one
// barrier, then split the rows where the running count of stored entries (plus a small per-row
// cost) crosses each thread's share. Small calls run on the calling thread.
#include "cpu/sparse.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <utility>

#include "cpu/sparse_simd.h"

namespace joule::kernels::cpu {

namespace {

using namespace sparse_detail;

// A 64-byte aligned float buffer that grows and is kept for the next call on the same thread, so
// that repeated calls do not fault in fresh pages for their batch-major copies.
class Scratch {
 public:
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { std::free(data_); }

  float* get(int64_t n) {
    if (n > capacity_) {
      std::free(data_);
      data_ = nullptr;
      capacity_ = 0;
      const size_t bytes = static_cast<size_t>(round_up(n, kLanes)) * sizeof(float);
      data_ = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (!data_) throw std::bad_alloc();
      capacity_ = n;
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  int64_t capacity_ = 0;
};

// Two per thread: the weight gradient needs both x and dy batch-major.
thread_local Scratch t_scratch[2];

// Below this many multiply-adds (plus copied elements) one thread beats two.
constexpr int64_t kParallelWork = int64_t{1} << 18;
// The cost of a row in stored entries (loop set-up, the output tile), for load balance.
constexpr int64_t kRowCost = 4;

int team_size(int64_t work) {
  return omp_in_parallel() || work < kParallelWork ? 1 : omp_get_max_threads();
}

// Where thread t of nt starts in rows [0, n) of the pattern ptr: the first row (a multiple of
// align) at which the cost ptr[r] - ptr[0] + kRowCost r reaches t/nt of the total.
int64_t row_cut(const int64_t* ptr, int64_t n, int64_t t, int64_t nt, int64_t align) {
  if (t <= 0) return 0;
  if (t >= nt) return n;
  auto cost = [&](int64_t r) { return ptr[r] - ptr[0] + kRowCost * r; };
  const int64_t target = static_cast<int64_t>(static_cast<double>(cost(n)) * t / nt);
  int64_t lo = 0, hi = n;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (cost(mid) < target) lo = mid + 1;
    else hi = mid;
  }
  return std::min(n, round_up(lo, align));
}

// Features [begin, end) of thread t of nt for a batch-major copy of n features (16 at a time).
std::pair<int64_t, int64_t> feature_share(int64_t n, int64_t t, int64_t nt) {
  const int64_t blocks = (n + 15) / 16;
  return {std::min(n, blocks * t / nt * 16), std::min(n, blocks * (t + 1) / nt * 16)};
}

template <bool kPerm>
void gather_rows_nv(int nv, float* tile, const int64_t* ptr, const int64_t* idx,
                    const int64_t* perm, const float* val, const float* in_t, int64_t Bp,
                    int64_t n0, int64_t nrows) {
  switch (nv) {
    case 1: return gather_rows<1, kPerm>(tile, ptr, idx, perm, val, in_t, Bp, n0, nrows);
    case 2: return gather_rows<2, kPerm>(tile, ptr, idx, perm, val, in_t, Bp, n0, nrows);
    case 3: return gather_rows<3, kPerm>(tile, ptr, idx, perm, val, in_t, Bp, n0, nrows);
    case 4: return gather_rows<4, kPerm>(tile, ptr, idx, perm, val, in_t, Bp, n0, nrows);
    case 5: return gather_rows<5, kPerm>(tile, ptr, idx, perm, val, in_t, Bp, n0, nrows);
    case 6: return gather_rows<6, kPerm>(tile, ptr, idx, perm, val, in_t, Bp, n0, nrows);
    case 7: return gather_rows<7, kPerm>(tile, ptr, idx, perm, val, in_t, Bp, n0, nrows);
    default: return gather_rows<8, kPerm>(tile, ptr, idx, perm, val, in_t, Bp, n0, nrows);
  }
}

// spmm_rows below when the stored entries and the output features are few beside the input
// features (2 (nnz + 8 N) < K: a narrow layer at high sparsity), so that copying the input
// batch-major would cost more than the products: each sample's output row straight from its
// input row, which stays in cache while the entries stream by. (Many short rows would cost a
// mispredicted loop exit each: that is the 8 N.)
template <bool kPerm>
void spmm_rows_direct(float* out, const float* in, const int64_t* ptr, const int64_t* idx,
                      const int64_t* perm, const float* val, const float* bias, int64_t B,
                      int64_t K, int64_t N) {
  const int nt = team_size((ptr[N] - ptr[0] + N) * B);
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t b = 0; b < B; ++b) {
    const float* x = in + b * K;
    for (int64_t n = 0; n < N; ++n) {
      float s = bias ? bias[n] : 0.f;
      for (int64_t k = ptr[n]; k < ptr[n + 1]; ++k)
        s += (kPerm ? val[perm[k]] : val[k]) * x[idx[k]];
      out[b * N + n] = s;
    }
  }
}

// in (B, K), A (N, K) sparse by rows (ptr, idx; value k is val[perm[k]], or val[k] without perm),
// bias (N) or null -> out (B, N) = in A^T + bias (overwritten).
// Without perm the threads split the batch: each copies and computes its own samples, so none
// waits for another until the end, the split is even whatever the rows hold, and each keeps only
// its share of in_t in its cache. With perm the reads val[perm[k]] are the costly part and a
// batch split would make every thread do all of them: the threads split the rows instead (by
// stored entries, after all of in_t is copied).
void spmm_rows(float* out, const float* in, const int64_t* ptr, const int64_t* idx,
               const int64_t* perm, const float* val, const float* bias, int64_t B, int64_t K,
               int64_t N) {
  if (B <= 0 || N <= 0) return;
  if (2 * (ptr[N] - ptr[0] + 8 * N) < K) {
    if (perm) spmm_rows_direct<true>(out, in, ptr, idx, perm, val, bias, B, K, N);
    else spmm_rows_direct<false>(out, in, ptr, idx, perm, val, bias, B, K, N);
    return;
  }
  const int64_t Bp = round_up(B, kLanes), vecs = Bp / kLanes;
  float* in_t = t_scratch[0].get(K * Bp);
  const bool split_rows = perm != nullptr;
  int nt = team_size((ptr[N] - ptr[0] + K) * Bp);
  if (!split_rows) nt = static_cast<int>(std::min<int64_t>(nt, vecs));
#pragma omp parallel num_threads(nt)
  {
    const int64_t t = omp_get_thread_num(), team = omp_get_num_threads();
    int64_t r0 = 0, r1 = N, s0 = 0, s1 = Bp;
    if (split_rows) {
      const auto [c0, c1] = feature_share(K, t, team);
      to_batch_major(in_t, in, B, K, Bp, c0, c1, 0, Bp);
#pragma omp barrier
      r0 = row_cut(ptr, N, t, team, kTileRows);
      r1 = row_cut(ptr, N, t + 1, team, kTileRows);
    } else {
      s0 = vecs * t / team * kLanes;
      s1 = vecs * (t + 1) / team * kLanes;
      to_batch_major(in_t, in, B, K, Bp, 0, K, s0, s1);
    }
    alignas(64) float tile[kTileRows * kTileCols] = {};
    for (int64_t n0 = r0; n0 < r1; n0 += kTileRows) {
      const int64_t nrows = std::min(kTileRows, N - n0);
      for (int64_t b0 = s0; b0 < s1; b0 += kTileCols) {
        const int nv = static_cast<int>(std::min(kTileCols, s1 - b0) / kLanes);
        if (perm)
          gather_rows_nv<true>(nv, tile, ptr, idx, perm, val, in_t + b0, Bp, n0, nrows);
        else
          gather_rows_nv<false>(nv, tile, ptr, idx, nullptr, val, in_t + b0, Bp, n0, nrows);
        const int64_t nb = std::min({kTileCols, s1 - b0, B - b0});
        if (nb > 0) from_tile(out, N, n0, nrows, b0, nb, tile, bias);
      }
    }
  }
}

// dval[k] (= or +=) dot(dyt[o, :], xt[col[k], :]) for the stored k of rows [r0, r1).
template <int NV>
void dot_rows(float* dval, const float* dyt, const float* xt, const int64_t* row_ptr,
              const int64_t* col, int64_t Bp, int64_t r0, int64_t r1, bool accumulate) {
  for (int64_t o = r0; o < r1; ++o) {
    const int64_t end = row_ptr[o + 1];
    for (int64_t k = row_ptr[o]; k < end; k += kDotGroup)
      dots<NV>(dval + k, accumulate, dyt + o * Bp, xt, col + k, std::min(kDotGroup, end - k), Bp);
  }
}

}  // namespace

// x (B, IN), W CSR (OUT, IN), bias (OUT) or null -> y (B, OUT) = x W^T + bias
void spmm_forward(float* y, const float* x, const int64_t* row_ptr, const int64_t* col,
                  const float* val, const float* bias, int64_t B, int64_t IN, int64_t OUT) {
  spmm_rows(y, x, row_ptr, col, nullptr, val, bias, B, IN, OUT);
}

// dy (B, OUT), W as CSC (col_ptr, row, perm, val) -> dx (B, IN) = dy W: the rows of W^T are the
// columns of W, so this is spmm_rows on the CSC view.
void spmm_backward_input(float* dx, const float* dy, const int64_t* col_ptr, const int64_t* row,
                         const int64_t* perm, const float* val, int64_t B, int64_t IN,
                         int64_t OUT) {
  spmm_rows(dx, dy, col_ptr, row, perm, val, nullptr, B, OUT, IN);
}

// dy (B, OUT), x (B, IN), pattern CSR (row_ptr, col) -> dval (nnz) = or += the stored entries
// of dy^T x
void spmm_backward_weight(float* dval, const float* dy, const float* x, const int64_t* row_ptr,
                          const int64_t* col, int64_t B, int64_t IN, int64_t OUT,
                          bool accumulate) {
  if (OUT <= 0) return;
  if (B <= 0) {
    if (!accumulate) std::fill(dval + row_ptr[0], dval + row_ptr[OUT], 0.f);
    return;
  }
  const int64_t Bp = round_up(B, kLanes);
  float* xt = t_scratch[0].get(IN * Bp);
  float* dyt = t_scratch[1].get(OUT * Bp);
  const int nt = team_size((row_ptr[OUT] - row_ptr[0] + IN + OUT) * Bp);
#pragma omp parallel num_threads(nt)
  {
    const int64_t t = omp_get_thread_num(), team = omp_get_num_threads();
    const auto [i0, i1] = feature_share(IN, t, team);
    to_batch_major(xt, x, B, IN, Bp, i0, i1, 0, Bp);
    const auto [o0, o1] = feature_share(OUT, t, team);
    to_batch_major(dyt, dy, B, OUT, Bp, o0, o1, 0, Bp);
#pragma omp barrier
    const int64_t r0 = row_cut(row_ptr, OUT, t, team, 1);
    const int64_t r1 = row_cut(row_ptr, OUT, t + 1, team, 1);
    switch (std::min<int64_t>(kMaxVecs, Bp / kLanes)) {
      case 1: dot_rows<1>(dval, dyt, xt, row_ptr, col, Bp, r0, r1, accumulate); break;
      case 2: dot_rows<2>(dval, dyt, xt, row_ptr, col, Bp, r0, r1, accumulate); break;
      case 3: dot_rows<3>(dval, dyt, xt, row_ptr, col, Bp, r0, r1, accumulate); break;
      case 4: dot_rows<4>(dval, dyt, xt, row_ptr, col, Bp, r0, r1, accumulate); break;
      case 5: dot_rows<5>(dval, dyt, xt, row_ptr, col, Bp, r0, r1, accumulate); break;
      case 6: dot_rows<6>(dval, dyt, xt, row_ptr, col, Bp, r0, r1, accumulate); break;
      case 7: dot_rows<7>(dval, dyt, xt, row_ptr, col, Bp, r0, r1, accumulate); break;
      default: dot_rows<8>(dval, dyt, xt, row_ptr, col, Bp, r0, r1, accumulate); break;
    }
  }
}

}  // namespace joule::kernels::cpu
