// Energy of a data-parallel job: every rank meters itself and the figures are summed, so joules=
// is the job's total with nothing counted twice.
//   - the estimate meter counts this process's own CPU time: every rank's share is its own;
//   - RAPL counts a whole CPU package, shared by the ranks of a machine: only local rank 0 reports
//     it (the others report 0 for cpu and dram);
//   - NVML: each rank reports the GPU it trains on.
// SummedMeter wraps a rank's meter; every read() is a collective (all ranks read at the same
// points of training, as MeteringCallback does), returns the sum over ranks and remembers each
// rank's own figure. RankJoules, added after the MeteringCallback, puts each rank's joules of the
// epoch on the epoch line, measured over the same windows: rank_joules=12.10,11.90.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "joule/dist/communicator.h"
#include "joule/energy/meter.h"
#include "joule/train/metering.h"
#include "joule/train/trainer.h"

namespace joule::dist {

class SummedMeter : public energy::Meter {
 public:
  // `reads_package`: whether this rank reports a RAPL package counter (local rank 0 does).
  SummedMeter(std::unique_ptr<energy::Meter> own, Communicator& comm, bool reads_package);

  std::string source() const override { return own_->source(); }
  bool measured() const override { return own_->measured(); }
  energy::EnergyTotals read() override;
  std::string describe() const override;

  // This rank's own cumulative totals as of the last read().
  energy::EnergyTotals own_totals() const { return last_own_; }
  // Every rank's cumulative total joules at each read() since the last take_reads(), oldest
  // first: reads[k][r] is rank r's at read k.
  std::vector<std::vector<double>> take_reads();

 private:
  std::unique_ptr<energy::Meter> own_;
  Communicator& comm_;
  bool zero_package_;
  energy::EnergyTotals last_own_;
  std::vector<std::vector<double>> reads_;
};

// Adds rank_joules=<rank 0>,<rank 1>,... to each epoch line: each rank's joules over the epoch's
// metering windows (reads paired in order: start, stop, start, stop, as MeteringCallback opens
// and closes them), so they sum to the epoch's joules=. Also corrects test_j_per_1k, which the
// MeteringCallback divides by this rank's test samples, to the job's joules per 1,000 of all.
// Given the MeteringCallback, it writes both into the last epoch of its history too (which the
// run's outputs and checkpoints are made from).
class RankJoules : public train::Callback {
 public:
  RankJoules(SummedMeter& meter, Communicator& comm, train::MeteringCallback* metering = nullptr)
      : meter_(meter), comm_(comm), metering_(metering) {}
  void on_epoch_begin(train::Trainer& t, int64_t epoch) override;
  void on_eval_end(train::Trainer& t, const std::string& split,
                   const train::EvalResult& r) override;
  void on_epoch_end(train::Trainer& t, train::EpochRecord& rec) override;
  // The figures of the last epoch, per rank.
  const std::vector<double>& last() const { return last_; }

 private:
  SummedMeter& meter_;
  Communicator& comm_;
  train::MeteringCallback* metering_;
  std::vector<double> last_;
  double test_samples_ = -1;  // this rank's, this epoch; < 0: no test evaluation
};

}  // namespace joule::dist
