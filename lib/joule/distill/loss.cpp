#include "joule/distill/loss.h"

#include <cmath>

#include "joule/ops/elementwise.h"
#include "joule/ops/loss.h"
#include "joule/ops/reduce.h"
#include "joule/ops/softmax.h"

namespace joule::distill {

namespace {
void check_temperature(double t, const char* op) {
  JOULE_CHECK(std::isfinite(t) && t > 0, op, ": temperature must be positive and finite, got ", t);
}
}  // namespace

// Composed from existing ops (log_softmax is the stable fused kernel): on (B, C) logits these few
// passes cost nothing next to the student's forward and backward, and autograd gives the
// gradient, which the tests check against the closed form alpha * T * (q - p) / B.
Tensor soft_target_loss(const Tensor& student, const Tensor& teacher, double temperature) {
  check_temperature(temperature, "soft_target_loss");
  JOULE_CHECK(student.defined() && teacher.defined(),
              "soft_target_loss: student and teacher logits must be defined");
  JOULE_CHECK(student.dim() == 2 && student.size(0) > 0 && student.size(1) > 0,
              "soft_target_loss: student logits must be a non-empty (batch, classes) tensor, got ",
              student.shape());
  JOULE_CHECK(teacher.shape() == student.shape(), "soft_target_loss: teacher logits ",
              teacher.shape(), " and student logits ", student.shape(), " differ in shape");
  const float inv_t = static_cast<float>(1.0 / temperature);
  Tensor log_q = log_softmax(student * inv_t);  // student's softened log-probabilities
  Tensor log_p = log_softmax(teacher * inv_t);  // teacher's
  Tensor p = exp(log_p);
  // KL(p || q) = sum_c p (log p - log q); p log p is 0 where p underflows to 0, as it should.
  Tensor kl = sum(p * (log_p - log_q));
  const double scale = temperature * temperature / static_cast<double>(student.size(0));
  return kl * static_cast<float>(scale);
}

Tensor distillation_loss(const Tensor& student, const Tensor& teacher, const Tensor& labels,
                         const DistillLossOptions& options) {
  const double a = options.alpha;
  JOULE_CHECK(std::isfinite(a) && a >= 0 && a <= 1,
              "distillation_loss: alpha must lie in [0, 1], got ", a);
  check_temperature(options.temperature, "distillation_loss");
  if (a == 1) return soft_target_loss(student, teacher, options.temperature);
  JOULE_CHECK(labels.defined(), "distillation_loss: labels are needed when alpha < 1 (alpha = ",
              a, ")");
  Tensor hard = cross_entropy(student, labels);
  if (a == 0) return hard;
  Tensor soft = soft_target_loss(student, teacher, options.temperature);
  return soft * static_cast<float>(a) + hard * static_cast<float>(1 - a);
}

}  // namespace joule::distill
