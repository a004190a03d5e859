// Softmax and log-softmax over the last dimension.
#pragma once

#include "joule/core/tensor.h"

namespace joule {

Tensor softmax(const Tensor& x, int64_t dim = -1);
Tensor log_softmax(const Tensor& x, int64_t dim = -1);

}  // namespace joule
