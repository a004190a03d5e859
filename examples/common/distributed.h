// Data-parallel runs of the examples: `mpirun -np N build/examples/fashion_mlp --threads T ...`
// trains one model on N processes (see docs/distributed.md). A plain run is a world of one: no
// MPI call, the same output as before plus world_size=1 in the header line.
//
// Only rank 0 prints (the other ranks' std::cout goes nowhere), writes outputs and checkpoints;
// every rank meters itself and the epoch lines show the job's total joules.
#pragma once

#include <memory>
#include <ostream>
#include <streambuf>
#include <string>

#include "common/metering.h"
#include "datasets/dataloader.h"
#include "joule/dist/data_parallel.h"
#include "joule/dist/energy.h"
#include "joule/dist/environment.h"
#include "joule/train/checkpointing.h"
#include "joule/train/trainer.h"

namespace joule::examples {

class Distributed {
 public:
  // Starts the environment (MPI when launched by mpirun). On failure prints why, prefixed with
  // `program`, and exits 2.
  explicit Distributed(const std::string& program);
  ~Distributed();
  Distributed(const Distributed&) = delete;
  Distributed& operator=(const Distributed&) = delete;

  dist::Environment& env() { return *env_; }
  int rank() const { return env_->rank(); }
  int size() const { return env_->size(); }
  bool is_root() const { return env_->is_root(); }

  // `o` for this rank: its slice of every global batch (o.batch_size stays the global batch).
  data::LoaderOptions shard(data::LoaderOptions o) const;
  // Header fields: "world_size=N" (and the MPI library when N > 1).
  std::string fields() const;
  // add_data_parallel then add_metering, for a trainer with no other callbacks before them.
  void add_callbacks(train::Trainer& trainer, Metering& m);
  // DataParallel (N > 1): add it before every other callback (they then see averaged gradients
  // and the job's loss and accuracies).
  void add_data_parallel(train::Trainer& trainer);
  // m.callback and, with N > 1, RankJoules after it; the meter becomes a dist::SummedMeter
  // around this rank's own (m.callback is rebuilt on it).
  void add_metering(train::Trainer& trainer, Metering& m);
  // train::resume read by rank 0 only; the epoch, the schedule's step and the generators go to
  // every rank (the model and optimizer follow at the start of fit()). Returns the next epoch.
  int64_t resume(const std::string& dir, train::Trainer& trainer,
                 const train::CheckpointParts& parts);
  // Reports a failure: "<program>: rank R of N: <what>" on stderr. With N > 1 it ends the whole
  // job (MPI_Abort: mpirun stops every rank and names this one); otherwise returns 1.
  int fail(const std::string& program, const std::exception& e);

 private:
  struct NullBuffer : std::streambuf {
    int overflow(int c) override { return c; }
  };
  std::unique_ptr<dist::Environment> env_;
  std::shared_ptr<dist::DataParallel> data_parallel_;
  NullBuffer null_;
  std::streambuf* cout_buf_ = nullptr;
};

}  // namespace joule::examples
