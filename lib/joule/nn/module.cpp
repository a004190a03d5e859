#include "joule/nn/module.h"

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

namespace {
// Gives `t`'s TensorImpl the storage of its copy on `device` (same shape, contiguous).
void move_in_place(const Tensor& t, Device device) {
  if (!t.defined() || t.device() == device) return;
  Tensor moved = t.detach().to(device);
  TensorImpl& impl = t.impl();
  impl.storage = moved.impl().storage;
  impl.offset = moved.impl().offset;
  impl.strides = moved.impl().strides;
}
}  // namespace

Module& Module::to(Device device) {
  for (const auto& [name, t] : state()) {
    move_in_place(t, device);
    move_in_place(t.grad(), device);
    move_in_place(t.mask(), device);
  }
  return *this;
}

void Module::zero_grad() {
  for (auto& [n, t] : named_parameters()) t.set_grad(Tensor());
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
