#include "reference/reduce.h"

namespace joule::kernels::ref {

void sum(float* out, const float* x, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += x[i];
  *out = static_cast<float>(s);
}

void sum_dim(float* y, const float* x, int64_t outer, int64_t D, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double s = 0;
      for (int64_t d = 0; d < D; ++d) s += x[(o * D + d) * inner + i];
      y[o * inner + i] = static_cast<float>(s);
    }
}

void argmax_rows(int64_t* idx, const float* x, int64_t M, int64_t N) {
  for (int64_t i = 0; i < M; ++i) {
    int64_t best = 0;
    for (int64_t j = 1; j < N; ++j)
      if (x[i * N + j] > x[i * N + best]) best = j;
    idx[i] = best;
  }
}

}  // namespace joule::kernels::ref
