#include "joule/nn/freeze.h"

namespace joule::nn {

namespace {

std::string known_names(const NamedTensors& params) {
  std::string s;
  for (const auto& [n, t] : params) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "(none)" : s;
}

std::vector<std::string> set_trainable(Module& module, const std::vector<std::string>& prefixes,
                                       bool on, const char* op) {
  const NamedTensors params = module.named_parameters();
  std::vector<bool> chosen(params.size(), false);
  for (const std::string& prefix : prefixes) {
    bool any = false;
    for (size_t i = 0; i < params.size(); ++i)
      if (name_under(params[i].first, prefix)) chosen[i] = any = true;
    JOULE_CHECK(any, op, ": no parameter under '", prefix, "'; known: ", known_names(params));
  }
  std::vector<std::string> changed;
  for (size_t i = 0; i < params.size(); ++i) {
    if (!chosen[i]) continue;
    Tensor t = params[i].second;
    t.set_requires_grad(on);
    if (!on) t.set_grad(Tensor());  // a frozen parameter keeps no gradient either
    changed.push_back(params[i].first);
  }
  return changed;
}

}  // namespace

bool name_under(const std::string& name, const std::string& prefix) {
  if (prefix.empty() || name == prefix) return true;
  return name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
         name[prefix.size()] == '.';
}

std::vector<std::string> freeze(Module& module, const std::vector<std::string>& prefixes) {
  return set_trainable(module, prefixes, false, "freeze");
}

std::vector<std::string> unfreeze(Module& module, const std::vector<std::string>& prefixes) {
  return set_trainable(module, prefixes, true, "unfreeze");
}

std::vector<std::string> freeze_all_but(Module& module, const std::vector<std::string>& keep) {
  const NamedTensors params = module.named_parameters();
  for (const std::string& prefix : keep) {
    bool any = false;
    for (const auto& [n, t] : params) any = any || name_under(n, prefix);
    JOULE_CHECK(any, "freeze_all_but: no parameter under '", prefix, "'; known: ",
                known_names(params));
  }
  std::vector<std::string> frozen;
  for (const auto& [n, t] : params) {
    bool kept = false;
    for (const std::string& prefix : keep) kept = kept || name_under(n, prefix);
    if (!kept) frozen.push_back(n);
  }
  if (!frozen.empty()) freeze(module, frozen);
  return frozen;
}

std::vector<std::string> trainable_names(const Module& module) {
  std::vector<std::string> out;
  for (const auto& [n, t] : module.named_parameters())
    if (t.requires_grad()) out.push_back(n);
  return out;
}

std::vector<std::string> frozen_names(const Module& module) {
  std::vector<std::string> out;
  for (const auto& [n, t] : module.named_parameters())
    if (!t.requires_grad()) out.push_back(n);
  return out;
}

std::vector<Tensor> trainable_parameters(const Module& module) {
  std::vector<Tensor> out;
  for (const auto& [n, t] : module.named_parameters())
    if (t.requires_grad()) out.push_back(t);
  return out;
}

int64_t num_trainable(const Module& module) {
  int64_t n = 0;
  for (const auto& [name, t] : module.named_parameters())
    if (t.requires_grad()) n += t.numel();
  return n;
}

}  // namespace joule::nn
