#include "joule/ops/loss.h"

#include "joule/autograd/node.h"
#include "joule/ops/dispatch.h"
#include "joule/ops/elementwise.h"
#include "kernels/cpu/softmax.h"
#include "kernels/cuda/softmax.h"

namespace joule {

namespace {

// The GPU's cross-entropy: the labels are checked by the kernel itself (the first bad row comes
// back to the host, the one wait of this op), and the loss and its gradient stay on the device.
Tensor cross_entropy_gpu(const Tensor& logits, const Tensor& lc, const Tensor& yc, int64_t B,
                         int64_t C) {
  const Device device = logits.device();
  Tensor probs = Tensor::empty(logits.shape(), DType::Float32, device);
  Tensor loss = Tensor::empty(Shape{}, DType::Float32, device);
  Tensor first_bad = Tensor::empty(Shape{}, DType::Int64, device);
  if constexpr (ops::kCudaBuilt)
    kernels::cuda::cross_entropy_forward_async(loss.data<float>(), first_bad.data<int64_t>(),
                                               probs.data<float>(), lc.data<float>(),
                                               yc.data<int64_t>(), B, C);
  const int64_t bad = first_bad.to(Device::cpu()).data<int64_t>()[0];
  if (bad < B) {
    const int64_t label = yc.narrow(0, bad, 1).to(Device::cpu()).data<int64_t>()[0];
    JOULE_CHECK(false, "cross_entropy: label ", label, " at index ", bad,
                " is out of range for ", C, " classes");
  }
  return record("cross_entropy", loss, {logits}, [probs, yc, B, C](const Tensor& g, const Needs&) {
    ops::common_device("cross_entropy", {g, probs});
    Tensor gc = g.contiguous();
    Tensor d = Tensor::empty(probs.shape(), DType::Float32, probs.device());
    if constexpr (ops::kCudaBuilt)
      kernels::cuda::cross_entropy_backward_async(d.data<float>(), probs.data<float>(),
                                                  yc.data<int64_t>(), gc.data<float>(),
                                                  1.f / static_cast<float>(B), B, C);
    return grads{d};
  });
}

}  // namespace

Tensor cross_entropy(const Tensor& logits, const Tensor& labels) {
  const Device device = ops::common_device("cross_entropy", {logits, labels});
  Tensor lc = ops::contiguous_float(logits, "cross_entropy", "logits");
  JOULE_CHECK(logits.dim() == 2, "cross_entropy: logits must be (batch, classes), got ",
              logits.shape());
  JOULE_CHECK(labels.defined() && labels.dtype() == DType::Int64 && labels.dim() == 1,
              "cross_entropy: labels must be a 1-D int64 tensor, got ", labels.str());
  const int64_t B = logits.size(0), C = logits.size(1);
  JOULE_CHECK(labels.size(0) == B, "cross_entropy: ", B, " rows of logits but ", labels.size(0),
              " labels");
  JOULE_CHECK(B > 0 && C > 0, "cross_entropy: empty logits ", logits.shape());
  Tensor yc = labels.contiguous();
  if (!device.is_cpu()) return cross_entropy_gpu(logits, lc, yc, B, C);
  const int64_t* y = yc.data<int64_t>();
  for (int64_t i = 0; i < B; ++i)
    JOULE_CHECK(y[i] >= 0 && y[i] < C, "cross_entropy: label ", y[i], " at index ", i,
                " is out of range for ", C, " classes");
  Tensor probs = Tensor::empty(logits.shape(), DType::Float32, logits.device());
  const float loss = kernels::cpu::cross_entropy_forward(probs.data<float>(), lc.data<float>(), y,
                                                         B, C);
  Tensor out = Tensor::full(Shape{}, loss, logits.device());
  return record("cross_entropy", out, {logits},
                [probs, yc, B, C](const Tensor& g, const Needs&) {
                  Tensor d = Tensor::empty(probs.shape(), DType::Float32, probs.device());
                  kernels::cpu::cross_entropy_backward(d.data<float>(), probs.data<float>(),
                                                       yc.data<int64_t>(),
                                                       g.item() / static_cast<float>(B), B, C);
                  return grads{d};
                });
}

Tensor mse_loss(const Tensor& pred, const Tensor& target) {
  const Device device = ops::common_device("mse_loss", {pred, target});
  JOULE_CHECK(pred.shape() == target.shape(), "mse_loss: prediction ", pred.shape(),
              " and target ", target.shape(), " differ in shape");
  JOULE_CHECK(pred.numel() > 0, "mse_loss: empty input ", pred.shape());
  Tensor a = ops::contiguous_float(pred, "mse_loss", "prediction");
  Tensor b = ops::contiguous_float(target, "mse_loss", "target");
  Tensor out;
  if (device.is_cpu()) {
    const float loss = kernels::cpu::mse_forward(a.data<float>(), b.data<float>(), a.numel());
    out = Tensor::full(Shape{}, loss, pred.device());
  } else if constexpr (ops::kCudaBuilt) {  // the loss stays on the device
    out = Tensor::empty(Shape{}, DType::Float32, device);
    kernels::cuda::mse_forward_async(out.data<float>(), a.data<float>(), b.data<float>(),
                                     a.numel());
  }
  return record("mse_loss", out, {pred, target},
                [a = a.detach(), b = b.detach()](const Tensor& g, const Needs& n) {
                  const Device d_device = ops::common_device("mse_loss", {g, a});
                  Tensor d = Tensor::empty(a.shape(), DType::Float32, a.device());
                  if (d_device.is_cpu()) {
                    kernels::cpu::mse_backward(d.data<float>(), a.data<float>(), b.data<float>(),
                                               g.item() / static_cast<float>(a.numel()),
                                               a.numel());
                  } else if constexpr (ops::kCudaBuilt) {
                    Tensor gc = g.contiguous();
                    const float per = 1.f / static_cast<float>(a.numel());
                    kernels::cuda::mse_backward_async(d.data<float>(), a.data<float>(),
                                                      b.data<float>(), gc.data<float>(), per,
                                                      a.numel());
                  }
                  return grads{n[0] ? d : Tensor(), n[1] ? neg(d) : Tensor()};
                });
}

}  // namespace joule
