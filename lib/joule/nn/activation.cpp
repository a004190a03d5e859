#include "joule/nn/activation.h"

#include "joule/ops/activation.h"
#include "joule/ops/softmax.h"

namespace joule::nn {

Tensor ReLU::forward(const Tensor& x) { return relu(x); }
Tensor Tanh::forward(const Tensor& x) { return tanh(x); }
Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }
Tensor GELU::forward(const Tensor& x) { return gelu(x); }
Tensor Softmax::forward(const Tensor& x) { return softmax(x); }

}  // namespace joule::nn
