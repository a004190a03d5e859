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

// Unflatten(1, {1, 28, 28}): (N, 784) -> (N, 1, 28, 28), as torch.nn.Unflatten.
class Unflatten : public Module {
 public:
  Unflatten(int64_t dim, Shape sizes) : dim_(dim), sizes_(std::move(sizes)) {}
  Tensor forward(const Tensor& x) override;
  std::string repr() const override { return "Unflatten(dim=" + std::to_string(dim_) + ", " + sizes_.str() + ")"; }
  int64_t dim() const { return dim_; }
  const Shape& sizes() const { return sizes_; }

 private:
  int64_t dim_;
  Shape sizes_;
};

}  // namespace joule::nn
