// Checkpoints during training, and resuming from them.
//
// CheckpointCallback writes <dir>/last.h5 after every epoch (atomically: a crash mid-write leaves
// the previous one intact) with the model, the optimizer, the epoch, the learning-rate schedule's
// step, the named random generators and the energy history. resume() loads it back so that the
// run continues with the next epoch and, with the same threads, ends with the same weights as an
// uninterrupted run: the data order is a function of (seed, epoch), every other piece of state
// is in the file.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "joule/optim/lr_scheduler.h"
#include "joule/train/metering.h"
#include "joule/train/trainer.h"

namespace joule::train {

// What a checkpoint holds besides the model and the optimizer.
struct CheckpointParts {
  std::shared_ptr<optim::Scheduler> scheduler;                // may be null
  std::vector<std::pair<std::string, Generator*>> generators;  // e.g. {"dropout.0", &gen}
  MeteringCallback* metering = nullptr;                        // energy history; may be null
  std::vector<std::pair<std::string, std::string>> attributes;  // the recipe, for h5dump readers
};

class CheckpointCallback : public Callback {
 public:
  CheckpointCallback(std::string dir, CheckpointParts parts);
  // Add it after every other callback, so that the record it saves is complete.
  void on_epoch_end(Trainer& t, EpochRecord& rec) override;
  const std::string& path() const { return path_; }

 private:
  std::string dir_, path_;
  CheckpointParts parts_;
};

// The checkpoint path inside a checkpoint folder.
std::string checkpoint_path(const std::string& dir);

// Loads <dir>/last.h5 into the trainer's model and optimizer and into `parts`, sets the trainer
// to continue with the next epoch, and returns that epoch (1 when there is no checkpoint: a fresh
// start). Throws joule::Error when the file exists but cannot be loaded.
int64_t resume(const std::string& dir, Trainer& trainer, const CheckpointParts& parts);

}  // namespace joule::train
