#include "joule/ops/conv.h"

#include <ostream>

#include "joule/autograd/node.h"
#include "joule/ops/dispatch.h"
#include "kernels/cpu/conv.h"
#include "kernels/reference/conv.h"
#ifdef JOULE_WITH_CUDA
#include "kernels/cuda/conv.h"
#endif

namespace joule {

std::ostream& operator<<(std::ostream& os, const Size2& s) {
  if (s.h == s.w) return os << s.h;
  return os << "(" << s.h << ", " << s.w << ")";
}

namespace {

using kernels::Conv2dDims;

// The sizes of conv2d(x, weight, ., p), checked.
Conv2dDims conv_dims(const Tensor& x, const Tensor& weight, const Tensor& bias,
                     const Conv2dParams& p) {
  JOULE_CHECK(x.dim() == 4, "conv2d: input must be (N, C, H, W), got ", x.shape());
  JOULE_CHECK(weight.dim() == 4, "conv2d: weight must be (out, in / groups, kh, kw), got ",
              weight.shape());
  JOULE_CHECK(p.stride.h >= 1 && p.stride.w >= 1, "conv2d: stride must be positive, got ",
              p.stride);
  JOULE_CHECK(p.dilation.h >= 1 && p.dilation.w >= 1, "conv2d: dilation must be positive, got ",
              p.dilation);
  JOULE_CHECK(p.padding.h >= 0 && p.padding.w >= 0, "conv2d: padding must be >= 0, got ",
              p.padding);
  JOULE_CHECK(p.groups >= 1, "conv2d: groups must be positive, got ", p.groups);
  Conv2dDims d;
  d.N = x.size(0), d.C = x.size(1), d.H = x.size(2), d.W = x.size(3);
  d.OC = weight.size(0), d.KH = weight.size(2), d.KW = weight.size(3);
  d.SH = p.stride.h, d.SW = p.stride.w, d.PH = p.padding.h, d.PW = p.padding.w;
  d.DH = p.dilation.h, d.DW = p.dilation.w, d.G = p.groups;
  JOULE_CHECK(d.C % d.G == 0 && d.OC % d.G == 0, "conv2d: ", d.G,
              " groups must divide the input channels (", d.C, ") and the output channels (",
              d.OC, ")");
  JOULE_CHECK(weight.size(1) * d.G == d.C, "conv2d: input ", x.shape(), " has ", d.C,
              " channels, weight ", weight.shape(), " with ", d.G, " groups expects ",
              weight.size(1) * d.G);
  JOULE_CHECK(d.OC >= 1 && d.KH >= 1 && d.KW >= 1, "conv2d: weight ", weight.shape(),
              " has an empty dimension");
  if (bias.defined())
    JOULE_CHECK(bias.dim() == 1 && bias.size(0) == d.OC, "conv2d: bias must be (", d.OC,
                "), got ", bias.shape());
  const int64_t eh = d.DH * (d.KH - 1) + 1, ew = d.DW * (d.KW - 1) + 1;  // dilated kernel
  JOULE_CHECK(d.H + 2 * d.PH >= eh && d.W + 2 * d.PW >= ew, "conv2d: padded input ", d.H + 2 * d.PH,
              "x", d.W + 2 * d.PW, " is smaller than the (dilated) kernel ", eh, "x", ew);
  d.OH = (d.H + 2 * d.PH - eh) / d.SH + 1;
  d.OW = (d.W + 2 * d.PW - ew) / d.SW + 1;
  return d;
}

void forward(Device device, float* y, const float* x, const float* w, const float* b,
             const Conv2dDims& d) {
  JOULE_KERNEL(conv2d_forward).on(device)(y, x, w, b, d);
}

void backward_input(Device device, float* dx, const float* dy, const float* w,
                    const Conv2dDims& d) {
  JOULE_KERNEL(conv2d_backward_input).on(device)(dx, dy, w, d);
}

void backward_weight(Device device, float* dw, const float* dy, const float* x,
                     const Conv2dDims& d) {
  JOULE_KERNEL(conv2d_backward_weight).on(device)(dw, dy, x, d);
}

void backward_bias(Device device, float* db, const float* dy, const Conv2dDims& d) {
  JOULE_KERNEL(conv2d_backward_bias).on(device)(db, dy, d);
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p) {
  const Device device = ops::common_device("conv2d", {x, weight, bias});
  Tensor xc = ops::contiguous_float(x, "conv2d", "input");
  Tensor wc = ops::contiguous_float(weight, "conv2d", "weight");
  Tensor bc = bias.defined() ? ops::contiguous_float(bias, "conv2d", "bias") : Tensor();
  const Conv2dDims d = conv_dims(x, weight, bias, p);
  Tensor y = Tensor::empty(Shape{d.N, d.OC, d.OH, d.OW}, DType::Float32, x.device());
  forward(device, y.data<float>(), xc.data<float>(), wc.data<float>(),
          bc.defined() ? bc.data<float>() : nullptr, d);
  return record("conv2d", y, {x, weight, bias},
                [xc = xc.detach(), wc = wc.detach(), d](const Tensor& g, const Needs& n) {
                  const Device gd = ops::common_device("conv2d", {g, xc});
                  Tensor gc = g.contiguous();
                  Tensor dx, dw, db;
                  if (n[0]) {
                    dx = Tensor::empty(xc.shape(), DType::Float32, g.device());
                    backward_input(gd, dx.data<float>(), gc.data<float>(), wc.data<float>(), d);
                  }
                  if (n[1]) {
                    dw = Tensor::empty(wc.shape(), DType::Float32, g.device());
                    backward_weight(gd, dw.data<float>(), gc.data<float>(), xc.data<float>(), d);
                  }
                  if (n[2]) {
                    db = Tensor::empty(Shape{d.OC}, DType::Float32, g.device());
                    backward_bias(gd, db.data<float>(), gc.data<float>(), d);
                  }
                  return grads{dx, dw, db};
                });
}

}  // namespace joule
