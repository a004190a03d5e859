// Activations: relu, tanh, sigmoid, gelu (exact, as PyTorch's default).
#pragma once

#include "joule/core/tensor.h"

namespace joule {

Tensor relu(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor gelu(const Tensor& x);

}  // namespace joule
