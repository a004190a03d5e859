// Pattern: where the stored entries of a sparse (rows, cols) weight matrix are. CSR is the
// authoritative form (row_ptr, col as int64 tensors, so a checkpoint holds them as buffers); a
// CSC view (col_ptr, row, perm: the k-th entry of the column-major order is CSR entry perm[k])
// serves the input-gradient kernel and is rebuilt after every change of the pattern. The pattern
// lives on the host (rewiring is host work); kernels on another device read a mirror (arrays()).
// Copies of a Pattern share its CSR tensors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <memory>

#include "joule/core/generator.h"
#include "joule/core/tensor.h"
#include "joule/ops/sparse.h"

namespace joule::sparse {

// A stored position of the matrix.
struct Coord {
  int64_t row = 0, col = 0;
};

class Pattern {
 public:
  Pattern() = default;
  // From CSR arrays; validates them (sizes, bounds, strictly increasing columns within a row).
  Pattern(int64_t rows, int64_t cols, std::vector<int64_t> row_ptr, std::vector<int64_t> col);
  // nnz distinct positions drawn uniformly at random (Erdős–Rényi with an exact count).
  static Pattern random(int64_t rows, int64_t cols, int64_t nnz, Generator& gen);
  // Every position (a dense pattern), for tests and the 0%-sparsity baseline.
  static Pattern full(int64_t rows, int64_t cols);

  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  int64_t nnz() const { return col_.defined() ? col_.numel() : 0; }
  double density() const;

  // CSR, as tensors (int64): row_ptr (rows + 1), col (nnz).
  const Tensor& row_ptr_tensor() const { return row_ptr_; }
  const Tensor& col_tensor() const { return col_; }
  const int64_t* row_ptr() const { return row_ptr_.data<int64_t>(); }
  const int64_t* col() const { return col_.data<int64_t>(); }
  // CSC view: col_ptr (cols + 1), row (nnz), perm (nnz).
  const int64_t* csc_col_ptr() const { return csc_col_ptr_.data(); }
  const int64_t* csc_row() const { return csc_row_.data(); }
  const int64_t* csc_perm() const { return csc_perm_.data(); }

  // Index of (row, col) among the stored entries, or -1 (binary search in the row).
  int64_t find(int64_t row, int64_t col) const;
  // The row of every stored entry (nnz), in CSR order.
  std::vector<int64_t> entry_rows() const;

  // Replaces the stored positions by `coords` (any order, no duplicates) keeping nnz: the CSR
  // tensors are rewritten in place (no allocation), the CSC view rebuilt. Returns, for each new
  // CSR slot, the index into `coords` that landed there.
  std::vector<int64_t> assign(const std::vector<Coord>& coords);
  // Rebuilds the CSC view from the CSR tensors (after they were loaded or written in place).
  void rebuild_csc();
  // Throws unless the CSR tensors describe a valid pattern; names `who` and the first problem.
  void validate(const std::string& who) const;

  // The pattern's arrays where a kernel on `device` can read them: the host arrays on the CPU, a
  // copy on another device, refreshed after every change of the pattern (assign, rebuild_csc).
  using Arrays = SparseArrays;
  Arrays arrays(Device device) const;

 private:
  int64_t rows_ = 0, cols_ = 0;
  Tensor row_ptr_, col_;
  std::vector<int64_t> csc_col_ptr_, csc_row_, csc_perm_;
  // device mirror: valid while mirror_version_ == version_
  int64_t version_ = 0;
  mutable int64_t mirror_version_ = -1;
  mutable Device mirror_device_;
  mutable std::vector<Tensor> mirror_;
};

// The pattern as the sparse_linear op takes it (ops/sparse.h): its sizes and its arrays on any
// device, read through `pattern`, which the index keeps alive. Throws on a null pattern.
SparseIndex index_of(const std::shared_ptr<const Pattern>& pattern);

}  // namespace joule::sparse
