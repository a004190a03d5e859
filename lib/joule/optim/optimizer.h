// Optimizer base: parameter groups with their own learning rate and weight decay (as
// torch.optim's param_groups), per-parameter state, zero_grad, per-parameter hooks, and a
// description of itself (type, options, state buffer names) that checkpoints save and load.
//
// Per-parameter hooks: any code may install a ParamHook on one parameter with add_param_hook and
// drop it with the returned handle. At every step() that updates the parameter (it has a
// gradient), its hooks run in installation order: before_update(param, grad) returns the gradient
// the update sees (it may set param's gradient too), and after_update(param, state) may edit the
// updated parameter and its state buffers in place. A hook carries a tag naming its installer so
// that code can find its own hooks again (has_param_hook) and install them only once. This is how
// features reach into the update without living in optim/: pruning (prune/mask.h) installs hooks
// that keep masked weights and their state at zero. With no hook installed, step() pays one
// emptiness check; with hooks, one hash lookup per parameter. Hooks must not add or remove hooks.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "joule/core/tensor.h"

namespace joule::optim {

// Per-parameter optimizer state: up to two buffers (momentum, or Adam's m and v) and a step count.
// Which buffer is which, by name, is the optimizer's state_names().
struct ParamState {
  Tensor buf1, buf2;
  int64_t step = 0;
  // buf1 (i = 0) or buf2 (i = 1).
  Tensor& buffer(size_t i) { return i == 0 ? buf1 : buf2; }
  const Tensor& buffer(size_t i) const { return i == 0 ? buf1 : buf2; }
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

// An optimizer's options by name ("lr", "momentum", "nesterov" as 0/1, ...), in a fixed order.
using OptionValues = std::vector<std::pair<std::string, double>>;

// Hooks run for one parameter around its update; either may be empty.
struct ParamHook {
  // Before the update: returns the gradient the update sees (`grad` itself to leave it alone).
  std::function<Tensor(Tensor& param, const Tensor& grad)> before_update = nullptr;
  // After the update: may change the parameter and its state buffers in place.
  std::function<void(Tensor& param, ParamState& state)> after_update = nullptr;
  std::string tag = "";  // who installed it, e.g. "prune"
};

// Names one installed hook; 0 is no hook.
struct HookHandle {
  uint64_t id = 0;
};

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

  // ---- description: what a checkpoint saves and restores without knowing the type ----------
  // The type, e.g. "SGD", "AdamW".
  const std::string& type() const { return name_; }
  // The names of the per-parameter state buffers in use, buf1's first: SGD {"momentum_buffer"},
  // Adam {"exp_avg", "exp_avg_sq"}; at most two. ParamState::step is always kept.
  virtual std::vector<std::string> state_names() const = 0;
  // The options, name -> value; "lr" and "weight_decay" are the defaults of the groups.
  virtual OptionValues options_by_name() const = 0;
  // Sets the named options (a subset of options_by_name()); checks them all as the constructor
  // does, and changes nothing when one is unknown or out of range.
  virtual void set_options(const OptionValues& values) = 0;

  // ---- per-parameter hooks (see the top of this file) --------------------------------------
  // Installs `hook` on `param`, which must be one of this optimizer's parameters.
  HookHandle add_param_hook(const Tensor& param, ParamHook hook);
  // Drops the hook; false when it was already gone.
  bool remove_param_hook(HookHandle handle);
  // Drops every hook tagged `tag`; returns how many.
  size_t remove_param_hooks(std::string_view tag);
  // True when `param` has a hook tagged `tag`.
  bool has_param_hook(const Tensor& param, std::string_view tag) const;
  size_t num_param_hooks() const;

 protected:
  Optimizer(std::vector<ParamGroup> groups, double default_lr, double default_weight_decay,
            const char* name);
  // Calls f(param, grad, state, group) for every parameter that has a gradient, with the
  // parameter's hooks around it: the gradient f sees is what the before_update hooks return.
  template <class F>
  void for_each_with_grad(F f) {
    const bool hooked = !hooks_.empty();
    for (auto& g : groups_)
      for (size_t i = 0; i < g.params.size(); ++i) {
        Tensor& p = g.params[i];
        Tensor grad = p.grad();
        if (!grad.defined()) continue;
        std::vector<Installed>* hooks = hooked ? hooks_of(p) : nullptr;
        if (hooks)
          for (Installed& h : *hooks)
            if (h.hook.before_update) grad = h.hook.before_update(p, grad);
        f(p, grad, g.state[i], g);
        if (hooks)
          for (Installed& h : *hooks)
            if (h.hook.after_update) h.hook.after_update(p, g.state[i]);
      }
  }
  // Throws unless grad matches param (shape, device, contiguity); names the optimizer.
  void check_grad(const Tensor& param, const Tensor& grad) const;

 private:
  struct Installed {
    uint64_t id;
    ParamHook hook;
  };
  // The hooks of `param`, or null when it has none.
  std::vector<Installed>* hooks_of(const Tensor& param);

  std::vector<ParamGroup> groups_;
  std::string name_;
  std::unordered_map<const TensorImpl*, std::vector<Installed>> hooks_;
  uint64_t next_hook_id_ = 1;
};

// Throws unless `value` is finite and in [lo, hi] ([lo, hi) when hi_open); the message names the
// optimizer, the option, the rule and the value: "SGD: momentum must be a finite number >= 0,
// got nan".
void check_option(const std::string& optimizer, const std::string& option, double value,
                  double lo, double hi = std::numeric_limits<double>::infinity(),
                  bool hi_open = false);

}  // namespace joule::optim
