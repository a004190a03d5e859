// prune::attach / detach: the optimizer hooks that keep masked weights and their state at zero
// (the design is described at the top of mask.h).
#include <unordered_map>

#include "joule/autograd/grad_mode.h"
#include "joule/ops/elementwise.h"
#include "joule/prune/mask.h"

namespace joule::prune {

namespace {

// The gradient times the mask of `buffer` (when `model` holds one), also set as the parameter's
// gradient: a new tensor, since the old one may be shared with another leaf.
Tensor mask_gradient(const nn::Module& model, const std::string& buffer,
                     const std::string& optimizer, Tensor& param, const Tensor& grad) {
  const Tensor mask = model.buffer(buffer);
  if (!mask.defined()) return grad;
  JOULE_CHECK(mask.shape() == param.shape() && mask.dtype() == DType::Float32, optimizer,
              ": the pruning mask ", mask.str(), " does not match its parameter ", param.str());
  JOULE_CHECK(grad.shape() == param.shape(), optimizer, ": gradient shape ", grad.shape(),
              " differs from parameter shape ", param.shape());
  NoGradGuard no_grad;
  Tensor masked = mul(grad, mask);
  param.set_grad(masked);
  return masked;
}

// Zeroes the masked entries of the parameter and of its state buffers, in place.
void mask_after_step(const nn::Module& model, const std::string& buffer, Tensor& param,
                     optim::ParamState& state) {
  const Tensor mask = model.buffer(buffer);
  if (!mask.defined()) return;
  NoGradGuard no_grad;
  param.copy_(mul(param, mask));
  for (Tensor* buf : {&state.buf1, &state.buf2})
    if (buf->defined()) buf->copy_(mul(*buf, mask));
}

}  // namespace

void attach(optim::Optimizer& optimizer, const nn::Module& model) {
  std::unordered_map<const TensorImpl*, std::string> names;
  for (const auto& [n, t] : model.named_parameters())
    if (t.defined()) names.emplace(t.impl_ptr().get(), n);
  const nn::Module* m = &model;
  const std::string type = optimizer.type();
  for (const auto& group : optimizer.param_groups())
    for (const Tensor& p : group.params) {
      auto it = p.defined() ? names.find(p.impl_ptr().get()) : names.end();
      if (it == names.end() || optimizer.has_param_hook(p, kHookTag)) continue;
      // Looked up at every step, not captured: see the top of mask.h.
      const std::string buffer = it->second + "_mask";
      optim::ParamHook hook;
      hook.tag = kHookTag;
      hook.before_update = [m, buffer, type](Tensor& param, const Tensor& grad) {
        return mask_gradient(*m, buffer, type, param, grad);
      };
      hook.after_update = [m, buffer](Tensor& param, optim::ParamState& state) {
        mask_after_step(*m, buffer, param, state);
      };
      optimizer.add_param_hook(p, std::move(hook));
    }
}

void detach(optim::Optimizer& optimizer) { optimizer.remove_param_hooks(kHookTag); }

}  // namespace joule::prune
