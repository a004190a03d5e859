// The fused distillation-loss kernel: one pass over each row computes the loss and its gradient
// with respect to the student's logits (the teacher's logits are constants), on raw pointers and
// sizes like the kernels under kernels/. The composed version in loss.cpp is its reference.
#pragma once

#include <cstdint>

namespace joule::distill::kernels {

// student, teacher (B, C) row-major logits, labels (B) in [0, C) or null when alpha == 1
// -> returns alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T)) / B
//            + (1 - alpha) * CE(labels, student) / B,
//    grad (B, C) = d loss / d student
//                = (alpha * T * (q_T - p_T) + (1 - alpha) * (softmax(student) - onehot)) / B
float kd_loss_forward(float* grad, const float* student, const float* teacher,
                      const int64_t* labels, int64_t B, int64_t C, float temperature, float alpha);

}  // namespace joule::distill::kernels
