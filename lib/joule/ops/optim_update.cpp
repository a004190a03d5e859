#include "joule/ops/optim_update.h"

#include "joule/ops/dispatch.h"
#include "kernels/cpu/optim.h"
#include "kernels/reference/optim.h"
#ifdef JOULE_WITH_CUDA
#include "kernels/cuda/optim.h"
#endif

namespace joule {

void sgd_update(Tensor& w, const Tensor& g, Tensor& buf, const SgdHyper& h, bool first) {
  const Device device = ops::common_device("sgd_update", {w, g, buf});
  JOULE_KERNEL(sgd_step).on(device)(w.data<float>(), g.data<float>(),
                                    buf.defined() ? buf.data<float>() : nullptr, w.numel(), h.lr,
                                    h.momentum, h.dampening, h.weight_decay, h.nesterov, first);
}

void adam_update(Tensor& w, const Tensor& g, Tensor& m, Tensor& v, const AdamHyper& h, int64_t t) {
  const Device device = ops::common_device("adam_update", {w, g, m, v});
  JOULE_KERNEL(adam_step).on(device)(w.data<float>(), g.data<float>(), m.data<float>(),
                                     v.data<float>(), w.numel(), h.lr, h.beta1, h.beta2, h.eps,
                                     h.weight_decay, h.decoupled, t);
}

}  // namespace joule
