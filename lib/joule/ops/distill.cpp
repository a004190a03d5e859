#include "joule/ops/distill.h"

#include <cmath>

#include "joule/autograd/node.h"
#include "joule/ops/dispatch.h"
#include "joule/ops/elementwise.h"
#include "kernels/cpu/distill.h"
#include "kernels/reference/distill.h"

namespace joule {

Tensor kd_loss(const Tensor& student, const Tensor& teacher, const Tensor& labels,
               const KdLossOptions& o) {
  const Device device = ops::common_device("kd_loss", {student, teacher, labels});
  JOULE_CHECK(std::isfinite(o.temperature) && o.temperature > 0,
              "kd_loss: temperature must be positive and finite, got ", o.temperature);
  JOULE_CHECK(std::isfinite(o.alpha) && o.alpha >= 0 && o.alpha <= 1,
              "kd_loss: alpha must lie in [0, 1], got ", o.alpha);
  JOULE_CHECK(student.dim() == 2 && student.size(0) > 0 && student.size(1) > 0,
              "kd_loss: student logits must be a non-empty (batch, classes) tensor, got ",
              student.shape());
  JOULE_CHECK(teacher.shape() == student.shape(), "kd_loss: teacher logits ", teacher.shape(),
              " and student logits ", student.shape(), " differ in shape");
  const int64_t B = student.size(0), C = student.size(1);
  Tensor yc;
  if (o.alpha < 1) {
    JOULE_CHECK(labels.defined() && labels.dtype() == DType::Int64 && labels.dim() == 1 &&
                    labels.size(0) == B,
                "kd_loss: labels must be a 1-D int64 tensor of ", B, " entries when alpha < 1 ",
                "(alpha = ", o.alpha, "), got ", labels.str());
    yc = labels.contiguous();
    Tensor host = yc.to(Device::cpu());
    const int64_t* y = host.data<int64_t>();
    for (int64_t i = 0; i < B; ++i)
      JOULE_CHECK(y[i] >= 0 && y[i] < C, "kd_loss: label ", y[i], " at index ", i,
                  " is out of range for ", C, " classes");
  }
  Tensor sc = ops::contiguous_float(student, "kd_loss", "student logits");
  Tensor tc = ops::contiguous_float(teacher, "kd_loss", "teacher logits");
  Tensor loss = Tensor::empty(Shape{}, DType::Float32, device);
  Tensor grad = Tensor::empty(student.shape(), DType::Float32, device);
  JOULE_HOST_KERNEL(kd_loss_forward)
      .on(device)(loss.data<float>(), grad.data<float>(), sc.data<float>(), tc.data<float>(),
                  yc.defined() ? yc.data<int64_t>() : nullptr, B, C,
                  static_cast<float>(o.temperature), static_cast<float>(o.alpha));
  // The node carries the name of the loss users call (joule::distill::distillation_loss).
  return record("distillation_loss", loss, {student}, [grad](const Tensor& g, const Needs&) {
    return grads{grad * g.item()};
  });
}

}  // namespace joule
