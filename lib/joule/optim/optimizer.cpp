#include "joule/optim/optimizer.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace joule::optim {

std::vector<ParamGroup> single_group(std::vector<Tensor> params) {
  std::vector<ParamGroup> groups(1);
  groups[0].params = std::move(params);
  return groups;
}

void check_option(const std::string& optimizer, const std::string& option, double value,
                  double lo, double hi, bool hi_open) {
  const bool ok = std::isfinite(value) && value >= lo && (hi_open ? value < hi : value <= hi);
  if (ok) return;
  std::ostringstream rule;
  if (std::isinf(hi)) rule << ">= " << lo;
  else rule << "in [" << lo << ", " << hi << (hi_open ? ")" : "]");
  JOULE_CHECK(false, optimizer, ": ", option, " must be a finite number ", rule.str(), ", got ",
              value);
}

Optimizer::Optimizer(std::vector<ParamGroup> groups, double default_lr,
                     double default_weight_decay, const char* name)
    : groups_(std::move(groups)), name_(name) {
  JOULE_CHECK(!groups_.empty(), name, ": no parameter groups given");
  check_option(name_, "lr", default_lr, 0);
  check_option(name_, "weight_decay", default_weight_decay, 0);
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    ParamGroup& g = groups_[gi];
    if (g.lr < 0) g.lr = default_lr;
    if (g.weight_decay < 0) g.weight_decay = default_weight_decay;
    const std::string group = " of group " + std::to_string(gi);
    check_option(name_, "lr" + group, g.lr, 0);
    check_option(name_, "weight_decay" + group, g.weight_decay, 0);
    g.initial_lr = g.lr;
    g.state.assign(g.params.size(), ParamState{});
    for (const Tensor& p : g.params) {
      check_float(p, name, "parameter");
      JOULE_CHECK(p.is_contiguous(), name, ": parameter ", p.str(), " is not contiguous");
    }
  }
}

void Optimizer::zero_grad() {
  for (auto& g : groups_)
    for (auto& p : g.params) p.set_grad(Tensor());
}

void Optimizer::reset_state() {
  for (auto& g : groups_) g.state.assign(g.params.size(), ParamState{});
}

void Optimizer::check_grad(const Tensor& param, const Tensor& grad) const {
  JOULE_CHECK(grad.shape() == param.shape(), name_, ": gradient shape ", grad.shape(),
              " differs from parameter shape ", param.shape());
  JOULE_CHECK(grad.device() == param.device(), name_, ": gradient on ", grad.device(),
              ", parameter on ", param.device());
  JOULE_CHECK(grad.is_contiguous(), name_, ": gradient is not contiguous");
}

// ---- hooks -------------------------------------------------------------------------------------

HookHandle Optimizer::add_param_hook(const Tensor& param, ParamHook hook) {
  JOULE_CHECK(param.defined(), name_, ": add_param_hook: the parameter is undefined");
  bool held = false;
  for (const auto& g : groups_)
    for (const Tensor& p : g.params) held = held || p.same(param);
  JOULE_CHECK(held, name_, ": add_param_hook: ", param.str(),
              " is not a parameter of this optimizer");
  const uint64_t id = next_hook_id_++;
  hooks_[param.impl_ptr().get()].push_back({id, std::move(hook)});
  return HookHandle{id};
}

bool Optimizer::remove_param_hook(HookHandle handle) {
  for (auto it = hooks_.begin(); it != hooks_.end(); ++it) {
    auto& list = it->second;
    auto found = std::find_if(list.begin(), list.end(),
                              [&](const Installed& h) { return h.id == handle.id; });
    if (found == list.end()) continue;
    list.erase(found);
    if (list.empty()) hooks_.erase(it);  // keeps "no hooks" free for step()
    return true;
  }
  return false;
}

size_t Optimizer::remove_param_hooks(std::string_view tag) {
  size_t removed = 0;
  for (auto it = hooks_.begin(); it != hooks_.end();) {
    auto& list = it->second;
    const size_t before = list.size();
    std::erase_if(list, [&](const Installed& h) { return h.hook.tag == tag; });
    removed += before - list.size();
    it = list.empty() ? hooks_.erase(it) : std::next(it);
  }
  return removed;
}

bool Optimizer::has_param_hook(const Tensor& param, std::string_view tag) const {
  if (!param.defined()) return false;
  auto it = hooks_.find(param.impl_ptr().get());
  if (it == hooks_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const Installed& h) { return h.hook.tag == tag; });
}

size_t Optimizer::num_param_hooks() const {
  size_t n = 0;
  for (const auto& [impl, list] : hooks_) n += list.size();
  return n;
}

std::vector<Optimizer::Installed>* Optimizer::hooks_of(const Tensor& param) {
  auto it = hooks_.find(param.impl_ptr().get());
  return it == hooks_.end() ? nullptr : &it->second;
}

}  // namespace joule::optim
