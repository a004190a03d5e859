// Knowledge-distillation loss (Hinton, Vinyals & Dean 2015, "Distilling the Knowledge in a Neural
// Network"):
//
//   loss = alpha * T^2 * KL(softmax(z_t / T) || softmax(z_s / T)) + (1 - alpha) * CE(y, z_s)
//
// with the KL divergence summed over classes and averaged over the batch (PyTorch's
// reduction="batchmean"). The T^2 factor keeps the soft term's gradient, which scales as 1/T^2
// otherwise, of the same size as the hard term's whatever the temperature (Hinton et al., sec. 2;
// Intel's Distiller leaves it out).
#pragma once

#include "joule/core/tensor.h"

namespace joule::distill {

struct DistillLossOptions {
  double temperature = 4.0;  // T > 0: softens both distributions
  double alpha = 0.9;        // weight of the soft (teacher) term in [0, 1]
};

// The computation: when the teacher's logits are constants (no grad, the usual case) one fused
// pass over each row (joule::kd_loss, ops/distill.h) computes the loss and keeps its gradient
// for the backward; when they require grad, or live off the CPU, the composed version below runs
// instead.

// student, teacher (B, C) logits -> scalar T^2 * KL(softmax(teacher / T) || softmax(student / T)),
// batch mean. Differentiable in the student's logits, and in the teacher's when they require
// grad.
Tensor soft_target_loss(const Tensor& student, const Tensor& teacher, double temperature);

// student, teacher (B, C) logits, labels (B) int64 -> scalar: the weighted sum above. With
// alpha = 1 the labels are not read (and may be undefined); with alpha = 0 it is plain
// cross-entropy and the teacher is not read.
Tensor distillation_loss(const Tensor& student, const Tensor& teacher, const Tensor& labels,
                         const DistillLossOptions& options);

// The same loss composed of ops (log_softmax, exp, mul, sum, cross_entropy), with autograd
// through each: the reference the fused kernel is tested against, differentiable in both inputs.
Tensor reference_distillation_loss(const Tensor& student, const Tensor& teacher,
                                   const Tensor& labels, const DistillLossOptions& options);

}  // namespace joule::distill
