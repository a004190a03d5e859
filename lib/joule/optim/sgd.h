// SGD with momentum, dampening, Nesterov and (coupled) weight decay: torch.optim.SGD.
#pragma once

#include "joule/optim/optimizer.h"

namespace joule::optim {

struct SGDOptions {
  double lr = 0.01;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& options);
  SGD(std::vector<ParamGroup> groups, const SGDOptions& options);
  void step() override;
  const SGDOptions& options() const { return options_; }
  // {"momentum_buffer"}
  std::vector<std::string> state_names() const override;
  // lr, momentum, dampening, weight_decay, nesterov (0/1)
  OptionValues options_by_name() const override;
  void set_options(const OptionValues& values) override;

 private:
  SGDOptions options_;
};

}  // namespace joule::optim
