// Adam (L2 weight decay added to the gradient) and AdamW (decoupled weight decay), with
// torch.optim's defaults: betas (0.9, 0.999), eps 1e-8; AdamW's weight_decay 1e-2.
#pragma once

#include "joule/optim/optimizer.h"

namespace joule::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& options);
  Adam(std::vector<ParamGroup> groups, const AdamOptions& options);
  void step() override;
  const AdamOptions& options() const { return options_; }
  // {"exp_avg", "exp_avg_sq"}
  std::vector<std::string> state_names() const override;
  // lr, beta1, beta2, eps, weight_decay
  OptionValues options_by_name() const override;
  void set_options(const OptionValues& values) override;

 protected:
  Adam(std::vector<ParamGroup> groups, const AdamOptions& options, bool decoupled,
       const char* name);

 private:
  AdamOptions options_;
  bool decoupled_;
};

struct AdamWOptions : AdamOptions {
  AdamWOptions() { weight_decay = 1e-2; }
};

class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, const AdamWOptions& options);
  AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options);
};

}  // namespace joule::optim
