// Activation and reshaping modules (no parameters).
#pragma once

#include "joule/nn/module.h"

namespace joule::nn {

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string repr() const override { return "ReLU()"; }
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string repr() const override { return "Tanh()"; }
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string repr() const override { return "Sigmoid()"; }
};

class GELU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string repr() const override { return "GELU()"; }
};

class Softmax : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string repr() const override { return "Softmax(dim=-1)"; }
};

// (N, d1, d2, ...) -> (N, d1*d2*...)
class Flatten : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x.flatten(1); }
  std::string repr() const override { return "Flatten()"; }
};

}  // namespace joule::nn
