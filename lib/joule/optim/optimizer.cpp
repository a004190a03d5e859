#include "joule/optim/optimizer.h"

#include "joule/autograd/grad_mode.h"
#include "joule/ops/elementwise.h"

namespace joule::optim {

std::vector<ParamGroup> single_group(std::vector<Tensor> params) {
  std::vector<ParamGroup> groups(1);
  groups[0].params = std::move(params);
  return groups;
}

Optimizer::Optimizer(std::vector<ParamGroup> groups, double default_lr,
                     double default_weight_decay, const char* name)
    : groups_(std::move(groups)), name_(name) {
  JOULE_CHECK(!groups_.empty(), name, ": no parameter groups given");
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    ParamGroup& g = groups_[gi];
    if (g.lr < 0) g.lr = default_lr;
    if (g.weight_decay < 0) g.weight_decay = default_weight_decay;
    JOULE_CHECK(g.lr >= 0, name, ": learning rate of group ", gi, " is negative: ", g.lr);
    g.initial_lr = g.lr;
    g.state.assign(g.params.size(), ParamState{});
    for (const Tensor& p : g.params) {
      check_float(p, name, "parameter");
      JOULE_CHECK(p.is_contiguous(), name, ": parameter ", p.str(), " is not contiguous");
    }
  }
}

void Optimizer::zero_grad() {
  for (auto& g : groups_)
    for (auto& p : g.params) p.set_grad(Tensor());
}

void Optimizer::reset_state() {
  for (auto& g : groups_) g.state.assign(g.params.size(), ParamState{});
}

Tensor Optimizer::mask_gradient(Tensor& param, const Tensor& grad) const {
  check_grad(param, grad);
  const Tensor mask = param.mask();
  JOULE_CHECK(mask.shape() == param.shape() && mask.dtype() == DType::Float32, name_,
              ": the pruning mask ", mask.str(), " does not match its parameter ", param.str());
  NoGradGuard no_grad;
  Tensor masked = mul(grad, mask);
  param.set_grad(masked);
  return masked;
}

void Optimizer::mask_after_step(Tensor& param, ParamState& state) const {
  NoGradGuard no_grad;
  const Tensor mask = param.mask();
  param.copy_(mul(param, mask));
  for (Tensor* buf : {&state.buf1, &state.buf2})
    if (buf->defined()) buf->copy_(mul(*buf, mask));
}

void Optimizer::check_grad(const Tensor& param, const Tensor& grad) const {
  JOULE_CHECK(grad.shape() == param.shape(), name_, ": gradient shape ", grad.shape(),
              " differs from parameter shape ", param.shape());
  JOULE_CHECK(grad.device() == param.device(), name_, ": gradient on ", grad.device(),
              ", parameter on ", param.device());
  JOULE_CHECK(grad.is_contiguous(), name_, ": gradient is not contiguous");
}

}  // namespace joule::optim
