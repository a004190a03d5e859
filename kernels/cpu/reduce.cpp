#include "cpu/reduce.h"

#include "cpu/parallel.h"

namespace joule::kernels::cpu {

void sum(float* out, const float* x, int64_t n) {
  double s = 0;
#pragma omp parallel for simd reduction(+ : s) if (n >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < n; ++i) s += x[i];
  *out = static_cast<float>(s);
}

void sum_dim(float* y, const float* x, int64_t outer, int64_t D, int64_t inner) {
  if (inner == 1) {  // rows of length D: one dot-like reduction per row
#pragma omp parallel for if (outer * D >= kParallelMin) schedule(static)
    for (int64_t o = 0; o < outer; ++o) {
      float s = 0;
      const float* xo = x + o * D;
#pragma omp simd reduction(+ : s)
      for (int64_t d = 0; d < D; ++d) s += xo[d];
      y[o] = s;
    }
    return;
  }
  // Column sums: stream rows, accumulate a block of the output row (vectorized over `inner`).
  constexpr int64_t kBlock = 256;
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
#pragma omp parallel for collapse(2) if (outer * D * inner >= kParallelMin) schedule(static)
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t i0 = b * kBlock;
      const int64_t len = inner - i0 < kBlock ? inner - i0 : kBlock;
      float* yo = y + o * inner + i0;
      for (int64_t i = 0; i < len; ++i) yo[i] = 0.f;
      for (int64_t d = 0; d < D; ++d) {
        const float* xr = x + (o * D + d) * inner + i0;
#pragma omp simd
        for (int64_t i = 0; i < len; ++i) yo[i] += xr[i];
      }
    }
}

void argmax_rows(int64_t* idx, const float* x, int64_t M, int64_t N) {
#pragma omp parallel for if (M * N >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < M; ++i) {
    const float* r = x + i * N;
    int64_t best = 0;
    for (int64_t j = 1; j < N; ++j)
      if (r[j] > r[best]) best = j;
    idx[i] = best;
  }
}

}  // namespace joule::kernels::cpu
