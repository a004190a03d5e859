// Dropout (as torch.nn.functional.dropout): inverted dropout with an explicit Generator.
#pragma once

#include "joule/core/tensor.h"

namespace joule {

// Training: zeroes each element with probability p and scales the others by 1 / (1 - p); the
// mask takes one uniform draw per element from `gen`, in order, so a seed reproduces it, and the
// backward multiplies by the same mask. Not training, or p == 0: returns x itself.
Tensor dropout(const Tensor& x, double p, bool training, Generator& gen);

}  // namespace joule
