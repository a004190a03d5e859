#include "joule/ops/activation.h"

#include "joule/autograd/node.h"
#include "joule/ops/dispatch.h"
#include "kernels/cpu/activation.h"

namespace joule {

namespace {

using Forward = void (*)(float*, const float*, int64_t);
using Backward = void (*)(float*, const float*, const float*, int64_t);

// One activation: forward kernel, and a backward kernel fed the saved output (or input when
// `backward_uses_input`).
Tensor activation(const char* name, const Tensor& x, Forward fwd, Backward bwd,
                  bool backward_uses_input) {
  ops::common_device(name, {x});
  Tensor xc = ops::contiguous_float(x, name, "input");
  Tensor y = Tensor::empty(x.shape(), DType::Float32, x.device());
  fwd(y.data<float>(), xc.data<float>(), y.numel());
  Tensor saved = backward_uses_input ? xc.detach() : y.detach();
  return record(name, y, {x}, [saved, bwd](const Tensor& g, const Needs&) {
    Tensor gc = g.contiguous();
    Tensor dx = Tensor::empty(g.shape(), DType::Float32, g.device());
    bwd(dx.data<float>(), gc.data<float>(), saved.data<float>(), dx.numel());
    return grads{dx};
  });
}

}  // namespace

Tensor relu(const Tensor& x) {
  return activation("relu", x, kernels::cpu::relu_forward, kernels::cpu::relu_backward, false);
}
Tensor tanh(const Tensor& x) {
  return activation("tanh", x, kernels::cpu::tanh_forward, kernels::cpu::tanh_backward, false);
}
Tensor sigmoid(const Tensor& x) {
  return activation("sigmoid", x, kernels::cpu::sigmoid_forward, kernels::cpu::sigmoid_backward,
                    false);
}
Tensor gelu(const Tensor& x) {
  return activation("gelu", x, kernels::cpu::gelu_forward, kernels::cpu::gelu_backward, true);
}

}  // namespace joule
