// The sparse linear op: y = x·Wᵀ + b with W stored as index arrays (CSR + CSC view) and its
// values. Forward, input gradient and weight gradient all run on the stored entries only; the
// weight's gradient has the shape of `values` (nnz), never (out, in). The op takes the index as
// the plain SparseIndex below; sparse::Pattern (sparse/pattern.h, above ops/) builds one with
// sparse::index_of.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "joule/core/device.h"
#include "joule/core/tensor.h"

namespace joule {

// The index arrays of a sparse (rows, cols) weight as the sparse kernels read them, int64, on one
// device: CSR (row_ptr: rows + 1, col: nnz) and its CSC view (csc_col_ptr: cols + 1, csc_row
// and csc_perm: nnz; the k-th entry of the column-major order is CSR entry csc_perm[k]).
struct SparseArrays {
  const int64_t* row_ptr = nullptr;
  const int64_t* col = nullptr;
  const int64_t* csc_col_ptr = nullptr;
  const int64_t* csc_row = nullptr;
  const int64_t* csc_perm = nullptr;
};

// Where the stored entries of a sparse (rows, cols) weight are: its sizes, and `arrays`, which
// gives the index arrays readable on a device. The forward asks for them and so does the
// backward, again, so the owner of the arrays (a sparse::Pattern, whose copy `arrays` holds) may
// keep a device mirror and refresh it lazily.
struct SparseIndex {
  int64_t rows = 0, cols = 0, nnz = 0;
  std::function<SparseArrays(Device)> arrays;
};

// Asks a sparse_linear backward to also accumulate the dense weight gradient gᵀ·x (out, in),
// e.g. for RigL's growth criterion at its update steps. Off by default: no dense gradient.
struct DenseGradCapture {
  bool enabled = false;
  Tensor grad;  // (out, in), accumulated over backward passes while enabled
};

// x (B, IN) or (..., IN), index (OUT, IN), values (nnz), bias (OUT) or undefined -> (..., OUT).
// The index (the pattern behind it) must not change between this forward and its backward.
Tensor sparse_linear(const Tensor& x, const SparseIndex& index,
                     const Tensor& values, const Tensor& bias,
                     const std::shared_ptr<DenseGradCapture>& capture = nullptr);

}  // namespace joule
