#include "joule/ops/softmax.h"

#include "joule/autograd/node.h"
#include "joule/ops/dispatch.h"
#include "kernels/cpu/softmax.h"
#include "kernels/reference/softmax.h"
#ifdef JOULE_WITH_CUDA
#include "kernels/cuda/softmax.h"
#endif

namespace joule {

namespace {

using RowForward = ops::Kernel<void (*)(float*, const float*, int64_t, int64_t)>;
using RowBackward = ops::Kernel<void (*)(float*, const float*, const float*, int64_t, int64_t)>;

Tensor row_op(const char* name, const Tensor& x, int64_t dim, RowForward fwd, RowBackward bwd) {
  const Device device = ops::common_device(name, {x});
  Tensor xc = ops::contiguous_float(x, name, "input");
  JOULE_CHECK(x.dim() >= 1, name, ": needs at least one dimension, got a scalar");
  JOULE_CHECK(wrap_dim(dim, x.dim(), name) == x.dim() - 1, name, ": only the last dimension (",
              x.dim() - 1, ") is supported, got dim ", dim);
  const int64_t N = x.size(-1), M = N ? x.numel() / N : 0;
  Tensor y = Tensor::empty(x.shape(), DType::Float32, x.device());
  if (N) fwd.on(device)(y.data<float>(), xc.data<float>(), M, N);
  return record(name, y, {x}, [name, y = y.detach(), bwd, M, N](const Tensor& g, const Needs&) {
    const Device d = ops::common_device(name, {g, y});
    Tensor gc = g.contiguous();
    Tensor dx = Tensor::empty(g.shape(), DType::Float32, g.device());
    if (N) bwd.on(d)(dx.data<float>(), gc.data<float>(), y.data<float>(), M, N);
    return grads{dx};
  });
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) {
  return row_op("softmax", x, dim, JOULE_KERNEL(softmax_forward), JOULE_KERNEL(softmax_backward));
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
  return row_op("log_softmax", x, dim, JOULE_KERNEL(log_softmax_forward),
                JOULE_KERNEL(log_softmax_backward));
}

}  // namespace joule
