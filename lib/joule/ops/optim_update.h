// Fused optimizer updates on tensors, in place and without autograd: the device dispatch for
// optim/ (which chooses nothing itself). Semantics as kernels/optim.inc.
#pragma once

#include "joule/core/tensor.h"

namespace joule {

struct SgdHyper {
  float lr, momentum, dampening, weight_decay;
  bool nesterov;
};
// w -= lr * d (see kernels/optim.inc); buf undefined when momentum == 0; `first` means buf holds
// nothing yet (it is written, never read).
void sgd_update(Tensor& w, const Tensor& g, Tensor& buf, const SgdHyper& h, bool first);

struct AdamHyper {
  float lr, beta1, beta2, eps, weight_decay;
  bool decoupled;  // AdamW
};
// One Adam/AdamW step t (1-based) with moments m and v.
void adam_update(Tensor& w, const Tensor& g, Tensor& m, Tensor& v, const AdamHyper& h, int64_t t);

}  // namespace joule
