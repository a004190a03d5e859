#include "joule/ops/elementwise.h"

#include "joule/autograd/node.h"
#include "joule/ops/dispatch.h"
#include "kernels/cpu/copy.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/reduce.h"
#include "kernels/reference/copy.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/reduce.h"
#ifdef JOULE_WITH_CUDA
#include "kernels/cuda/copy.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/reduce.h"
#endif

namespace joule {

namespace {

enum Bin { kAdd, kSub, kMul, kDiv };
const char* const kBinName[] = {"add", "sub", "mul", "div"};
using FlatKernel = ops::Kernel<void (*)(float*, const float*, const float*, int64_t)>;
using RowKernel = ops::Kernel<void (*)(float*, const float*, const float*, int64_t, int64_t)>;
const FlatKernel kFlat[] = {JOULE_KERNEL(add), JOULE_KERNEL(sub), JOULE_KERNEL(mul),
                            JOULE_KERNEL(div)};
const RowKernel kRow[] = {JOULE_KERNEL(add_row), JOULE_KERNEL(sub_row), JOULE_KERNEL(mul_row),
                          JOULE_KERNEL(div_row)};

// True when `row` broadcasts along the last dimension of `full`: shape [..1, N] against [.., N].
bool is_row_of(const Tensor& row, const Tensor& full) {
  if (full.dim() == 0 || row.dim() == 0 || row.dim() > full.dim()) return false;
  if (row.size(-1) != full.size(-1)) return false;
  for (int64_t i = 0; i + 1 < row.dim(); ++i)
    if (row.size(i) != 1) return false;
  return true;
}

Tensor binary_forward(Bin op, const Tensor& a, const Tensor& b) {
  const char* name = kBinName[op];
  const Device device = ops::common_device(name, {a, b});
  check_float(a, name, "first operand");
  check_float(b, name, "second operand");
  if (a.shape() == b.shape()) {
    Tensor ac = a.contiguous(), bc = b.contiguous();
    Tensor out = Tensor::empty(a.shape(), DType::Float32, a.device());
    kFlat[op].on(device)(out.data<float>(), ac.data<float>(), bc.data<float>(), out.numel());
    return out;
  }
  if (is_row_of(b, a)) {
    Tensor ac = a.contiguous(), bc = b.contiguous();
    Tensor out = Tensor::empty(a.shape(), DType::Float32, a.device());
    const int64_t N = a.size(-1);
    kRow[op].on(device)(out.data<float>(), ac.data<float>(), bc.data<float>(), a.numel() / N, N);
    return out;
  }
  const Shape s = broadcast_shapes(a.shape(), b.shape(), name);
  Tensor ae = expand(a, s).contiguous(), be = expand(b, s).contiguous();
  Tensor out = Tensor::empty(s, DType::Float32, a.device());
  kFlat[op].on(device)(out.data<float>(), ae.data<float>(), be.data<float>(), out.numel());
  return out;
}

// kernel(device, y, x, n) on a contiguous copy of a
template <class Fn>
Tensor unary_float(const Tensor& a, const char* op, Fn kernel) {
  const Device device = ops::common_device(op, {a});
  Tensor ac = ops::contiguous_float(a, op, "input");
  Tensor out = Tensor::empty(a.shape(), DType::Float32, a.device());
  kernel(device, out.data<float>(), ac.data<float>(), out.numel());
  return out;
}

// A unary kernel as unary_float takes it.
auto unary(ops::Kernel<void (*)(float*, const float*, int64_t)> k) {
  return [k](Device d, float* y, const float* x, int64_t n) { k.on(d)(y, x, n); };
}

}  // namespace

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const int64_t n = std::max(a.dim(), b.dim());
  std::vector<int64_t> dims(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.dim() ? 1 : a[i - (n - a.dim())];
    const int64_t db = i < n - b.dim() ? 1 : b[i - (n - b.dim())];
    JOULE_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", a, " and ", b,
                " cannot be broadcast together (dimension ", i, ": ", da, " vs ", db, ")");
    dims[static_cast<size_t>(i)] = da == 1 ? db : da;
  }
  return Shape(std::move(dims));
}

Tensor expand(const Tensor& a, const Shape& shape) {
  JOULE_CHECK(shape.dim() >= a.dim(), "expand: cannot expand ", a.shape(), " to fewer dimensions ",
              shape);
  const int64_t lead = shape.dim() - a.dim();
  std::vector<int64_t> strides(static_cast<size_t>(shape.dim()), 0);
  for (int64_t i = 0; i < a.dim(); ++i) {
    const int64_t have = a.size(i), want = shape[lead + i];
    JOULE_CHECK(have == want || have == 1, "expand: size ", have, " of dimension ", i, " of ",
                a.shape(), " cannot become ", want, " in ", shape);
    strides[static_cast<size_t>(lead + i)] = have == want ? a.strides()[static_cast<size_t>(i)] : 0;
  }
  Tensor v = a.detach();
  v.impl().shape = shape;
  v.impl().strides = std::move(strides);
  const Shape from = a.shape();
  return record("expand", v, {a}, [from](const Tensor& g, const Needs&) {
    return grads{sum_to(g, from)};
  });
}

