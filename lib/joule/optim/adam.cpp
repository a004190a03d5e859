#include "joule/optim/adam.h"

#include "joule/ops/optim_update.h"

namespace joule::optim {

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& o, bool decoupled, const char* name)
    : Optimizer(std::move(groups), o.lr, o.weight_decay, name), options_(o), decoupled_(decoupled) {
  JOULE_CHECK(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1, name,
              ": betas must lie in [0, 1), got (", o.beta1, ", ", o.beta2, ")");
  JOULE_CHECK(o.eps >= 0, name, ": eps must be >= 0, got ", o.eps);
}

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& o)
    : Adam(std::move(groups), o, false, "Adam") {}
Adam::Adam(std::vector<Tensor> params, const AdamOptions& o)
    : Adam(single_group(std::move(params)), o, false, "Adam") {}

AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& o)
    : Adam(std::move(groups), o, true, "AdamW") {}
AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& o)
    : Adam(single_group(std::move(params)), o, true, "AdamW") {}

void Adam::step() {
  for_each_with_grad([&](Tensor& p, const Tensor& g, ParamState& s, const ParamGroup& group) {
    check_grad(p, g);
    if (!s.buf1.defined()) {
      s.buf1 = Tensor::zeros(p.shape(), DType::Float32, p.device());
      s.buf2 = Tensor::zeros(p.shape(), DType::Float32, p.device());
    }
    ++s.step;
    adam_update(p, g, s.buf1, s.buf2,
                {static_cast<float>(group.lr), static_cast<float>(options_.beta1),
                 static_cast<float>(options_.beta2), static_cast<float>(options_.eps),
                 static_cast<float>(group.weight_decay), decoupled_},
                s.step);
  });
}

}  // namespace joule::optim
