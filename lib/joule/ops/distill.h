// The fused knowledge-distillation loss (kernels/distill.inc): the op behind
// joule::distill::distillation_loss when the teacher's logits are constants.
#pragma once

#include "joule/core/tensor.h"

namespace joule {

struct KdLossOptions {
  double temperature = 4.0;  // T > 0
  double alpha = 0.9;        // weight of the soft term in [0, 1]
};

// student, teacher (B, C) logits, labels (B) int64 in [0, C) (undefined when alpha == 1)
//   -> scalar alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T)) / B
//             + (1 - alpha) * CE(labels, student) / B.
// Differentiable in the student's logits only: the teacher's are constants. The gradient is
// computed with the loss, in the same pass. No CUDA kernel: on a CUDA device it throws (the
// distillation loss composes ops there instead).
Tensor kd_loss(const Tensor& student, const Tensor& teacher, const Tensor& labels,
               const KdLossOptions& options);

}  // namespace joule
