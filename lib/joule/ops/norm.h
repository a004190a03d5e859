// Batch normalization (as torch.nn.functional.batch_norm) over (N, C) or (N, C, ...) inputs,
// per channel C.
#pragma once

#include "joule/core/tensor.h"

namespace joule {

// Training: normalizes with this batch's mean and biased variance over N and the trailing
// dimensions, and, when running_mean and running_var (C) are defined, updates them in place
// (no autograd): running = (1 - momentum) running + momentum batch, with the unbiased variance.
// Evaluation: normalizes with running_mean and running_var, which must be defined.
// weight (C) and bias (C) may be undefined (scale 1, shift 0).
// y = (x - mean) / sqrt(var + eps) * weight + bias.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum = 0.1,
                  double eps = 1e-5);

}  // namespace joule
