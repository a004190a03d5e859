// Linear: y = x·Wᵀ + b, with PyTorch's initialisation (Kaiming-uniform weight, a = sqrt(5);
// bias uniform in ±1/sqrt(in)).
#pragma once

#include "joule/nn/module.h"

namespace joule::nn {

struct LinearOptions {
  int64_t in = 0, out = 0;
  bool bias = true;
};

class Linear : public Module {
 public:
  Linear(const LinearOptions& options, Generator& gen);
  Linear(int64_t in, int64_t out, Generator& gen) : Linear(LinearOptions{in, out, true}, gen) {}
  Tensor forward(const Tensor& x) override;
  std::string repr() const override;

  const LinearOptions& options() const { return options_; }
  Tensor weight() const { return weight_; }
  Tensor bias() const { return bias_; }

 private:
  LinearOptions options_;
  Tensor weight_, bias_;
};

}  // namespace joule::nn
