#include "joule/optim/sgd.h"

#include "joule/ops/optim_update.h"

namespace joule::optim {

SGD::SGD(std::vector<Tensor> params, const SGDOptions& o)
    : SGD(single_group(std::move(params)), o) {}

namespace {
void check(const SGDOptions& o) {
  check_option("SGD", "lr", o.lr, 0);
  check_option("SGD", "momentum", o.momentum, 0);
  check_option("SGD", "dampening", o.dampening, 0, 1);
  check_option("SGD", "weight_decay", o.weight_decay, 0);
  JOULE_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0),
              "SGD: Nesterov momentum needs momentum > 0 and dampening 0, got momentum=",
              o.momentum, " dampening=", o.dampening);
}
}  // namespace

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& o)
    : Optimizer(std::move(groups), o.lr, o.weight_decay, "SGD"), options_(o) {
  check(o);
}

std::vector<std::string> SGD::state_names() const { return {"momentum_buffer"}; }

OptionValues SGD::options_by_name() const {
  return {{"lr", options_.lr},
          {"momentum", options_.momentum},
          {"dampening", options_.dampening},
          {"weight_decay", options_.weight_decay},
          {"nesterov", options_.nesterov ? 1.0 : 0.0}};
}

void SGD::set_options(const OptionValues& values) {
  SGDOptions o = options_;
  for (const auto& [name, v] : values) {
    if (name == "lr") o.lr = v;
    else if (name == "momentum") o.momentum = v;
    else if (name == "dampening") o.dampening = v;
    else if (name == "weight_decay") o.weight_decay = v;
    else if (name == "nesterov") {
      JOULE_CHECK(v == 0 || v == 1, "SGD: nesterov must be 0 or 1, got ", v);
      o.nesterov = v == 1;
    } else {
      JOULE_CHECK(false, "SGD: no option named '", name,
                  "'; options: lr, momentum, dampening, weight_decay, nesterov");
    }
  }
  check(o);
  options_ = o;
}

void SGD::step() {
  const bool use_momentum = options_.momentum != 0;
  for_each_with_grad([&](Tensor& p, const Tensor& g, ParamState& s, const ParamGroup& group) {
    check_grad(p, g);
    const bool first = !s.buf1.defined();
    if (use_momentum && first) s.buf1 = Tensor::empty(p.shape(), DType::Float32, p.device());
    sgd_update(p, g, s.buf1,
               {static_cast<float>(group.lr), static_cast<float>(options_.momentum),
                static_cast<float>(options_.dampening), static_cast<float>(group.weight_decay),
                options_.nesterov},
               first);
    ++s.step;
  });
}

}  // namespace joule::optim
