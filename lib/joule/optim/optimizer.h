// Optimizer base: parameter groups with their own learning rate and weight decay (as
// torch.optim's param_groups), per-parameter state, zero_grad.
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

 protected:
  Optimizer(std::vector<ParamGroup> groups, double default_lr, double default_weight_decay,
            const char* name);
  // Calls f(param, grad, state, group) for every parameter that has a gradient.
  template <class F>
  void for_each_with_grad(F f) {
    for (auto& g : groups_)
      for (size_t i = 0; i < g.params.size(); ++i) {
        Tensor grad = g.params[i].grad();
        if (grad.defined()) f(g.params[i], grad, g.state[i], g);
      }
  }
  // Throws unless grad matches param (shape, device, contiguity); names the optimizer.
  void check_grad(const Tensor& param, const Tensor& grad) const;

 private:
  std::vector<ParamGroup> groups_;
  const char* name_;
};

}  // namespace joule::optim
