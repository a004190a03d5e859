// Module: the base of every layer and model. It owns named parameters (trainable tensors),
// buffers (state that is saved but not trained, e.g. running statistics) and child modules;
// names are dotted paths ("0.weight", "features.3.bias") that checkpoints, freezing and pruning
// use to refer to tensors.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "joule/core/tensor.h"

namespace joule::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }
  // The layer's type and options, e.g. "Linear(in=784, out=256, bias=true)".
  virtual std::string repr() const = 0;

  // Parameters and buffers of this module and all children, in registration order.
  NamedTensors named_parameters() const;
  NamedTensors named_buffers() const;
  std::vector<Tensor> parameters() const;
  // Parameters followed by buffers: everything a checkpoint holds.
  NamedTensors state() const;
  // The tensor registered under a dotted name; throws listing close names when absent.
  Tensor parameter(const std::string& name) const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const {
    return children_;
  }
  int64_t num_parameters() const;

  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Sets every parameter's gradient to undefined (PyTorch's set_to_none).
  void zero_grad();
  // Moves every parameter and buffer of this module and its children to `device`, in place: the
  // same Tensor objects now hold their data there (with their gradients and pruning masks), so
  // an optimizer holding them, made before or after, keeps working. Optimizer state made
  // before (momentum buffers) is not moved: move the model before the first step.
  Module& to(Device device);
  // Multi-line description of the module tree.
  std::string describe(int indent = 0) const;

 protected:
  Tensor register_parameter(const std::string& name, Tensor t, bool requires_grad = true);
  Tensor register_buffer(const std::string& name, Tensor t);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    add_child(name, m);
    return m;
  }

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> m);
  void collect(const std::string& prefix, bool params, NamedTensors& out) const;

  NamedTensors params_, buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace joule::nn
