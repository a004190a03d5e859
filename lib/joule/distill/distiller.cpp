#include "joule/distill/distiller.h"

#include "joule/ops/loss.h"

namespace joule::distill {

DistillationCallback::DistillationCallback(Teacher& teacher, const DistillLossOptions& options)
    : teacher_(teacher), options_(options) {
  // Validates the options now rather than at the first step.
  Tensor probe = Tensor::zeros(Shape{1, 2});
  distillation_loss(probe, probe, Tensor::labels({0}), options);
}

Tensor DistillationCallback::loss(const Tensor& student_logits, const data::Batch& batch) {
  if (evaluating_ || options_.alpha == 0) return cross_entropy(student_logits, batch.y);
  return distillation_loss(student_logits, teacher_.logits(batch), batch.y, options_);
}

void DistillationCallback::on_epoch_begin(train::Trainer&, int64_t) {
  joules_at_epoch_begin_ = teacher_.energy().total_j();
  samples_at_epoch_begin_ = teacher_.forward_samples();
}

void DistillationCallback::on_eval_begin(train::Trainer&, const std::string&) {
  evaluating_ = true;
}

void DistillationCallback::on_eval_end(train::Trainer&, const std::string&,
                                       const train::EvalResult&) {
  evaluating_ = false;
}

void DistillationCallback::on_epoch_end(train::Trainer&, train::EpochRecord& rec) {
  rec.set("teacher_joules", teacher_.energy().total_j() - joules_at_epoch_begin_, 2);
  rec.set("teacher_samples",
          std::to_string(teacher_.forward_samples() - samples_at_epoch_begin_));
}

std::shared_ptr<DistillationCallback> attach_distillation(train::Trainer& trainer, Teacher& teacher,
                                                          const DistillLossOptions& options) {
  auto cb = std::make_shared<DistillationCallback>(teacher, options);
  trainer.set_loss([raw = cb.get()](const Tensor& out, const data::Batch& b) {
    return raw->loss(out, b);
  });
  trainer.add_callback(cb);
  return cb;
}

}  // namespace joule::distill
