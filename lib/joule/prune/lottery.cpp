#include "joule/prune/lottery.h"

#include "joule/autograd/grad_mode.h"
#include "joule/ops/elementwise.h"
#include "joule/prune/magnitude.h"

namespace joule::prune {

void LotteryTicket::snapshot(const nn::Module& model) {
  NoGradGuard no_grad;
  weights_.clear();
  for (const auto& [name, t] : model.named_parameters()) weights_.emplace_back(name, t.clone());
  JOULE_CHECK(!weights_.empty(), "LotteryTicket::snapshot: the model has no parameters");
}

void LotteryTicket::prune_and_rewind(nn::Module& model, const std::vector<std::string>& names,
                                     Amount amount, optim::Optimizer* optimizer) {
  JOULE_CHECK(has_snapshot(), "LotteryTicket::prune_and_rewind: no snapshot taken; call "
              "snapshot(model) at the rewind step first");
  if (options_.global) {
    global_unstructured(model, names, amount);
  } else {
    for (const auto& name : names) l1_unstructured(model, name, amount);
  }
  rewind(model, optimizer);
  ++rounds_;
}

void LotteryTicket::rewind(nn::Module& model, optim::Optimizer* optimizer) const {
  JOULE_CHECK(has_snapshot(), "LotteryTicket::rewind: no snapshot taken");
  const nn::NamedTensors params = model.named_parameters();
  // Check everything before changing anything.
  std::vector<const Tensor*> saved;
  for (const auto& [name, p] : params) {
    const Tensor* s = nullptr;
    for (const auto& [n, t] : weights_)
      if (n == name) s = &t;
    JOULE_CHECK(s != nullptr, "LotteryTicket::rewind: parameter '", name,
                "' is not in the snapshot (taken of another model?)");
    JOULE_CHECK(s->shape() == p.shape(), "LotteryTicket::rewind: parameter '", name, "' is ",
                p.shape(), ", its snapshot ", s->shape());
    saved.push_back(s);
  }
  NoGradGuard no_grad;
  for (size_t i = 0; i < params.size(); ++i) {
    Tensor p = params[i].second;
    p.copy_(saved[i]->to(p.device()));
    const Tensor mask = mask_of(model, params[i].first);
    if (mask.defined()) p.copy_(mul(p, mask));
  }
  if (optimizer) {
    optimizer->reset_state();
    attach(*optimizer, model);  // the next training keeps the pruned weights at 0
  }
}

}  // namespace joule::prune
