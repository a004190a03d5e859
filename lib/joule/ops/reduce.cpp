#include "joule/ops/reduce.h"

#include "joule/autograd/node.h"
#include "joule/ops/dispatch.h"
#include "joule/ops/elementwise.h"
#include "kernels/cpu/reduce.h"
#include "kernels/reference/reduce.h"
#ifdef JOULE_WITH_CUDA
#include "kernels/cuda/reduce.h"
#endif

namespace joule {

namespace {
// The gradient of a reduction: g broadcast back to `shape` (after re-inserting `dim` when the
// reduction dropped it), materialized.
Tensor spread(const Tensor& g, const Shape& shape, int64_t dim, bool keepdim) {
  Tensor gk = g;
  if (dim >= 0 && !keepdim) {
    std::vector<int64_t> dims = shape.dims();
    dims[static_cast<size_t>(dim)] = 1;
    gk = g.reshape(Shape(std::move(dims)));
  }
  return expand(gk, shape).contiguous();
}
}  // namespace

Tensor sum(const Tensor& a) {
  const Device device = ops::common_device("sum", {a});
  Tensor ac = ops::contiguous_float(a, "sum", "input");
  Tensor out = Tensor::empty(Shape{}, DType::Float32, a.device());
  JOULE_KERNEL(sum).on(device)(out.data<float>(), ac.data<float>(), ac.numel());
  return record("sum", out, {a}, [s = a.shape()](const Tensor& g, const Needs&) {
    return grads{spread(g, s, -1, true)};
  });
}

Tensor sum(const Tensor& a, int64_t dim, bool keepdim) {
  const Device device = ops::common_device("sum", {a});
  Tensor ac = ops::contiguous_float(a, "sum", "input");
  dim = wrap_dim(dim, a.dim(), "sum");
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < dim; ++i) outer *= a.size(i);
  for (int64_t i = dim + 1; i < a.dim(); ++i) inner *= a.size(i);
  std::vector<int64_t> dims = a.shape().dims();
  if (keepdim) dims[static_cast<size_t>(dim)] = 1;
  else dims.erase(dims.begin() + dim);
  Tensor out = Tensor::empty(Shape(std::move(dims)), DType::Float32, a.device());
  JOULE_KERNEL(sum_dim).on(device)(out.data<float>(), ac.data<float>(), outer, a.size(dim), inner);
  return record("sum", out, {a}, [s = a.shape(), dim, keepdim](const Tensor& g, const Needs&) {
    return grads{spread(g, s, dim, keepdim)};
  });
}

Tensor mean(const Tensor& a) {
  JOULE_CHECK(a.numel() > 0, "mean: tensor ", a.str(), " has no elements");
  return affine(sum(a), 1.f / static_cast<float>(a.numel()), 0.f);
}

Tensor mean(const Tensor& a, int64_t dim, bool keepdim) {
  const int64_t n = a.size(dim);
  JOULE_CHECK(n > 0, "mean: dimension ", dim, " of ", a.shape(), " is empty");
  return affine(sum(a, dim, keepdim), 1.f / static_cast<float>(n), 0.f);
}

Tensor argmax(const Tensor& a) {
  const Device device = ops::common_device("argmax", {a});
  Tensor ac = ops::contiguous_float(a, "argmax", "input");
  JOULE_CHECK(a.dim() >= 1 && a.size(-1) > 0, "argmax: needs a non-empty last dimension, got ",
              a.shape());
  const int64_t N = a.size(-1), M = a.numel() / N;
  std::vector<int64_t> dims(a.shape().dims().begin(), a.shape().dims().end() - 1);
  Tensor out = Tensor::empty(Shape(std::move(dims)), DType::Int64, a.device());
  JOULE_KERNEL(argmax_rows).on(device)(out.data<int64_t>(), ac.data<float>(), M, N);
  return out;
}

}  // namespace joule
