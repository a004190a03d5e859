// Naive sparse-weight kernels: one thread, the formulas of kernels/sparse.inc written out as
// loops, sums in double. The ground truth kernels/cpu/sparse.cpp is tested against.
#include "reference/sparse.h"

namespace joule::kernels::ref {

// x (B, IN), W CSR (OUT, IN), bias (OUT) or null -> y (B, OUT) = x W^T + bias
void spmm_forward(float* y, const float* x, const int64_t* row_ptr, const int64_t* col,
                  const float* val, const float* bias, int64_t B, int64_t IN, int64_t OUT) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t o = 0; o < OUT; ++o) {
      double s = bias ? bias[o] : 0.0;
      for (int64_t k = row_ptr[o]; k < row_ptr[o + 1]; ++k)
        s += static_cast<double>(val[k]) * x[b * IN + col[k]];
      y[b * OUT + o] = static_cast<float>(s);
    }
}

// dy (B, OUT), W as CSC (col_ptr, row, perm, val) -> dx (B, IN) = dy W
void spmm_backward_input(float* dx, const float* dy, const int64_t* col_ptr, const int64_t* row,
                         const int64_t* perm, const float* val, int64_t B, int64_t IN,
                         int64_t OUT) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < IN; ++i) {
      double s = 0;
      for (int64_t k = col_ptr[i]; k < col_ptr[i + 1]; ++k)
        s += static_cast<double>(val[perm[k]]) * dy[b * OUT + row[k]];
      dx[b * IN + i] = static_cast<float>(s);
    }
}

// dy (B, OUT), x (B, IN), pattern CSR (row_ptr, col) -> dval (nnz), = or += when accumulate
void spmm_backward_weight(float* dval, const float* dy, const float* x, const int64_t* row_ptr,
                          const int64_t* col, int64_t B, int64_t IN, int64_t OUT,
                          bool accumulate) {
  for (int64_t o = 0; o < OUT; ++o)
    for (int64_t k = row_ptr[o]; k < row_ptr[o + 1]; ++k) {
      double s = 0;
      for (int64_t b = 0; b < B; ++b)
        s += static_cast<double>(dy[b * OUT + o]) * x[b * IN + col[k]];
      dval[k] = accumulate ? dval[k] + static_cast<float>(s) : static_cast<float>(s);
    }
}

}  // namespace joule::kernels::ref
