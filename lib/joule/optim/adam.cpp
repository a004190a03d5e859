#include "joule/optim/adam.h"

#include "joule/ops/optim_update.h"

namespace joule::optim {

namespace {
void check(const AdamOptions& o, const std::string& name) {
  check_option(name, "lr", o.lr, 0);
  check_option(name, "beta1", o.beta1, 0, 1, true);
  check_option(name, "beta2", o.beta2, 0, 1, true);
  check_option(name, "eps", o.eps, 0);
  check_option(name, "weight_decay", o.weight_decay, 0);
}
}  // namespace

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& o, bool decoupled, const char* name)
    : Optimizer(std::move(groups), o.lr, o.weight_decay, name), options_(o), decoupled_(decoupled) {
  check(o, name);
}

std::vector<std::string> Adam::state_names() const { return {"exp_avg", "exp_avg_sq"}; }

OptionValues Adam::options_by_name() const {
  return {{"lr", options_.lr},
          {"beta1", options_.beta1},
          {"beta2", options_.beta2},
          {"eps", options_.eps},
          {"weight_decay", options_.weight_decay}};
}

void Adam::set_options(const OptionValues& values) {
  AdamOptions o = options_;
  for (const auto& [name, v] : values) {
    if (name == "lr") o.lr = v;
    else if (name == "beta1") o.beta1 = v;
    else if (name == "beta2") o.beta2 = v;
    else if (name == "eps") o.eps = v;
    else if (name == "weight_decay") o.weight_decay = v;
    else
      JOULE_CHECK(false, type(), ": no option named '", name,
                  "'; options: lr, beta1, beta2, eps, weight_decay");
  }
  check(o, type());
  options_ = o;
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
