#include "joule/ops/loss.h"

#include "joule/autograd/node.h"
#include "joule/ops/dispatch.h"
#include "joule/ops/elementwise.h"
#include "kernels/cpu/softmax.h"

namespace joule {

Tensor cross_entropy(const Tensor& logits, const Tensor& labels) {
  ops::common_device("cross_entropy", {logits, labels});
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
  ops::common_device("mse_loss", {pred, target});
  JOULE_CHECK(pred.shape() == target.shape(), "mse_loss: prediction ", pred.shape(),
              " and target ", target.shape(), " differ in shape");
  JOULE_CHECK(pred.numel() > 0, "mse_loss: empty input ", pred.shape());
  Tensor a = ops::contiguous_float(pred, "mse_loss", "prediction");
  Tensor b = ops::contiguous_float(target, "mse_loss", "target");
  const float loss = kernels::cpu::mse_forward(a.data<float>(), b.data<float>(), a.numel());
  Tensor out = Tensor::full(Shape{}, loss, pred.device());
  return record("mse_loss", out, {pred, target},
                [a = a.detach(), b = b.detach()](const Tensor& g, const Needs& n) {
                  Tensor d = Tensor::empty(a.shape(), DType::Float32, a.device());
                  kernels::cpu::mse_backward(d.data<float>(), a.data<float>(), b.data<float>(),
                                             g.item() / static_cast<float>(a.numel()), a.numel());
                  return grads{n[0] ? d : Tensor(), n[1] ? neg(d) : Tensor()};
                });
}

}  // namespace joule
