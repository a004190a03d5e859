#include "joule/ops/norm.h"

#include "joule/autograd/node.h"
#include "joule/ops/dispatch.h"
#include "kernels/cpu/norm.h"
#include "kernels/reference/norm.h"
#ifdef JOULE_WITH_CUDA
#include "kernels/cuda/norm.h"
#endif

namespace joule {

namespace {

// x viewed as (N, C, S)
struct NormDims {
  int64_t N, C, S;
};

// A defined per-channel tensor (C), contiguous, or undefined if `t` is.
Tensor channel_vector(const Tensor& t, int64_t C, const char* what) {
  if (!t.defined()) return t;
  check_float(t, "batch_norm", what);
  JOULE_CHECK(t.dim() == 1 && t.size(0) == C, "batch_norm: ", what, " must be (", C, "), got ",
              t.shape());
  return t.contiguous();
}

const float* ptr(const Tensor& t) { return t.defined() ? t.data<float>() : nullptr; }

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum,
                  double eps) {
  const Device device =
      ops::common_device("batch_norm", {x, running_mean, running_var, weight, bias});
  Tensor xc = ops::contiguous_float(x, "batch_norm", "input");
  JOULE_CHECK(x.dim() >= 2, "batch_norm: input must be (N, C) or (N, C, ...), got ", x.shape());
  JOULE_CHECK(eps > 0, "batch_norm: eps must be positive, got ", eps);
  const NormDims d{x.size(0), x.size(1), x.size(1) ? x.numel() / (x.size(0) * x.size(1)) : 0};
  JOULE_CHECK(running_mean.defined() == running_var.defined(),
              "batch_norm: running_mean and running_var must both be given or both be undefined");
  JOULE_CHECK(training || running_mean.defined(),
              "batch_norm: evaluation mode needs running_mean and running_var");
  Tensor wc = channel_vector(weight, d.C, "weight");
  Tensor bc = channel_vector(bias, d.C, "bias");
  for (const Tensor* r : {&running_mean, &running_var})
    if (r->defined()) {
      check_float(*r, "batch_norm", "running statistics");
      JOULE_CHECK(r->dim() == 1 && r->size(0) == d.C && r->is_contiguous(),
                  "batch_norm: running statistics must be contiguous (", d.C, "), got ",
                  r->str());
    }

  Tensor mean, var;  // the statistics this call normalizes with
  if (training) {
    JOULE_CHECK(d.N * d.S > 1, "batch_norm: training needs more than one value per channel, got "
                "input ", x.shape());
    mean = Tensor::empty(Shape{d.C}, DType::Float32, x.device());
    var = Tensor::empty(Shape{d.C}, DType::Float32, x.device());
    JOULE_KERNEL(batch_norm_stats)
        .on(device)(mean.data<float>(), var.data<float>(), xc.data<float>(), d.N, d.C, d.S);
    if (running_mean.defined())
      JOULE_KERNEL(batch_norm_update_running)
          .on(device)(running_mean.data<float>(), running_var.data<float>(), mean.data<float>(),
                      var.data<float>(), momentum, d.N * d.S, d.C);
  } else {
    // copies: the backward must not see later updates of the buffers
    mean = running_mean.detach().clone();
    var = running_var.detach().clone();
  }
  Tensor y = Tensor::empty(x.shape(), DType::Float32, x.device());
  JOULE_KERNEL(batch_norm_forward)
      .on(device)(y.data<float>(), xc.data<float>(), mean.data<float>(), var.data<float>(),
                  ptr(wc), ptr(bc), eps, d.N, d.C, d.S);
  return record("batch_norm", y, {x, weight, bias},
                [xc = xc.detach(), wc = wc.defined() ? wc.detach() : wc, mean, var, eps, training,
                 d](const Tensor& g, const Needs& n) {
                  const Device gd = ops::common_device("batch_norm", {g, xc});
                  Tensor gc = g.contiguous();
                  Tensor dx, dw, db;
                  if (n[0]) dx = Tensor::empty(xc.shape(), DType::Float32, g.device());
                  if (n[1]) dw = Tensor::empty(Shape{d.C}, DType::Float32, g.device());
                  if (n[2]) db = Tensor::empty(Shape{d.C}, DType::Float32, g.device());
                  JOULE_KERNEL(batch_norm_backward).on(gd)(
                      n[0] ? dx.data<float>() : nullptr, n[1] ? dw.data<float>() : nullptr,
                      n[2] ? db.data<float>() : nullptr, gc.data<float>(), xc.data<float>(),
                      mean.data<float>(), var.data<float>(), ptr(wc), eps, training, d.N, d.C,
                      d.S);
                  return grads{dx, dw, db};
                });
}

}  // namespace joule
