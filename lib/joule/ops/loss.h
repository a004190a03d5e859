// Losses: fused cross-entropy from logits, mean squared error.
#pragma once

#include "joule/core/tensor.h"

namespace joule {

// Mean cross-entropy of logits (B, C) against int64 class labels (B) in [0, C): log-softmax and
// negative log-likelihood fused in one numerically stable pass (torch.nn.functional.cross_entropy).
Tensor cross_entropy(const Tensor& logits, const Tensor& labels);

// mean((pred - target)^2) over all elements; shapes must match.
Tensor mse_loss(const Tensor& pred, const Tensor& target);

}  // namespace joule
