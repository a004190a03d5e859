// DataParallel: the Trainer callback that makes N processes train one model as one process with
// their global batch would (PyTorch DDP's contract). Add it to every rank's Trainer before any
// other callback; give every rank's training loader world_size and rank (DataLoader options).
//   on_train_begin   rank 0's parameters, buffers and optimizer state go to every rank, and the
//                    gradient bucketer hooks onto the parameters;
//   on_batch_begin   arms the bucketer with this rank's share n_r / n of the global batch;
//   backward         full buckets are summed over ranks while backward runs (bucketer.h);
//   on_after_backward  waits for the rest: every rank holds the same averaged gradient;
//   on_epoch_end     the epoch's loss and accuracies become the figures of the whole job
//                    (sample-weighted over ranks), so stopping rules and outputs see those.
// Sparse patterns (SET, RigL) are checked before each batch and each evaluation; when the ranks'
// patterns differ, rank 0's model and optimizer state are sent to all.
// In a world of one process it does nothing (no MPI call on the step path).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "joule/dist/bucketer.h"
#include "joule/dist/communicator.h"
#include "joule/train/trainer.h"

namespace joule::dist {

struct DataParallelOptions {
  BucketOptions buckets;
};

class DataParallel : public train::Callback {
 public:
  explicit DataParallel(Communicator& comm, const DataParallelOptions& options = {});

  void on_train_begin(train::Trainer& t) override;
  void on_epoch_begin(train::Trainer& t, int64_t epoch) override;
  void on_batch_begin(train::Trainer& t, const data::Batch& batch) override;
  void on_after_backward(train::Trainer& t, const train::StepInfo& info) override;
  void on_eval_begin(train::Trainer& t, const std::string& split) override;
  void on_eval_end(train::Trainer& t, const std::string& split,
                   const train::EvalResult& r) override;
  void on_epoch_end(train::Trainer& t, train::EpochRecord& rec) override;
  void on_train_end(train::Trainer& t) override;

  // The bucketer of the run in progress (null in a world of one process, before and after fit).
  const GradBucketer* bucketer() const { return bucketer_.get(); }
  // Buckets started during backward (overlapped with it) and in all, over every step so far.
  int64_t buckets_overlapped() const { return buckets_overlapped_; }
  int64_t buckets_reduced() const { return buckets_reduced_; }
  // Times rank 0's state was sent because the sparse patterns had drifted apart.
  int64_t pattern_syncs() const { return pattern_syncs_; }

 private:
  void sync_patterns(train::Trainer& t);

  Communicator& comm_;
  DataParallelOptions options_;
  std::unique_ptr<GradBucketer> bucketer_;
  bool patterns_ = false;
  int64_t pattern_syncs_ = 0;
  int64_t buckets_overlapped_ = 0, buckets_reduced_ = 0;
  double train_samples_ = 0;  // this rank's, this epoch
  struct Eval {
    double samples = 0, loss = 0, accuracy = 0;
  };
  std::map<std::string, Eval> evals_;  // this rank's, this epoch, per split
};

// The sample-weighted mean over ranks of a figure each rank computed over its own `samples`;
// -1 when no rank had any sample.
double weighted_mean(Communicator& comm, double value, double samples);

}  // namespace joule::dist
