// Tensor metadata and creation. Data-moving methods (copy_, fill_, contiguous, to, reshape, ...)
// live in ops/shape.cpp, beside the one place that dispatches between devices.
#include "joule/core/tensor.h"

#include <algorithm>
#include <cstring>
#include <ostream>

namespace joule {

size_t element_size(DType t) { return t == DType::Float32 ? sizeof(float) : sizeof(int64_t); }
const char* dtype_name(DType t) { return t == DType::Float32 ? "float32" : "int64"; }

namespace {
std::shared_ptr<TensorImpl> make_impl(const Shape& shape, DType dtype, Device device) {
  for (int64_t d : shape.dims())
    JOULE_CHECK(d >= 0, "Tensor::empty: negative size in shape ", shape);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(static_cast<size_t>(shape.numel()) * element_size(dtype),
                                            device);
  impl->shape = shape;
  impl->strides = shape.contiguous_strides();
  impl->dtype = dtype;
  return impl;
}
}  // namespace

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  return Tensor(make_impl(shape, dtype, device));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, Device::cpu());
  if (t.numel()) std::memset(t.raw_data(), 0, static_cast<size_t>(t.numel()) * element_size(dtype));
  return device.is_cpu() ? t : t.to(device);
}

Tensor Tensor::full(const Shape& shape, float value, Device device) {
  Tensor t = empty(shape, DType::Float32, Device::cpu());
  std::fill_n(t.data<float>(), t.numel(), value);
  return device.is_cpu() ? t : t.to(device);
}

Tensor Tensor::ones(const Shape& shape, Device device) { return full(shape, 1.f, device); }
Tensor Tensor::scalar(float value, Device device) { return full(Shape{}, value, device); }

Tensor Tensor::from_data(const float* data, const Shape& shape) {
  Tensor t = empty(shape);
  if (t.numel()) std::memcpy(t.data<float>(), data, static_cast<size_t>(t.numel()) * sizeof(float));
  return t;
}

Tensor Tensor::from_vector(const std::vector<float>& data, const Shape& shape) {
  JOULE_CHECK(static_cast<int64_t>(data.size()) == shape.numel(), "Tensor::from_vector: ",
              data.size(), " values cannot fill shape ", shape, " (", shape.numel(), " elements)");
  return from_data(data.data(), shape);
}

Tensor Tensor::from_vector(const std::vector<int64_t>& data, const Shape& shape) {
  JOULE_CHECK(static_cast<int64_t>(data.size()) == shape.numel(), "Tensor::from_vector: ",
              data.size(), " values cannot fill shape ", shape, " (", shape.numel(), " elements)");
  Tensor t = empty(shape, DType::Int64);
  std::copy(data.begin(), data.end(), t.data<int64_t>());
  return t;
}

Tensor Tensor::labels(const std::vector<int64_t>& data) {
  return from_vector(data, Shape{static_cast<int64_t>(data.size())});
}

Tensor Tensor::arange(int64_t n) {
  Tensor t = empty(Shape{n}, DType::Int64);
  int64_t* p = t.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  return t;
}

Tensor Tensor::randn(const Shape& shape, Generator& gen, float mean, float stddev) {
  Tensor t = empty(shape);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = mean + stddev * gen.normal();
  return t;
}

Tensor Tensor::uniform(const Shape& shape, Generator& gen, float low, float high) {
  JOULE_CHECK(low <= high, "Tensor::uniform: low ", low, " > high ", high);
  Tensor t = empty(shape);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = low + (high - low) * gen.uniform01();
  return t;
}

bool Tensor::is_contiguous() const {
  const auto& st = strides();
  int64_t expected = 1;
  for (int64_t i = dim(); i-- > 0;) {
    if (shape()[i] != 1 && st[static_cast<size_t>(i)] != expected) return false;
    expected *= shape()[i];
  }
  return true;
}

std::string Tensor::str() const {
  if (!defined()) return "Tensor(undefined)";
  return "Tensor" + shape().str() + " " + dtype_name(dtype()) + " " + device().str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

void* Tensor::raw_data() const {
  const TensorImpl& i = impl();
  if (!i.storage || !i.storage->data()) return nullptr;
  return static_cast<char*>(i.storage->data()) + i.offset * static_cast<int64_t>(element_size(i.dtype));
}

float Tensor::item() const {
  JOULE_CHECK(defined() && numel() == 1, "item: needs a one-element tensor, got ", str());
  JOULE_CHECK(dtype() == DType::Float32, "item: needs a float32 tensor, got ", str());
  if (device().is_cpu()) return *data<float>();
  return to(Device::cpu()).item();
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  Tensor c = contiguous().to(Device::cpu());
  const T* p = c.data<T>();
  return std::vector<T>(p, p + c.numel());
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;

Tensor& Tensor::set_requires_grad(bool on) {
  JOULE_CHECK(!on || dtype() == DType::Float32, "set_requires_grad: only float32 tensors can "
              "require grad, this one is ", dtype_name(dtype()));
  JOULE_CHECK(is_leaf() || on, "set_requires_grad(false): only leaf tensors can stop requiring "
              "grad; use detach() on the result of an op");
  impl().requires_grad = on;
  return *this;
}

Tensor Tensor::detach() const {
  auto d = std::make_shared<TensorImpl>();
  const TensorImpl& s = impl();
  d->storage = s.storage;
  d->offset = s.offset;
  d->shape = s.shape;
  d->strides = s.strides;
  d->dtype = s.dtype;
  return Tensor(d);
}

void check_float(const Tensor& t, const char* op, const char* what) {
  JOULE_CHECK(t.defined(), op, ": ", what, " is an undefined tensor");
  JOULE_CHECK(t.dtype() == DType::Float32, op, ": ", what, " must be float32, got ", t.str());
}

void check_same_device(const Tensor& a, const Tensor& b, const char* op) {
  JOULE_CHECK(a.device() == b.device(), op, ": tensors are on different devices: ", a.device(),
              " and ", b.device(), "; move one with .to(device)");
}

}  // namespace joule
