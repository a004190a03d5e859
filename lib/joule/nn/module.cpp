#include "joule/nn/module.h"

#include <algorithm>

namespace joule::nn {

namespace {
void check_name(const std::string& name, const NamedTensors& a, const NamedTensors& b) {
  JOULE_CHECK(!name.empty() && name.find('.') == std::string::npos, "Module: invalid name '",
              name, "' (must be non-empty and contain no '.')");
  for (const auto* list : {&a, &b})
    for (const auto& [n, t] : *list)
      JOULE_CHECK(n != name, "Module: name '", name, "' is already registered");
}
}  // namespace

Tensor Module::register_parameter(const std::string& name, Tensor t, bool requires_grad) {
  check_name(name, params_, buffers_);
  check_float(t, "register_parameter", name.c_str());
  t.set_requires_grad(requires_grad);
  params_.emplace_back(name, std::move(t));
  return params_.back().second;
}

Tensor Module::register_buffer(const std::string& name, Tensor t) {
  check_name(name, params_, buffers_);
  buffers_.emplace_back(name, std::move(t));
  return buffers_.back().second;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> m) {
  JOULE_CHECK(m != nullptr, "register_module: module '", name, "' is null");
  check_name(name, params_, buffers_);
  for (const auto& [n, c] : children_)
    JOULE_CHECK(n != name, "register_module: name '", name, "' is already registered");
  children_.emplace_back(name, std::move(m));
}

void Module::collect(const std::string& prefix, bool params, NamedTensors& out) const {
  for (const auto& [n, t] : params ? params_ : buffers_) out.emplace_back(prefix + n, t);
  for (const auto& [n, c] : children_) c->collect(prefix + n + ".", params, out);
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect("", true, out);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect("", false, out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters()) out.push_back(t);
  return out;
}

NamedTensors Module::state() const {
  NamedTensors out = named_parameters();
  for (auto& nt : named_buffers()) out.push_back(nt);
  return out;
}

Tensor Module::parameter(const std::string& name) const {
  std::string known;
  for (const auto& [n, t] : state()) {
    if (n == name) return t;
    known += (known.empty() ? "" : ", ") + n;
  }
  JOULE_CHECK(false, "Module: no parameter or buffer named '", name, "'; known: ", known);
  return Tensor();
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const auto& [name, t] : named_parameters()) n += t.numel();
  return n;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, c] : children_) c->train(on);
}

void move_in_place(const Tensor& t, Device device) {
  if (!t.defined() || t.device() == device) return;
  Tensor moved = t.detach().to(device);
  TensorImpl& impl = t.impl();
  impl.storage = moved.impl().storage;
  impl.offset = moved.impl().offset;
  impl.strides = moved.impl().strides;
}


Module& Module::to(Device device) {
  for (const auto& [name, t] : state()) {
    move_in_place(t, device);
    move_in_place(t.grad(), device);
  }
  notify_moved(device);
  return *this;
}

void Module::notify_moved(Device device) {
  on_moved(device);
  for (auto& [name, child] : children_) child->notify_moved(device);
}

void Module::zero_grad() {
  for (auto& [n, t] : named_parameters()) t.set_grad(Tensor());
}

std::pair<const Module*, std::string> Module::owner_of(const std::string& name) const {
  const Module* owner = this;
  std::string rest = name;
  for (size_t dot = rest.find('.'); dot != std::string::npos && owner; dot = rest.find('.')) {
    const std::string child = rest.substr(0, dot);
    const Module* next = nullptr;
    for (const auto& [n, c] : owner->children_)
      if (n == child) next = c.get();
    owner = next;
    rest = rest.substr(dot + 1);
  }
  return {owner, rest};
}

Tensor Module::buffer(const std::string& name) const {
  auto [owner, local] = owner_of(name);
  if (owner)
    for (const auto& [n, t] : owner->buffers_)
      if (n == local) return t;
  return Tensor();
}

Tensor Module::add_buffer(const std::string& name, Tensor t) {
  auto [owner, local] = owner_of(name);
  JOULE_CHECK(owner != nullptr, "add_buffer: no module on the path of '", name, "'");
  // owner_of walks this module's own children, which this non-const call may change.
  return const_cast<Module*>(owner)->register_buffer(local, std::move(t));
}

void Module::remove_buffer(const std::string& name) {
  auto [owner, local] = owner_of(name);
  JOULE_CHECK(owner != nullptr, "remove_buffer: no module on the path of '", name, "'");
  auto& bufs = const_cast<Module*>(owner)->buffers_;
  auto it = std::find_if(bufs.begin(), bufs.end(),
                         [&](const auto& nt) { return nt.first == local; });
  JOULE_CHECK(it != bufs.end(), "remove_buffer: no buffer named '", name, "'");
  bufs.erase(it);
}

std::string Module::describe(int indent) const {
  std::string pad(static_cast<size_t>(indent), ' ');
  std::string s = repr();
  if (children_.empty()) return s;
  s += " {\n";
  for (const auto& [n, c] : children_) s += pad + "  (" + n + "): " + c->describe(indent + 2) + "\n";
  return s + pad + "}";
}

}  // namespace joule::nn

namespace joule::nn {

void Module::state_loaded() {
  on_state_loaded();
  for (auto& [name, child] : children_) child->state_loaded();
}

}  // namespace joule::nn
