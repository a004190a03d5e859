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
    move_in_place(t.mask(), device);
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

std::pair<Module*, std::string> Module::owner_of_parameter(const std::string& name,
                                                           const char* op) {
  Module* owner = this;
  std::string rest = name;
  for (size_t dot = rest.find('.'); dot != std::string::npos && owner; dot = rest.find('.')) {
    const std::string child = rest.substr(0, dot);
    Module* next = nullptr;
    for (const auto& [n, c] : owner->children_)
      if (n == child) next = c.get();
    owner = next;
    rest = rest.substr(dot + 1);
  }
  if (owner)
    for (const auto& [n, t] : owner->params_)
      if (n == rest) return {owner, rest};
  std::string known;
  for (const auto& [n, t] : named_parameters()) known += (known.empty() ? "" : ", ") + n;
  JOULE_CHECK(false, op, ": no parameter named '", name, "'; parameters: ", known);
  return {nullptr, ""};
}

Tensor Module::register_mask(const std::string& param_name) {
  auto [owner, local] = owner_of_parameter(param_name, "register_mask");
  const std::string buffer = local + "_mask";
  Tensor param;
  for (const auto& [n, t] : owner->params_)
    if (n == local) param = t;
  for (const auto& [n, t] : owner->buffers_)
    if (n == buffer) {
      JOULE_CHECK(t.dtype() == DType::Float32 && t.shape() == param.shape(), "register_mask: '",
                  param_name, "' has a buffer '", buffer, "' that is not a mask of its shape ",
                  param.shape(), ": ", t.str());
      param.set_mask(t);
      return t;
    }
  Tensor mask = param.mask();
  if (mask.defined())
    JOULE_CHECK(mask.dtype() == DType::Float32 && mask.shape() == param.shape() &&
                    mask.device() == param.device(),
                "register_mask: the mask attached to '", param_name, "' ", param.str(),
                " does not match it: ", mask.str());
  else
    mask = Tensor::ones(param.shape(), param.device());
  owner->register_buffer(buffer, mask);
  param.set_mask(mask);
  return mask;
}

void Module::remove_mask(const std::string& param_name) {
  auto [owner, local] = owner_of_parameter(param_name, "remove_mask");
  const std::string buffer = local + "_mask";
  auto& bufs = owner->buffers_;
  auto it = std::find_if(bufs.begin(), bufs.end(),
                         [&](const auto& nt) { return nt.first == buffer; });
  JOULE_CHECK(it != bufs.end(), "remove_mask: parameter '", param_name, "' has no mask");
  bufs.erase(it);
  for (auto& [n, t] : owner->params_)
    if (n == local) t.set_mask(Tensor());
}

NamedTensors Module::named_masks() const {
  NamedTensors out;
  for (auto& [n, t] : named_parameters())
    if (t.mask().defined()) out.emplace_back(n, t.mask());
  return out;
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
