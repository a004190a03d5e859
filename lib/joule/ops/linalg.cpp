#include "joule/ops/linalg.h"

#include "joule/autograd/node.h"
#include "joule/ops/dispatch.h"
#include "joule/ops/reduce.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/reduce.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/gemm.h"
#include "kernels/reference/reduce.h"
#ifdef JOULE_WITH_CUDA
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/gemm.h"
#include "kernels/cuda/reduce.h"
#endif

namespace joule {

namespace {

// A 2-D float matrix as GEMM sees it: data pointer, leading dimension, transposed or not.
struct GemmOperand {
  Tensor keep;  // holds the (possibly copied) storage alive
  const float* data;
  int64_t ld;
  bool trans;
};

GemmOperand as_operand(const Tensor& t, const char* op, const char* what) {
  check_float(t, op, what);
  const auto& st = t.strides();
  if (st[1] == 1 && st[0] >= std::max<int64_t>(t.size(1), 1))
    return {t, t.data<float>(), st[0], false};
  if (st[0] == 1 && st[1] >= std::max<int64_t>(t.size(0), 1))  // a transposed view
    return {t, t.data<float>(), st[1], true};
  Tensor c = t.contiguous();
  return {c, c.data<float>(), std::max<int64_t>(t.size(1), 1), false};
}

// C (M, N) = op(a) · op(b) [+ beta C] with both operands in any 2-D layout.
void gemm_into(Device device, float* c, int64_t ldc, const Tensor& a, const Tensor& b,
               float beta, const char* op) {
  GemmOperand A = as_operand(a, op, "first operand");
  GemmOperand B = as_operand(b, op, "second operand");
  JOULE_KERNEL(gemm).on(device)(A.trans, B.trans, a.size(0), b.size(1), a.size(1), 1.f, A.data,
                                A.ld, B.data, B.ld, beta, c, ldc);
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  const Device device = ops::common_device("matmul", {a, b});
  JOULE_CHECK(a.dim() == 2 && b.dim() == 2, "matmul: expects 2-D tensors, got ", a.shape(),
              " and ", b.shape());
  JOULE_CHECK(a.size(1) == b.size(0), "matmul: inner sizes differ: a is ", a.shape(), ", b is ",
              b.shape());
  Tensor out = Tensor::empty(Shape{a.size(0), b.size(1)}, DType::Float32, a.device());
  gemm_into(device, out.data<float>(), b.size(1), a, b, 0.f, "matmul");
  return record("matmul", out, {a, b},
                [a = a.detach(), b = b.detach()](const Tensor& g, const Needs& n) {
                  return grads{n[0] ? matmul(g, b.t()) : Tensor(),
                               n[1] ? matmul(a.t(), g) : Tensor()};
                });
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  const Device device = ops::common_device("linear", {x, weight, bias});
  check_float(x, "linear", "input");
  JOULE_CHECK(weight.dim() == 2, "linear: weight must be (out, in), got ", weight.shape());
  JOULE_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(1), "linear: input ", x.shape(),
              " has ", x.dim() ? x.size(-1) : 0, " features, weight ", weight.shape(), " expects ",
              weight.size(1));
  const int64_t OUT = weight.size(0), IN = weight.size(1), B = x.numel() / std::max<int64_t>(IN, 1);
  if (bias.defined())
    JOULE_CHECK(bias.dim() == 1 && bias.size(0) == OUT, "linear: bias must be (", OUT,
                "), got ", bias.shape());
  Tensor x2 = x.detach().reshape(Shape{B, IN});
  std::vector<int64_t> out_dims = x.shape().dims();
  out_dims.back() = OUT;
  Tensor out = Tensor::empty(Shape(out_dims), DType::Float32, x.device());
  if (bias.defined()) {
    Tensor bc = ops::contiguous_float(bias, "linear", "bias");
    JOULE_KERNEL(fill_rows).on(device)(out.data<float>(), bc.data<float>(), B, OUT);
  }
  gemm_into(device, out.data<float>(), OUT, x2, weight.detach().t(), bias.defined() ? 1.f : 0.f,
            "linear");
  return record("linear", out, {x, weight, bias},
                [x2, w = weight.detach(), xs = x.shape(), B, IN, OUT](const Tensor& g,
                                                                      const Needs& n) {
                  Tensor g2 = g.contiguous().reshape(Shape{B, OUT});
                  Tensor gx, gw, gb;
                  if (n[0]) gx = matmul(g2, w).reshape(xs);
                  if (n[1]) gw = matmul(g2.t(), x2);
                  if (n[2]) gb = sum(g2, 0);
                  return grads{gx, gw, gb};
                });
}

}  // namespace joule
