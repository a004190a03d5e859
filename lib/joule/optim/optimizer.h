// Optimizer base: parameter groups with their own learning rate and weight decay (as
// torch.optim's param_groups), per-parameter state, zero_grad, and the pruning-mask hook: a
// parameter that carries a mask (Tensor::mask(), see prune/mask.h) has the masked entries of its
// gradient zeroed before the update and those of the parameter and its state buffers after it,
// so a pruned weight stays exactly 0 and its momentum / Adam moments stay 0.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "joule/core/tensor.h"

namespace joule::optim {

// Per-parameter optimizer state: up to two buffers (momentum, or Adam's m and v) and a step count.
struct ParamState {
  Tensor buf1, buf2;
  int64_t step = 0;
};

struct ParamGroup {
  std::vector<Tensor> params;
  double lr = -1;            // < 0: the optimizer's default
  double weight_decay = -1;  // < 0: the optimizer's default
  double initial_lr = -1;    // set at construction; schedules scale from it
  std::vector<ParamState> state;
};

// One group holding `params`, with the optimizer's defaults.
std::vector<ParamGroup> single_group(std::vector<Tensor> params);

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual void step() = 0;
  // Sets every parameter's gradient to undefined (PyTorch's set_to_none=True default).
  void zero_grad();
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  double lr() const { return groups_.empty() ? 0.0 : groups_.front().lr; }
  // Forgets every parameter's state (momentum, Adam's moments, step counts), as a fresh optimizer
  // over the same groups would start; learning rates stay. Used by lottery-ticket rewinding.
  void reset_state();

 protected:
  Optimizer(std::vector<ParamGroup> groups, double default_lr, double default_weight_decay,
            const char* name);
  // Calls f(param, grad, state, group) for every parameter that has a gradient. For a parameter
  // with a mask, the gradient f sees (and param.grad()) has its masked entries zeroed, and after f
  // the masked entries of the parameter and of state.buf1/buf2 are zeroed; without a mask this
  // adds nothing but a null check.
  template <class F>
  void for_each_with_grad(F f) {
    for (auto& g : groups_)
      for (size_t i = 0; i < g.params.size(); ++i) {
        Tensor& p = g.params[i];
        Tensor grad = p.grad();
        if (!grad.defined()) continue;
        const bool masked = p.impl().mask != nullptr;
        if (masked) grad = mask_gradient(p, grad);
        f(p, grad, g.state[i], g);
        if (masked) mask_after_step(p, g.state[i]);
      }
  }
  // Throws unless grad matches param (shape, device, contiguity); names the optimizer.
  void check_grad(const Tensor& param, const Tensor& grad) const;
  // The gradient times the parameter's mask, also set as the parameter's gradient (a new tensor:
  // the old one may be shared with another leaf, so it is not changed in place).
  Tensor mask_gradient(Tensor& param, const Tensor& grad) const;
  // Zeroes the masked entries of the parameter and of its state buffers, in place.
  void mask_after_step(Tensor& param, ParamState& state) const;

 private:
  std::vector<ParamGroup> groups_;
  const char* name_;
};

}  // namespace joule::optim
