// A Trainer callback that prunes by magnitude on a schedule: after every optimizer step it asks
// the schedule whether this global step (optimizer steps done, across epochs) is a pruning step,
// and if so prunes the named parameters to the schedule's sparsity (only ever more). It adds
// `sparsity=` (the fraction of zero entries over the pruned parameters) and `nnz=` (their nonzero
// entries) to every epoch line.
//
//   auto schedule = std::make_shared<prune::PolynomialDecay>(prune::PolynomialDecayOptions{
//       .final_sparsity = 0.9, .begin_step = 0, .end_step = 3000, .frequency = 100});
//   trainer.add_callback(std::make_shared<prune::PruningCallback>(schedule));
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "joule/prune/schedule.h"
#include "joule/train/trainer.h"

namespace joule::prune {

struct PruningCallbackOptions {
  // The parameters to prune; empty: every parameter of two or more dimensions
  // (prunable_parameters: the weights, not the biases).
  std::vector<std::string> names = {};
  // true: one magnitude threshold across `names` (global_magnitude_to_sparsity); false: each
  // parameter pruned to the schedule's sparsity on its own (magnitude_to_sparsity).
  bool global = false;
  // How to prune the model to the schedule's sparsity at a pruning step, in place of magnitude
  // pruning (then `global` is ignored and `names` only chooses what sparsity= and nnz= report);
  // e.g. deploy::channel_pruning() prunes whole channels (structured, by L2 norm).
  std::function<void(nn::Module& model, double sparsity)> method = {};
};

class PruningCallback : public train::Callback {
 public:
  explicit PruningCallback(std::shared_ptr<const Schedule> schedule,
                           PruningCallbackOptions options = {});

  // Resolves the names, gives each parameter a mask (so checkpoints hold them from the start),
  // attaches the trainer's optimizer to the masks (prune::attach) and prunes when step 0 is a
  // pruning step.
  void on_train_begin(train::Trainer& trainer) override;
  void on_batch_end(train::Trainer& trainer, const train::StepInfo& info) override;
  void on_epoch_end(train::Trainer& trainer, train::EpochRecord& record) override;

  const std::vector<std::string>& names() const { return names_; }
  int64_t times_pruned() const { return times_pruned_; }
  double last_target() const { return last_target_; }  // the sparsity last pruned to (0: none)

 private:
  void prune_to(nn::Module& model, double target);

  std::shared_ptr<const Schedule> schedule_;
  PruningCallbackOptions options_;
  std::vector<std::string> names_;
  int64_t times_pruned_ = 0;
  double last_target_ = 0;
};

}  // namespace joule::prune
