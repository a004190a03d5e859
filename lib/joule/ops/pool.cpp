#include "joule/ops/pool.h"

#include "joule/autograd/node.h"
#include "joule/ops/dispatch.h"
#include "joule/ops/reduce.h"
#include "kernels/cpu/pool.h"
#include "kernels/reference/pool.h"
#ifdef JOULE_WITH_CUDA
#include "kernels/cuda/pool.h"
#endif

namespace joule {

namespace {

using kernels::Pool2dDims;

// The sizes of pooling x with these options, checked; a zero stride becomes the kernel size.
Pool2dDims pool_dims(const char* op, const Tensor& x, Size2 k, Size2 s, Size2 p) {
  JOULE_CHECK(x.dim() == 4, op, ": input must be (N, C, H, W), got ", x.shape());
  if (s.h == 0) s.h = k.h;
  if (s.w == 0) s.w = k.w;
  JOULE_CHECK(k.h >= 1 && k.w >= 1, op, ": kernel must be positive, got ", k);
  JOULE_CHECK(s.h >= 1 && s.w >= 1, op,
              ": stride must be positive (or 0 for the kernel size), got ", s);
  JOULE_CHECK(p.h >= 0 && p.w >= 0 && 2 * p.h <= k.h && 2 * p.w <= k.w, op,
              ": padding must be between 0 and half the kernel ", k, ", got ", p);
  Pool2dDims d;
  d.N = x.size(0), d.C = x.size(1), d.H = x.size(2), d.W = x.size(3);
  d.KH = k.h, d.KW = k.w, d.SH = s.h, d.SW = s.w, d.PH = p.h, d.PW = p.w;
  JOULE_CHECK(d.H + 2 * d.PH >= d.KH && d.W + 2 * d.PW >= d.KW, op, ": padded input ",
              d.H + 2 * d.PH, "x", d.W + 2 * d.PW, " is smaller than the kernel ", k);
  d.OH = (d.H + 2 * d.PH - d.KH) / d.SH + 1;
  d.OW = (d.W + 2 * d.PW - d.KW) / d.SW + 1;
  return d;
}

void max_forward(Device device, float* y, int64_t* idx, const float* x, const Pool2dDims& d) {
  JOULE_KERNEL(max_pool2d_forward).on(device)(y, idx, x, d);
}

void max_backward(Device device, float* dx, const float* dy, const int64_t* idx,
                  const Pool2dDims& d) {
  JOULE_KERNEL(max_pool2d_backward).on(device)(dx, dy, idx, d);
}

void avg_forward(Device device, float* y, const float* x, const Pool2dDims& d) {
  JOULE_KERNEL(avg_pool2d_forward).on(device)(y, x, d);
}

void avg_backward(Device device, float* dx, const float* dy, const Pool2dDims& d) {
  JOULE_KERNEL(avg_pool2d_backward).on(device)(dx, dy, d);
}

Shape input_shape(const Pool2dDims& d) { return Shape{d.N, d.C, d.H, d.W}; }
Shape output_shape(const Pool2dDims& d) { return Shape{d.N, d.C, d.OH, d.OW}; }

}  // namespace

Tensor max_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding) {
  const Device device = ops::common_device("max_pool2d", {x});
  Tensor xc = ops::contiguous_float(x, "max_pool2d", "input");
  const Pool2dDims d = pool_dims("max_pool2d", x, kernel, stride, padding);
  Tensor y = Tensor::empty(output_shape(d), DType::Float32, x.device());
  Tensor idx = Tensor::empty(output_shape(d), DType::Int64, x.device());
  max_forward(device, y.data<float>(), idx.data<int64_t>(), xc.data<float>(), d);
  return record("max_pool2d", y, {x}, [idx, d](const Tensor& g, const Needs&) {
    const Device gd = ops::common_device("max_pool2d", {g, idx});
    Tensor gc = g.contiguous();
    Tensor dx = Tensor::empty(input_shape(d), DType::Float32, g.device());
    max_backward(gd, dx.data<float>(), gc.data<float>(), idx.data<int64_t>(), d);
    return grads{dx};
  });
}

Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding) {
  const Device device = ops::common_device("avg_pool2d", {x});
  Tensor xc = ops::contiguous_float(x, "avg_pool2d", "input");
  const Pool2dDims d = pool_dims("avg_pool2d", x, kernel, stride, padding);
  Tensor y = Tensor::empty(output_shape(d), DType::Float32, x.device());
  avg_forward(device, y.data<float>(), xc.data<float>(), d);
  return record("avg_pool2d", y, {x}, [d](const Tensor& g, const Needs&) {
    const Device gd = ops::common_device("avg_pool2d", {g});
    Tensor gc = g.contiguous();
    Tensor dx = Tensor::empty(input_shape(d), DType::Float32, g.device());
    avg_backward(gd, dx.data<float>(), gc.data<float>(), d);
    return grads{dx};
  });
}

Tensor global_avg_pool2d(const Tensor& x) {
  JOULE_CHECK(x.dim() == 4, "global_avg_pool2d: input must be (N, C, H, W), got ", x.shape());
  JOULE_CHECK(x.size(2) * x.size(3) > 0, "global_avg_pool2d: input ", x.shape(),
              " has an empty plane");
  return mean(x.reshape(Shape{x.size(0), x.size(1), x.size(2) * x.size(3)}), 2);
}

}  // namespace joule
