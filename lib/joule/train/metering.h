// MeteringCallback: meters every epoch's training loop and evaluations with an energy::Meter,
// prints the figures on the epoch line and keeps the run's energy history.
//
// Fields added to each epoch line: joules (training + evaluation of the epoch), watts (their mean
// power), energy_source (the meter's source: rapl, nvml, estimate, or a sum like rapl+nvml),
// energy (measured or estimated), cum_joules, co2e_g, carbon_g_per_kwh (the grid intensity behind
// co2e_g: the fixed figure, or a series' mean over the epoch's wall-clock window), and test_j_per_1k (joules per 1,000
// predictions on the test set: what inference costs in deployment).
#pragma once

#include <optional>
#include <vector>

#include "joule/energy/carbon.h"
#include "joule/energy/meter.h"
#include "joule/train/record.h"
#include "joule/train/trainer.h"

namespace joule::train {

class MeteringCallback : public Callback {
 public:
  MeteringCallback(energy::Meter& meter, const energy::CarbonOptions& carbon);

  void on_epoch_begin(Trainer& t, int64_t epoch) override;
  void on_eval_begin(Trainer& t, const std::string& split) override;
  void on_eval_end(Trainer& t, const std::string& split, const EvalResult& r) override;
  void on_epoch_end(Trainer& t, EpochRecord& rec) override;

  // Every metered epoch so far, as the record stood when this callback had filled it.
  const std::vector<EpochRecord>& history() const { return history_; }
  // Continues a resumed run: the epochs before it, so cumulative figures carry on.
  void restore(const std::vector<EpochRecord>& history);
  double cumulative_joules() const { return cumulative_j_; }
  // The last evaluation outside an epoch (e.g. a final test after training), if any.
  const std::optional<energy::Measurement>& last_eval() const { return last_eval_; }
  double last_eval_samples() const { return last_eval_samples_; }
  energy::Meter& meter() { return meter_; }
  const energy::CarbonOptions& carbon() const { return carbon_; }

 private:
  energy::Meter& meter_;
  energy::CarbonOptions carbon_;
  std::optional<energy::EnergyWindow> train_window_, eval_window_;
  bool in_epoch_ = false;
  energy::Measurement train_, eval_;  // the current epoch's windows
  double test_j_per_1k_ = -1;
  double epoch_start_unix_s_ = 0;  // wall clock at the epoch's start, for a time series
  bool series_noted_ = false;
  std::optional<energy::Measurement> last_eval_;
  double last_eval_samples_ = 0;
  double cumulative_j_ = 0;
  std::vector<EpochRecord> history_;
};

// Adds two measurements of the same meter (seconds and joules per part).
energy::Measurement operator+(const energy::Measurement& a, const energy::Measurement& b);

}  // namespace joule::train
