#include "joule/ops/activation.h"

#include "joule/autograd/node.h"
#include "joule/ops/dispatch.h"
#include "kernels/cpu/activation.h"
#include "kernels/reference/activation.h"
#ifdef JOULE_WITH_CUDA
#include "kernels/cuda/activation.h"
#endif

namespace joule {

namespace {

using Forward = ops::Kernel<void (*)(float*, const float*, int64_t)>;
using Backward = ops::Kernel<void (*)(float*, const float*, const float*, int64_t)>;

// One activation: forward kernel, and a backward kernel fed the saved output (or input when
// `backward_uses_input`).
Tensor activation(const char* name, const Tensor& x, Forward fwd, Backward bwd,
                  bool backward_uses_input) {
  const Device device = ops::common_device(name, {x});
  Tensor xc = ops::contiguous_float(x, name, "input");
  Tensor y = Tensor::empty(x.shape(), DType::Float32, x.device());
  fwd.on(device)(y.data<float>(), xc.data<float>(), y.numel());
  Tensor saved = backward_uses_input ? xc.detach() : y.detach();
  return record(name, y, {x}, [name, saved, bwd](const Tensor& g, const Needs&) {
    const Device d = ops::common_device(name, {g, saved});
    Tensor gc = g.contiguous();
    Tensor dx = Tensor::empty(g.shape(), DType::Float32, g.device());
    bwd.on(d)(dx.data<float>(), gc.data<float>(), saved.data<float>(), dx.numel());
    return grads{dx};
  });
}

}  // namespace

Tensor relu(const Tensor& x) {
  return activation("relu", x, JOULE_KERNEL(relu_forward), JOULE_KERNEL(relu_backward), false);
}
Tensor tanh(const Tensor& x) {
  return activation("tanh", x, JOULE_KERNEL(tanh_forward), JOULE_KERNEL(tanh_backward), false);
}
Tensor sigmoid(const Tensor& x) {
  return activation("sigmoid", x, JOULE_KERNEL(sigmoid_forward), JOULE_KERNEL(sigmoid_backward),
                    false);
}
Tensor gelu(const Tensor& x) {
  return activation("gelu", x, JOULE_KERNEL(gelu_forward), JOULE_KERNEL(gelu_backward), true);
}

}  // namespace joule
