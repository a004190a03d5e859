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
  // Tells this module and its children that their tensors were overwritten in place (by
  // io::load_checkpoint), so modules holding state derived from them refresh it.
  void state_loaded();

  // ---- pruning masks (lib/joule/prune/ builds on these) ------------------------------------
  // The mask of parameter `param_name` (dotted): a 0/1 float32 buffer "<name>_mask" registered on
  // the module that owns the parameter ("0.weight" gets "0.weight_mask") and attached to the
  // parameter (Tensor::mask()), so optimizers keep its pruned entries at zero. The buffer IS the
  // mask tensor: a checkpoint saves it, and loading one restores it in place. The first call
  // registers an all-ones mask (or the one already attached with Tensor::set_mask); later calls
  // return the same tensor. Throws naming the parameter when there is none of that name.
  Tensor register_mask(const std::string& param_name);
  // Drops the mask buffer and detaches the mask from the parameter; the parameter's values stay.
  // Throws when the parameter has no registered mask.
  void remove_mask(const std::string& param_name);
  // The parameters that carry a mask, each with its mask, in registration order.
  NamedTensors named_masks() const;

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
  // The module that owns the dotted parameter `name` and the parameter's local name; throws
  // naming `op` and listing the known parameters when there is none.
  std::pair<Module*, std::string> owner_of_parameter(const std::string& name, const char* op);

  NamedTensors params_, buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// Gives `t`'s TensorImpl the storage of its copy on `device` (same shape, contiguous), so every
// handle to it (optimizers, masks, patterns) sees the move. Undefined tensors are left alone.
void move_in_place(const Tensor& t, Device device);

}  // namespace joule::nn
