#include "joule/train/unfreeze.h"

#include "joule/nn/freeze.h"

namespace joule::train {

GradualUnfreezing::GradualUnfreezing(nn::Module& model, std::vector<UnfreezeStep> steps)
    : model_(model), steps_(std::move(steps)), applied_(steps_.size(), false) {
  const nn::NamedTensors params = model.named_parameters();
  for (const UnfreezeStep& s : steps_) {
    JOULE_CHECK(s.epoch >= 1, "GradualUnfreezing: epochs are 1-based, got ", s.epoch);
    JOULE_CHECK(!s.prefixes.empty(), "GradualUnfreezing: the step at epoch ", s.epoch,
                " names no prefix");
    for (const std::string& prefix : s.prefixes) {
      bool any = false;
      for (const auto& [n, t] : params) any = any || nn::name_under(n, prefix);
      JOULE_CHECK(any, "GradualUnfreezing: the step at epoch ", s.epoch,
                  ": no parameter under '", prefix, "'");
    }
  }
}

void GradualUnfreezing::on_epoch_begin(Trainer&, int64_t epoch) {
  for (size_t i = 0; i < steps_.size(); ++i) {
    if (applied_[i] || steps_[i].epoch > epoch) continue;
    nn::unfreeze(model_, steps_[i].prefixes);
    applied_[i] = true;
  }
}

void GradualUnfreezing::on_epoch_end(Trainer&, EpochRecord& rec) {
  rec.set("trainable_params", std::to_string(nn::num_trainable(model_)));
}

}  // namespace joule::train
