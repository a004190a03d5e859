#include "joule/ops/dropout.h"

#include <vector>

#include "joule/autograd/node.h"
#include "joule/ops/dispatch.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/reference/elementwise.h"
#ifdef JOULE_WITH_CUDA
#include "kernels/cuda/elementwise.h"
#endif

namespace joule {

Tensor dropout(const Tensor& x, double p, bool training, Generator& gen) {
  const Device device = ops::common_device("dropout", {x});
  check_float(x, "dropout", "input");
  JOULE_CHECK(p >= 0.0 && p <= 1.0, "dropout: p must be in [0, 1], got ", p);
  if (!training || p == 0.0) return x;
  // The mask is drawn on the host (the Generator lives there), then moved to x's device.
  const float scale = p < 1.0 ? static_cast<float>(1.0 / (1.0 - p)) : 0.f;
  std::vector<float> keep(static_cast<size_t>(x.numel()));
  for (float& k : keep) k = static_cast<double>(gen.uniform01()) >= p ? scale : 0.f;
  Tensor mask = Tensor::from_vector(keep, x.shape()).to(x.device());
  Tensor xc = x.contiguous();
  Tensor y = Tensor::empty(x.shape(), DType::Float32, x.device());
  JOULE_KERNEL(mul).on(device)(y.data<float>(), xc.data<float>(), mask.data<float>(), y.numel());
  return record("dropout", y, {x}, [mask](const Tensor& g, const Needs&) {
    const Device gd = ops::common_device("dropout", {g, mask});
    Tensor gc = g.contiguous();
    Tensor dx = Tensor::empty(g.shape(), DType::Float32, g.device());
    JOULE_KERNEL(mul).on(gd)(dx.data<float>(), gc.data<float>(), mask.data<float>(), dx.numel());
    return grads{dx};
  });
}

}  // namespace joule
