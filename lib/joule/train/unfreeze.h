// GradualUnfreezing: a Trainer callback that unfreezes parts of a model at set epochs (ULMFiT's
// gradual unfreezing, Howard & Ruder 2018): train the new head first, then open the layers below
// it one stage at a time, so early updates from a random head do not wreck pretrained features.
// Each epoch line gains trainable_params= (values that get gradients this epoch).
//
// The optimizer must already hold the frozen parameters (distill::param_groups includes them):
// it skips them while they have no gradient and updates them at their group's rate afterwards.
#pragma once

#include <string>
#include <vector>

#include "joule/nn/module.h"
#include "joule/train/trainer.h"

namespace joule::train {

struct UnfreezeStep {
  int64_t epoch = 1;                  // 1-based: unfrozen before this epoch's first step
  std::vector<std::string> prefixes;  // nn::name_under rules
};

class GradualUnfreezing : public Callback {
 public:
  // Throws when an epoch is < 1 or a prefix covers no parameter of `model`.
  GradualUnfreezing(nn::Module& model, std::vector<UnfreezeStep> steps);

  // Unfreezes every step due by `epoch` not yet applied (a resumed run catches up at once).
  void on_epoch_begin(Trainer& t, int64_t epoch) override;
  void on_epoch_end(Trainer& t, EpochRecord& rec) override;

 private:
  nn::Module& model_;
  std::vector<UnfreezeStep> steps_;
  std::vector<bool> applied_;
};

}  // namespace joule::train
