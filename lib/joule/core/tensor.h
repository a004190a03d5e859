// Tensor: a shared handle to an n-dimensional view (shape, strides, offset) of a Storage, with the
// autograd fields PyTorch users expect (requires_grad, grad, grad_fn). Copying a Tensor copies the
// handle, not the data; clone() copies the data.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "joule/core/check.h"
#include "joule/core/device.h"
#include "joule/core/generator.h"
#include "joule/core/shape.h"
#include "joule/core/storage.h"

namespace joule {

enum class DType { Float32, Int64 };
size_t element_size(DType t);
const char* dtype_name(DType t);

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::Float32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::Int64; }

namespace autograd { struct Node; struct LeafHooks; }
class Tensor;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in elements
  Shape shape;
  std::vector<int64_t> strides;  // in elements
  DType dtype = DType::Float32;
  // autograd
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;
  std::shared_ptr<autograd::Node> grad_fn;
  // hooks run when a backward pass has finished accumulating this leaf's gradient
  // (autograd/hooks.h); null when there are none
  std::shared_ptr<autograd::LeafHooks> hooks;
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- creation ----------------------------------------------------------------------------
  static Tensor empty(const Shape& shape, DType dtype = DType::Float32, Device device = Device::cpu());
  static Tensor zeros(const Shape& shape, DType dtype = DType::Float32, Device device = Device::cpu());
  static Tensor ones(const Shape& shape, Device device = Device::cpu());
  static Tensor full(const Shape& shape, float value, Device device = Device::cpu());
  static Tensor scalar(float value, Device device = Device::cpu());
  // Copies `data` (row-major, shape.numel() values) into a new CPU tensor.
  static Tensor from_vector(const std::vector<float>& data, const Shape& shape);
  static Tensor from_vector(const std::vector<int64_t>& data, const Shape& shape);
  static Tensor from_data(const float* data, const Shape& shape);
  // Integer class labels (int64, 1-D), as PyTorch's torch.long targets.
  static Tensor labels(const std::vector<int64_t>& data);
  static Tensor randn(const Shape& shape, Generator& gen, float mean = 0.f, float stddev = 1.f);
  static Tensor uniform(const Shape& shape, Generator& gen, float low = 0.f, float high = 1.f);
  static Tensor arange(int64_t n);  // int64 0..n-1

  // ---- metadata ----------------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  int64_t dim() const { return shape().dim(); }
  int64_t size(int64_t d) const { return shape().size(d); }
  int64_t numel() const { return shape().numel(); }
  const std::vector<int64_t>& strides() const { return impl().strides; }
  DType dtype() const { return impl().dtype; }
  Device device() const { return impl().storage ? impl().storage->device() : Device::cpu(); }
  bool is_contiguous() const;
  std::string str() const;  // "Tensor[2, 3] float32 cpu"

  // ---- data access (CPU) -------------------------------------------------------------------
  // Pointer to the first element; checks the dtype. Valid for contiguous iteration only if
  // is_contiguous().
  template <class T> T* data() const {
    JOULE_CHECK(defined(), "data: tensor is undefined");
    JOULE_CHECK(dtype() == dtype_of<T>(), "data: tensor is ", dtype_name(dtype()), ", asked for ",
                dtype_name(dtype_of<T>()));
    return static_cast<T*>(impl().storage ? impl().storage->data() : nullptr) + impl().offset;
  }
  // Raw device pointer (any dtype), for kernels and backends.
  void* raw_data() const;
  float item() const;  // the single value of a one-element float tensor (copied to host)
  template <class T> std::vector<T> to_vector() const;

  // ---- views and copies (views share storage) ----------------------------------------------
  Tensor reshape(const Shape& shape) const;   // autograd-aware; -1 infers one size
  Tensor view(const Shape& shape) const;      // contiguous only, no copy; autograd-aware
  Tensor flatten(int64_t start_dim = 1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;  // autograd-aware
  Tensor slice_rows(int64_t start, int64_t end) const { return narrow(0, start, end - start); }
  Tensor t() const;                            // 2-D transpose view, autograd-aware
  Tensor contiguous() const;                   // this if contiguous, else a contiguous copy
  Tensor clone() const;                        // autograd-aware copy
  Tensor detach() const;                       // same storage, no autograd history
  Tensor to(Device device) const;
  Tensor& copy_(const Tensor& src);            // in-place copy of values (no autograd)
  Tensor& fill_(float value);                  // in-place fill (no autograd)
  Tensor& zero_() { return fill_(0.f); }

  // ---- autograd -----------------------------------------------------------------------------
  bool requires_grad() const { return defined() && impl().requires_grad; }
  Tensor& set_requires_grad(bool on = true);
  bool is_leaf() const { return impl().grad_fn == nullptr; }
  Tensor grad() const { return Tensor(impl().grad); }
  void set_grad(const Tensor& g) { impl().grad = g.impl_; }
  const std::shared_ptr<autograd::Node>& grad_fn() const { return impl().grad_fn; }
  // Reverse-mode backward from this tensor; a scalar needs no gradient argument. Defined by the
  // backward engine (backward/engine.cpp, above ops/): core/ does not include it.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;

  TensorImpl& impl() const {
    JOULE_CHECK(impl_ != nullptr, "tensor is undefined");
    return *impl_;
  }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool same(const Tensor& o) const { return impl_ == o.impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// Throws unless `t` is a defined float32 tensor on `device`, naming `op` and `what` (e.g. "input").
void check_float(const Tensor& t, const char* op, const char* what);
// Throws unless a and b live on the same device.
void check_same_device(const Tensor& a, const Tensor& b, const char* op);

}  // namespace joule
