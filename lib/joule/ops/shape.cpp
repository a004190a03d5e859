// Tensor's view and copy methods: reshape, view, flatten, narrow, t, contiguous, clone, copy_,
// fill_, to. Views share storage; the autograd-aware ones record how to route gradients back.
#include <algorithm>

#include "joule/autograd/node.h"
#include "joule/ops/dispatch.h"
#include "kernels/cpu/copy.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/reference/copy.h"
#include "kernels/reference/elementwise.h"
#ifdef JOULE_WITH_CUDA
#include "kernels/cuda/copy.h"
#include "kernels/cuda/elementwise.h"
#endif

namespace joule {

namespace {

Shape infer_shape(const Shape& want, int64_t numel, const char* op) {
  std::vector<int64_t> dims = want.dims();
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == -1) {
      JOULE_CHECK(infer < 0, op, ": only one dimension can be -1 in ", want);
      infer = static_cast<int64_t>(i);
    } else {
      JOULE_CHECK(dims[i] >= 0, op, ": invalid size ", dims[i], " in ", want);
      known *= dims[i];
    }
  }
  if (infer >= 0) {
    JOULE_CHECK(known > 0 && numel % known == 0, op, ": shape ", want, " does not fit ", numel,
                " elements");
    dims[static_cast<size_t>(infer)] = numel / known;
    known *= dims[static_cast<size_t>(infer)];
  }
  JOULE_CHECK(known == numel, op, ": shape ", want, " is invalid for a tensor of ", numel,
              " elements");
  return Shape(std::move(dims));
}

// A new view of `t`'s storage with the given geometry (no autograd history).
Tensor make_view(const Tensor& t, Shape shape, std::vector<int64_t> strides, int64_t offset) {
  Tensor v = t.detach();
  v.impl().shape = std::move(shape);
  v.impl().strides = std::move(strides);
  v.impl().offset = offset;
  return v;
}

}  // namespace

Tensor Tensor::view(const Shape& shape) const {
  JOULE_CHECK(is_contiguous(), "view: tensor ", str(), " is not contiguous; use reshape()");
  Shape s = infer_shape(shape, numel(), "view");
  std::vector<int64_t> st = s.contiguous_strides();
  Tensor v = make_view(*this, std::move(s), std::move(st), impl().offset);
  return record("view", v, {*this}, [from = this->shape()](const Tensor& g, const Needs&) {
    return grads{g.reshape(from)};
  });
}

Tensor Tensor::reshape(const Shape& shape) const {
  if (is_contiguous()) return view(shape);
  return contiguous().view(shape);
}

Tensor Tensor::flatten(int64_t start_dim) const {
  start_dim = wrap_dim(start_dim, std::max<int64_t>(dim(), 1), "flatten");
  std::vector<int64_t> dims(shape().dims().begin(), shape().dims().begin() + start_dim);
  dims.push_back(-1);
  return reshape(Shape(std::move(dims)));
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  d = wrap_dim(d, dim(), "narrow");
  JOULE_CHECK(start >= 0 && length >= 0 && start + length <= size(d), "narrow: range [", start,
              ", ", start + length, ") is outside dimension ", d, " of size ", size(d));
  std::vector<int64_t> dims = shape().dims();
  dims[static_cast<size_t>(d)] = length;
  Tensor v = make_view(*this, Shape(std::move(dims)), strides(),
                       impl().offset + start * strides()[static_cast<size_t>(d)]);
  return record("narrow", v, {*this},
                [from = shape(), d, start, length](const Tensor& g, const Needs&) {
                  Tensor full = Tensor::zeros(from, DType::Float32, g.device());
                  full.narrow(d, start, length).copy_(g);
                  return grads{full};
                });
}

Tensor Tensor::t() const {
  JOULE_CHECK(dim() == 2, "t: expects a 2-D tensor, got ", str());
  Tensor v = make_view(*this, Shape{size(1), size(0)}, {strides()[1], strides()[0]}, impl().offset);
  return record("t", v, {*this}, [](const Tensor& g, const Needs&) { return grads{g.t()}; });
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  const Device d = ops::common_device("clone", {*this});
  Tensor out = Tensor::empty(shape(), dtype(), device());
  if (numel() > 0)
    JOULE_KERNEL(strided_copy).on(d)(out.raw_data(), raw_data(), shape().dims().data(),
                                     strides().data(), dim(),
                                     static_cast<int64_t>(element_size(dtype())));
  if (dtype() != DType::Float32) return out;
  return record("clone", out, {*this}, [](const Tensor& g, const Needs&) { return grads{g}; });
}

Tensor& Tensor::copy_(const Tensor& src) {
  const Device d = ops::common_device("copy_", {*this, src});
  JOULE_CHECK(src.shape() == shape(), "copy_: source shape ", src.shape(),
              " differs from destination shape ", shape());
  JOULE_CHECK(src.dtype() == dtype(), "copy_: source is ", dtype_name(src.dtype()),
              ", destination is ", dtype_name(dtype()));
  if (numel() == 0) return *this;
  if (is_contiguous()) {
    JOULE_KERNEL(strided_copy).on(d)(raw_data(), src.raw_data(), shape().dims().data(),
                                     src.strides().data(), dim(),
                                     static_cast<int64_t>(element_size(dtype())));
    return *this;
  }
  JOULE_CHECK(dtype() == DType::Float32, "copy_: a non-contiguous int64 destination is not "
              "supported");
  Tensor sc = src.contiguous();
  JOULE_KERNEL(strided_scatter).on(d)(data<float>(), strides().data(), sc.data<float>(),
                                      shape().dims().data(), dim(), /*accumulate=*/false);
  return *this;
}

Tensor& Tensor::fill_(float value) {
  const Device d = ops::common_device("fill_", {*this});
  check_float(*this, "fill_", "tensor");
  if (is_contiguous()) {
    JOULE_KERNEL(fill).on(d)(data<float>(), value, numel());
    return *this;
  }
  Tensor tmp = Tensor::full(shape(), value, device());
  return copy_(tmp);
}

Tensor Tensor::to(Device target) const {
  if (target == device()) return *this;
  Tensor src = contiguous();
  Tensor out = Tensor::empty(shape(), dtype(), target);
  const size_t bytes = static_cast<size_t>(numel()) * element_size(dtype());
  copy_bytes(target, out.raw_data(), device(), src.raw_data(), bytes);
  if (dtype() != DType::Float32) return out;
  return record("to", out, {*this}, [from = device()](const Tensor& g, const Needs&) {
    return grads{g.to(from)};
  });
}

}  // namespace joule
