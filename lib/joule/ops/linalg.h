// Matrix products: matmul and the fused linear layer (GEMM with the bias folded in).
#pragma once

#include "joule/core/tensor.h"

namespace joule {

// a (M, K) · b (K, N) -> (M, N). Transposed views (t()) are used in place, not copied.
Tensor matmul(const Tensor& a, const Tensor& b);

// x (..., IN), weight (OUT, IN), bias (OUT) or undefined -> (..., OUT) = x·weightᵀ + bias.
// Backward computes only the gradients needed (no input gradient for the first layer).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace joule