Tensor sum_to(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  const Device device = g.device();
  Tensor gc = g.contiguous();
  Tensor out = Tensor::zeros(shape, DType::Float32, g.device());
  if (shape.numel() == 1) {
    JOULE_KERNEL(sum).on(device)(out.data<float>(), gc.data<float>(), gc.numel());
    return out;
  }
  const int64_t N = g.size(-1);
  bool row = shape.dim() >= 1 && shape.size(-1) == N && shape.numel() == N;
  if (row) {  // the bias-row case: column sums
    JOULE_KERNEL(sum_dim).on(device)(out.data<float>(), gc.data<float>(), 1, g.numel() / N, N);
    return out;
  }
  // General case: accumulate through a stride-0 view of `out` shaped like g.
  Tensor view = expand(out.detach(), g.shape());
  JOULE_KERNEL(strided_scatter).on(device)(out.data<float>(), view.strides().data(),
                                           gc.data<float>(), g.shape().dims().data(), g.dim(),
                                           /*accumulate=*/true);
  return out;
}

Tensor add(const Tensor& a, const Tensor& b) {
  return record("add", binary_forward(kAdd, a, b), {a, b},
                [sa = a.shape(), sb = b.shape()](const Tensor& g, const Needs& n) {
                  return grads{n[0] ? sum_to(g, sa) : Tensor(), n[1] ? sum_to(g, sb) : Tensor()};
                });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  return record("sub", binary_forward(kSub, a, b), {a, b},
                [sa = a.shape(), sb = b.shape()](const Tensor& g, const Needs& n) {
                  return grads{n[0] ? sum_to(g, sa) : Tensor(),
                               n[1] ? neg(sum_to(g, sb)) : Tensor()};
                });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  return record("mul", binary_forward(kMul, a, b), {a, b},
                [a = a.detach(), b = b.detach()](const Tensor& g, const Needs& n) {
                  return grads{n[0] ? sum_to(mul(g, b), a.shape()) : Tensor(),
                               n[1] ? sum_to(mul(g, a), b.shape()) : Tensor()};
                });
}

Tensor div(const Tensor& a, const Tensor& b) {
  return record("div", binary_forward(kDiv, a, b), {a, b},
                [a = a.detach(), b = b.detach()](const Tensor& g, const Needs& n) {
                  Tensor ga, gb;
                  if (n[0]) ga = sum_to(div(g, b), a.shape());
                  if (n[1]) gb = sum_to(neg(div(mul(g, a), mul(b, b))), b.shape());
                  return grads{ga, gb};
                });
}

Tensor affine(const Tensor& a, float scale, float shift) {
  Tensor out = unary_float(a, "affine", [&](Device d, float* y, const float* x, int64_t n) {
    JOULE_KERNEL(affine).on(d)(y, x, scale, shift, n);
  });
  return record("affine", out, {a}, [scale](const Tensor& g, const Needs&) {
    return grads{affine(g, scale, 0.f)};
  });
}

Tensor neg(const Tensor& a) { return affine(a, -1.f, 0.f); }

Tensor exp(const Tensor& a) {
  Tensor out = unary_float(a, "exp", unary(JOULE_KERNEL(exp)));
  return record("exp", out, {a}, [y = out.detach()](const Tensor& g, const Needs&) {
    return grads{mul(g, y)};
  });
}

Tensor log(const Tensor& a) {
  Tensor out = unary_float(a, "log", unary(JOULE_KERNEL(log)));
  return record("log", out, {a}, [x = a.detach()](const Tensor& g, const Needs&) {
    return grads{div(g, x)};
  });
}

void add_(Tensor& dst, const Tensor& src, float alpha) {
  const Device device = ops::common_device("add_", {dst, src});
  JOULE_CHECK(dst.shape() == src.shape(), "add_: shapes differ: ", dst.shape(), " and ",
              src.shape());
  JOULE_CHECK(dst.is_contiguous(), "add_: destination must be contiguous, got ", dst.str());
  check_float(dst, "add_", "destination");
  Tensor sc = ops::contiguous_float(src, "add_", "source");
  JOULE_KERNEL(axpy).on(device)(dst.data<float>(), sc.data<float>(), alpha, dst.numel());
}

}  // namespace joule
