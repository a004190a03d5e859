// Per-example quantities that data-pruning scores are made of, each for one batch.
//
//   error_vectors  softmax(f(x)) - onehot(y): the gradient of each example's cross-entropy with
//                  respect to its logits
//   el2n           ||softmax(f(x)) - onehot(y)||_2 (Paul et al., 2021)
//   grand_norms    ||d loss_i / d theta||_2 over the parameters of every Linear layer, exact per
//                  example: for y = x W^T + b, dW_i = dy_i x_i^T, so
//                  ||dW_i||^2 = ||dy_i||^2 ||x_i||^2 and ||db_i||^2 = ||dy_i||^2 (Paul et al.'s
//                  GraNd, restricted to Linear layers: a convolution's per-example gradient
//                  does not factor this way)
#pragma once

#include <vector>

#include "joule/core/tensor.h"
#include "joule/nn/sequential.h"

namespace joule::datadiet {

// logits (B, C) float32 on any device, labels (B) int64 in [0, C) -> (B, C) float32 on the host
Tensor error_vectors(const Tensor& logits, const Tensor& labels);

// logits (B, C), labels (B) -> B values
std::vector<float> el2n(const Tensor& logits, const Tensor& labels);

// x (B, ...) on the model's device, labels (B) -> B gradient norms. Runs `model` as it is (call
// eval() first for GraNd's usual setting) and records the graph child by child, so it needs a
// Sequential; its parameters should not require grad (nn::freeze), or backward also fills their
// .grad for nothing. Throws when the model has no Linear layer.
std::vector<float> grand_norms(nn::Sequential& model, const Tensor& x, const Tensor& labels);

}  // namespace joule::datadiet
