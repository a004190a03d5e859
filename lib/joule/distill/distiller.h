// Distillation with the Trainer: the student is the trainer's model; the trainer's loss becomes
// distillation_loss(student logits, teacher logits for the batch, labels), evaluation keeps plain
// cross-entropy (test_loss stays comparable with a run on hard labels), and each epoch line
// gains the teacher's share:
//
//   teacher_joules   energy of the teacher's forward passes during the epoch (already inside
//                    joules=, which meters the whole epoch; 0 once the cache is full)
//   teacher_samples  samples the teacher ran forward on during the epoch
//
// Usage:
//   distill::Teacher teacher = distill::Teacher::from_checkpoint(path, make_cnn(), {.cache_samples = n});
//   train::Trainer trainer(student, opt, {...});
//   auto kd = distill::attach_distillation(trainer, teacher, {.temperature = 4, .alpha = 0.9});
//   trainer.fit(train_loader, &test_loader);
#pragma once

#include <memory>

#include "joule/distill/loss.h"
#include "joule/distill/teacher.h"
#include "joule/train/trainer.h"

namespace joule::distill {

class DistillationCallback : public train::Callback {
 public:
  DistillationCallback(Teacher& teacher, const DistillLossOptions& options);

  // The loss the trainer calls: distillation while training, cross-entropy while evaluating.
  Tensor loss(const Tensor& student_logits, const data::Batch& batch);

  void on_epoch_begin(train::Trainer&, int64_t epoch) override;
  void on_eval_begin(train::Trainer&, const std::string& split) override;
  void on_eval_end(train::Trainer&, const std::string& split, const train::EvalResult&) override;
  void on_epoch_end(train::Trainer&, train::EpochRecord& rec) override;

  const DistillLossOptions& options() const { return options_; }

 private:
  Teacher& teacher_;
  DistillLossOptions options_;
  bool evaluating_ = false;
  double joules_at_epoch_begin_ = 0;
  int64_t samples_at_epoch_begin_ = 0;
};

// Sets `trainer`'s loss to the distillation loss against `teacher` and adds the callback that
// reports the teacher's energy; returns it. `teacher` must outlive the trainer's fit().
std::shared_ptr<DistillationCallback> attach_distillation(train::Trainer& trainer, Teacher& teacher,
                                                          const DistillLossOptions& options);

}  // namespace joule::distill
