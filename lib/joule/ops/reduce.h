// Reductions: sum and mean (all elements or one dimension), argmax.
#pragma once

#include "joule/core/tensor.h"

namespace joule {

Tensor sum(const Tensor& a);                                        // -> scalar
Tensor sum(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor mean(const Tensor& a);                                       // -> scalar
Tensor mean(const Tensor& a, int64_t dim, bool keepdim = false);
// Index of the largest value along the last dimension (int64, no gradient).
Tensor argmax(const Tensor& a);

}  // namespace joule
