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
  // same Tensor objects now hold their data there (with their gradients), so
  // an optimizer holding them, made before or after, keeps working. Optimizer state made
  // before (momentum buffers) is not moved: move the model before the first step.
  Module& to(Device device);
  // Multi-line description of the module tree.
  std::string describe(int indent = 0) const;
  // Tells this module and its children that their tensors were overwritten in place (by
  // io::load_checkpoint), so modules holding state derived from them refresh it.
  void state_loaded();

  // ---- buffers by dotted name, for code that keeps state beside a layer's parameters --------
  // `name` is dotted: "0.running_mean" is the buffer "running_mean" of child "0".
  // The buffer `name`, or an undefined tensor when there is none (parameters are not returned).
  Tensor buffer(const std::string& name) const;
  // Registers `t` as buffer `name` on the module the dotted prefix names (the root when there is
  // no dot) and returns it; throws naming the path when no such child exists or the name is taken.
  Tensor add_buffer(const std::string& name, Tensor t);
  // Drops buffer `name`; throws naming it when there is none.
  void remove_buffer(const std::string& name);

 protected:
  // Refreshes state derived from parameters/buffers (e.g. SparseLinear's CSC view).
  virtual void on_state_loaded() {}
  // Called on every module after to(device) moved the tensors (e.g. SparseLinear keeps its
  // pattern on the host and mirrors it on the device).
  virtual void on_moved(Device) {}
  Tensor register_parameter(const std::string& name, Tensor t, bool requires_grad = true);
  Tensor register_buffer(const std::string& name, Tensor t);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    add_child(name, m);
    return m;
  }

 private:
  void notify_moved(Device device);
  void add_child(const std::string& name, std::shared_ptr<Module> m);
  void collect(const std::string& prefix, bool params, NamedTensors& out) const;
  // The module the dotted prefix of `name` names and the last component ("0.weight" -> child
  // "0", "weight"); null when a child on the path is missing.
  std::pair<const Module*, std::string> owner_of(const std::string& name) const;

  NamedTensors params_, buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// Gives `t`'s TensorImpl the storage of its copy on `device` (same shape, contiguous), so every
// handle to it (optimizers, buffers, patterns) sees the move. Undefined tensors are left alone.
void move_in_place(const Tensor& t, Device device);

}  // namespace joule::nn
