#include "joule/ops/loss.h"

#include "joule/autograd/node.h"
#include "joule/ops/dispatch.h"
#include "joule/ops/elementwise.h"
#include "kernels/cpu/softmax.h"
#include "kernels/reference/softmax.h"
#ifdef JOULE_WITH_CUDA
#include "kernels/cuda/softmax.h"
#endif

namespace joule {

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
  // The kernel checks the labels itself: the first bad row comes back to the host (on a GPU the
  // one wait of this op), and the loss and its gradient stay on the device.
  Tensor probs = Tensor::empty(logits.shape(), DType::Float32, device);
  Tensor loss = Tensor::empty(Shape{}, DType::Float32, device);
  Tensor first_bad = Tensor::empty(Shape{}, DType::Int64, device);
  JOULE_KERNEL(cross_entropy_forward)
      .on(device)(loss.data<float>(), first_bad.data<int64_t>(), probs.data<float>(),
                  lc.data<float>(), yc.data<int64_t>(), B, C);
  const int64_t bad = first_bad.to(Device::cpu()).data<int64_t>()[0];
  if (bad < B) {
    const int64_t label = yc.narrow(0, bad, 1).to(Device::cpu()).data<int64_t>()[0];
    JOULE_CHECK(false, "cross_entropy: label ", label, " at index ", bad,
                " is out of range for ", C, " classes");
  }
  return record("cross_entropy", loss, {logits}, [probs, yc, B, C](const Tensor& g, const Needs&) {
    const Device gd = ops::common_device("cross_entropy", {g, probs});
    Tensor gc = g.contiguous();
    Tensor d = Tensor::empty(probs.shape(), DType::Float32, probs.device());
    JOULE_KERNEL(cross_entropy_backward)
        .on(gd)(d.data<float>(), probs.data<float>(), yc.data<int64_t>(), gc.data<float>(),
                1.f / static_cast<float>(B), B, C);
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
  Tensor out = Tensor::empty(Shape{}, DType::Float32, device);
  JOULE_KERNEL(mse_forward).on(device)(out.data<float>(), a.data<float>(), b.data<float>(),
                                       a.numel());
  return record("mse_loss", out, {pred, target},
                [a = a.detach(), b = b.detach()](const Tensor& g, const Needs& n) {
                  const Device gd = ops::common_device("mse_loss", {g, a});
                  Tensor gc = g.contiguous();
                  Tensor d = Tensor::empty(a.shape(), DType::Float32, a.device());
                  JOULE_KERNEL(mse_backward)
                      .on(gd)(d.data<float>(), a.data<float>(), b.data<float>(), gc.data<float>(),
                              1.f / static_cast<float>(a.numel()), a.numel());
                  return grads{n[0] ? d : Tensor(), n[1] ? neg(d) : Tensor()};
                });
}

}  // namespace joule
