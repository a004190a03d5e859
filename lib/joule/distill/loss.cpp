#include "joule/distill/loss.h"

#include <cmath>

#include "joule/autograd/grad_mode.h"
#include "joule/autograd/node.h"
#include "joule/ops/distill.h"
#include "joule/ops/elementwise.h"
#include "joule/ops/loss.h"
#include "joule/ops/reduce.h"
#include "joule/ops/softmax.h"

namespace joule::distill {

namespace {

void check_options(const char* op, double temperature, double alpha) {
  JOULE_CHECK(std::isfinite(temperature) && temperature > 0, op,
              ": temperature must be positive and finite, got ", temperature);
  JOULE_CHECK(std::isfinite(alpha) && alpha >= 0 && alpha <= 1, op,
              ": alpha must lie in [0, 1], got ", alpha);
}

void check_logits(const char* op, const Tensor& student, const Tensor& teacher) {
  JOULE_CHECK(student.defined() && teacher.defined(), op,
              ": student and teacher logits must be defined");
  JOULE_CHECK(student.dim() == 2 && student.size(0) > 0 && student.size(1) > 0, op,
              ": student logits must be a non-empty (batch, classes) tensor, got ",
              student.shape());
  JOULE_CHECK(teacher.shape() == student.shape(), op, ": teacher logits ", teacher.shape(),
              " and student logits ", student.shape(), " differ in shape");
}

void check_labels(const char* op, const Tensor& labels, int64_t B, int64_t C, double alpha) {
  JOULE_CHECK(labels.defined(), op, ": labels are needed when alpha < 1 (alpha = ", alpha, ")");
  JOULE_CHECK(labels.dtype() == DType::Int64 && labels.dim() == 1 && labels.size(0) == B, op,
              ": labels must be a 1-D int64 tensor of ", B, " entries, got ", labels.str());
  Tensor lc = labels.contiguous();
  const int64_t* y = lc.data<int64_t>();
  for (int64_t i = 0; i < B; ++i)
    JOULE_CHECK(y[i] >= 0 && y[i] < C, op, ": label ", y[i], " at index ", i,
                " is out of range for ", C, " classes");
}

// The T^2-scaled KL term composed of ops, differentiable in both inputs.
Tensor composed_soft_term(const Tensor& student, const Tensor& teacher, double temperature) {
  const float inv_t = static_cast<float>(1.0 / temperature);
  Tensor log_q = log_softmax(student * inv_t);  // student's softened log-probabilities
  Tensor log_p = log_softmax(teacher * inv_t);  // teacher's
  Tensor p = exp(log_p);
  // KL(p || q) = sum_c p (log p - log q); p log p is 0 where p underflows to 0, as it should.
  Tensor kl = sum(p * (log_p - log_q));
  return kl * static_cast<float>(temperature * temperature / static_cast<double>(student.size(0)));
}

// The fused kernel (ops/distill.h): one pass, the gradient computed with the loss; the teacher
// is a constant.
Tensor fused(const Tensor& student, const Tensor& teacher, const Tensor& labels,
             const DistillLossOptions& o) {
  return kd_loss(student, teacher, o.alpha < 1 ? labels : Tensor(),
                 {.temperature = o.temperature, .alpha = o.alpha});
}

}  // namespace

Tensor reference_distillation_loss(const Tensor& student, const Tensor& teacher,
                                   const Tensor& labels, const DistillLossOptions& o) {
  check_options("distillation_loss", o.temperature, o.alpha);
  check_logits("distillation_loss", student, teacher);
  if (o.alpha == 1) return composed_soft_term(student, teacher, o.temperature);
  check_labels("distillation_loss", labels, student.size(0), student.size(1), o.alpha);
  Tensor hard = cross_entropy(student, labels);
  if (o.alpha == 0) return hard;
  return composed_soft_term(student, teacher, o.temperature) * static_cast<float>(o.alpha) +
         hard * static_cast<float>(1 - o.alpha);
}

Tensor distillation_loss(const Tensor& student, const Tensor& teacher, const Tensor& labels,
                         const DistillLossOptions& o) {
  check_options("distillation_loss", o.temperature, o.alpha);
  if (o.alpha == 0) {
    JOULE_CHECK(labels.defined(), "distillation_loss: labels are needed when alpha < 1 (alpha = ",
                o.alpha, ")");
    return cross_entropy(student, labels);
  }
  check_logits("distillation_loss", student, teacher);
  const bool teacher_grad = grad_enabled() && teacher.requires_grad();
  if (teacher_grad || !student.device().is_cpu() || !teacher.device().is_cpu())
    return reference_distillation_loss(student, teacher, labels, o);
  if (o.alpha < 1) check_labels("distillation_loss", labels, student.size(0), student.size(1), o.alpha);
  return fused(student, teacher, labels, o);
}

Tensor soft_target_loss(const Tensor& student, const Tensor& teacher, double temperature) {
  check_options("soft_target_loss", temperature, 1.0);
  check_logits("soft_target_loss", student, teacher);
  return distillation_loss(student, teacher, Tensor(), {.temperature = temperature, .alpha = 1});
}

}  // namespace joule::distill
