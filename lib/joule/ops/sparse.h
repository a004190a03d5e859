// The sparse linear op: y = x·Wᵀ + b with W stored as a Pattern (CSR + CSC view) and its values.
// Forward, input gradient and weight gradient all run on the stored entries only; the weight's
// gradient has the shape of `values` (nnz), never (out, in).
#pragma once

#include <memory>

#include "joule/core/tensor.h"
#include "joule/sparse/pattern.h"

namespace joule {

// Asks a sparse_linear backward to also accumulate the dense weight gradient gᵀ·x (out, in),
// e.g. for RigL's growth criterion at its update steps. Off by default: no dense gradient.
struct DenseGradCapture {
  bool enabled = false;
  Tensor grad;  // (out, in), accumulated over backward passes while enabled
};

// x (B, IN) or (..., IN), pattern (OUT, IN), values (nnz), bias (OUT) or undefined -> (..., OUT).
// The pattern must not change between this forward and its backward.
Tensor sparse_linear(const Tensor& x, const std::shared_ptr<const sparse::Pattern>& pattern,
                     const Tensor& values, const Tensor& bias,
                     const std::shared_ptr<DenseGradCapture>& capture = nullptr);

}  // namespace joule
