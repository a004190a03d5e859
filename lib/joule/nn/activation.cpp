#include "joule/nn/activation.h"

#include "joule/ops/activation.h"
#include "joule/ops/softmax.h"

namespace joule::nn {

Tensor ReLU::forward(const Tensor& x) { return relu(x); }
Tensor Tanh::forward(const Tensor& x) { return tanh(x); }
Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }
Tensor GELU::forward(const Tensor& x) { return gelu(x); }
Tensor Softmax::forward(const Tensor& x) { return softmax(x); }

Tensor Unflatten::forward(const Tensor& x) {
  const int64_t d = wrap_dim(dim_, x.dim(), "Unflatten");
  JOULE_CHECK(sizes_.numel() == x.size(d), "Unflatten: sizes ", sizes_, " do not hold the ",
              x.size(d), " elements of dimension ", d, " of ", x.shape());
  std::vector<int64_t> dims(x.shape().dims().begin(), x.shape().dims().begin() + d);
  dims.insert(dims.end(), sizes_.dims().begin(), sizes_.dims().end());
  dims.insert(dims.end(), x.shape().dims().begin() + d + 1, x.shape().dims().end());
  return x.reshape(Shape(std::move(dims)));
}

}  // namespace joule::nn
