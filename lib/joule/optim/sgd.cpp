#include "joule/optim/sgd.h"

#include "joule/ops/optim_update.h"

namespace joule::optim {

SGD::SGD(std::vector<Tensor> params, const SGDOptions& o)
    : SGD(single_group(std::move(params)), o) {}

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& o)
    : Optimizer(std::move(groups), o.lr, o.weight_decay, "SGD"), options_(o) {
  JOULE_CHECK(o.momentum >= 0, "SGD: momentum must be >= 0, got ", o.momentum);
  JOULE_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0),
              "SGD: Nesterov momentum needs momentum > 0 and dampening 0, got momentum=",
              o.momentum, " dampening=", o.dampening);
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
