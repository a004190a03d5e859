// Trainer: the epoch loop (train, evaluate, report) with callbacks at batch and epoch boundaries,
// where metering, pruning, checkpoints and stopping rules attach.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "datasets/dataloader.h"
#include "joule/nn/module.h"
#include "joule/optim/lr_scheduler.h"
#include "joule/optim/optimizer.h"
#include "joule/train/record.h"

namespace joule::train {

class Trainer;
struct EvalResult;

// What a finished training step saw; `output` is detached. The batch's x and y are on the
// training device; its indices stay on the host.
struct StepInfo {
  int64_t epoch;  // 1-based
  int64_t step;   // 0-based within the epoch
  int64_t steps_in_epoch;
  const data::Batch& batch;
  const Tensor& output;
  float loss;
};

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_train_begin(Trainer&) {}
  virtual void on_epoch_begin(Trainer&, int64_t /*epoch*/) {}
  // Before the forward pass of a training batch (on the training device).
  virtual void on_batch_begin(Trainer&, const data::Batch&) {}
  // After backward, before the optimizer step (gradients are present).
  virtual void on_after_backward(Trainer&, const StepInfo&) {}
  // After the optimizer step.
  virtual void on_batch_end(Trainer&, const StepInfo&) {}
  // Around every evaluate() (inference energy is metered here); split is "val" or "test".
  virtual void on_eval_begin(Trainer&, const std::string& /*split*/) {}
  virtual void on_eval_end(Trainer&, const std::string& /*split*/, const EvalResult&) {}
  // After each evaluation batch `step` (0-based) of `steps` (the energy forecast times them).
  virtual void on_eval_batch_end(Trainer&, const std::string& /*split*/, int64_t /*step*/,
                                 int64_t /*steps*/) {}
  // After evaluation; may add fields to the record and call trainer.request_stop().
  virtual void on_epoch_end(Trainer&, EpochRecord&) {}
  virtual void on_train_end(Trainer&) {}
};

struct TrainerOptions {
  int64_t epochs = 10;
  bool progress = true;             // a progress bar on stderr when stderr is a terminal
  std::ostream* log = nullptr;      // where epoch lines go (null: std::cout)
  bool quiet = false;               // print no epoch lines
  bool scheduler_per_batch = false; // step the LR schedule per batch instead of per epoch
  // Where training runs: every batch is moved there. Unset: the device of the model's first
  // parameter (the CPU for a model without any). The model itself is moved with Module::to.
  std::optional<Device> device = std::nullopt;
};

struct EvalResult {
  double loss = 0;      // mean loss
  double accuracy = 0;  // percent
  int64_t samples = 0;
};

// loss(output, batch) -> scalar; the default is cross_entropy(output, batch.y).
using LossFn = std::function<Tensor(const Tensor& output, const data::Batch& batch)>;

class Trainer {
 public:
  Trainer(nn::Module& model, optim::Optimizer& optimizer, const TrainerOptions& options);

  void set_loss(LossFn loss) { loss_ = std::move(loss); }
  void set_scheduler(std::shared_ptr<optim::Scheduler> s) { scheduler_ = std::move(s); }
  void add_callback(std::shared_ptr<Callback> c) { callbacks_.push_back(std::move(c)); }

  // Trains for options.epochs epochs (from start_epoch), evaluating after each on `val` (a split
  // held out from the training data, for decisions such as stopping) and on `test` when given.
  // Throws joule::Error when the loss becomes NaN or infinite.
  const std::vector<EpochRecord>& fit(data::DataLoader& train, data::DataLoader* test = nullptr,
                                      data::DataLoader* val = nullptr);
  EvalResult evaluate(data::DataLoader& loader, const std::string& split = "test");

  // Ends training after the current epoch; the reason is printed.
  void request_stop(const std::string& reason);
  bool stop_requested() const { return stop_; }
  // Continue from a later epoch (resume): the next epoch trained is `epoch` (1-based).
  void set_start_epoch(int64_t epoch) { start_epoch_ = epoch; }

  nn::Module& model() { return model_; }
  optim::Optimizer& optimizer() { return optimizer_; }
  const std::vector<EpochRecord>& history() const { return history_; }
  std::vector<EpochRecord>& history() { return history_; }
  const TrainerOptions& options() const { return options_; }
  // The device batches go to: options.device, else the model's first parameter's.
  Device device() const;

 private:
  EpochRecord train_epoch(data::DataLoader& train, int64_t epoch);
  std::ostream& log() const;

  nn::Module& model_;
  optim::Optimizer& optimizer_;
  TrainerOptions options_;
  LossFn loss_;
  std::shared_ptr<optim::Scheduler> scheduler_;
  std::vector<std::shared_ptr<Callback>> callbacks_;
  std::vector<EpochRecord> history_;
  int64_t start_epoch_ = 1;
  bool stop_ = false;
  std::string stop_reason_;
};

}  // namespace joule::train
