// Dropout: inverted dropout in training mode, the identity in evaluation mode. The layer owns its
// Generator, seeded at construction, so a seed reproduces the masks; generator() exposes it for
// checkpoints (Generator::state / set_state).
#pragma once

#include "joule/nn/module.h"

namespace joule::nn {

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, uint64_t seed = 0);
  Tensor forward(const Tensor& x) override;
  std::string repr() const override;

  double p() const { return p_; }
  Generator& generator() { return gen_; }
  const Generator& generator() const { return gen_; }

 private:
  double p_;
  Generator gen_;
};

}  // namespace joule::nn
