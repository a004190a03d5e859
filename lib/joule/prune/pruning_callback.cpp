#include "joule/prune/pruning_callback.h"

#include "joule/prune/magnitude.h"
#include "joule/prune/mask.h"

namespace joule::prune {

PruningCallback::PruningCallback(std::shared_ptr<const Schedule> schedule,
                                 PruningCallbackOptions options)
    : schedule_(std::move(schedule)), options_(std::move(options)) {
  JOULE_CHECK(schedule_ != nullptr, "PruningCallback: no schedule given");
}

void PruningCallback::on_train_begin(train::Trainer& trainer) {
  nn::Module& model = trainer.model();
  names_ = options_.names.empty() ? prunable_parameters(model) : options_.names;
  JOULE_CHECK(!names_.empty(), "PruningCallback: the model has no parameter of two or more "
              "dimensions to prune; name them in PruningCallbackOptions::names");
  for (const auto& name : names_) identity(model, name);
  attach(trainer.optimizer(), model);
  if (schedule_->should_prune(0)) prune_to(model, schedule_->sparsity(0));
}

void PruningCallback::on_batch_end(train::Trainer& trainer, const train::StepInfo& info) {
  const int64_t step = (info.epoch - 1) * info.steps_in_epoch + info.step + 1;
  if (schedule_->should_prune(step)) prune_to(trainer.model(), schedule_->sparsity(step));
}

void PruningCallback::on_epoch_end(train::Trainer& trainer, train::EpochRecord& record) {
  if (names_.empty()) return;
  record.set("sparsity", sparsity(trainer.model(), names_), 4);
  record.set("nnz", std::to_string(nnz(trainer.model(), names_)));
}

void PruningCallback::prune_to(nn::Module& model, double target) {
  if (options_.method) {
    options_.method(model, target);
  } else if (options_.global) {
    global_magnitude_to_sparsity(model, names_, target);
  } else {
    for (const auto& name : names_) magnitude_to_sparsity(model, name, target);
  }
  ++times_pruned_;
  last_target_ = target;
}

}  // namespace joule::prune
