// The run's energy forecast after its first epoch (as Carbontracker predicts a whole run): the
// joules, seconds and grams CO2e the configured number of epochs will take, evaluation included.
//
// Epoch 1 carries warm-up (first-touch allocations, cold caches, lazy initialisation), so it is
// a poor sample of the epochs after it. The forecast times the steps of epoch 1 and takes the
// second half of them as the steady pace: the training loop of every later epoch is expected to
// last steps x (mean step time over the second half), its energy epoch 1's training energy
// scaled by that time over epoch 1's (power taken as steady), and its evaluation the same as
// epoch 1's. Then
//     total = e1 + (N - 1) x e_steady,
// and the same for seconds; grams follow from joules at epoch 1's grams per joule.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "joule/train/record.h"
#include "joule/train/trainer.h"

namespace joule::train {

struct EnergyForecast {
  int64_t epochs = 0;        // N: the epochs forecast, the first included
  double first_j = 0;        // epoch 1 as measured (training + evaluation)
  double steady_j = 0;       // each later epoch
  double first_s = 0, steady_s = 0;
  double grams_per_j = 0;    // epoch 1's emissions over its energy
  double warmup_scale = 1;   // steady training time / epoch 1's training time (<= 1)

  double total_joules() const { return joules_for(epochs); }
  double total_seconds() const;
  double total_co2e_g() const { return total_joules() * grams_per_j; }
  // The forecast for the first n epochs (n <= epochs when training stopped early).
  double joules_for(int64_t n) const;
};

// The forecast from epoch 1's record and the end times of its training steps (seconds since the
// epoch began, in order), for `epochs` epochs in all. Fewer than 4 steps: no warm-up correction.
// Throws joule::Error when epochs < 1 or the step times decrease.
EnergyForecast forecast_from_first_epoch(const EpochRecord& first,
                                         const std::vector<double>& step_end_s, int64_t epochs);

// forecast_error_pct: (forecast - measured) / measured x 100; 0 when measured is 0.
double forecast_error_pct(double forecast, double measured);

struct ForecastOptions {
  std::ostream* log = nullptr;  // where the lines go (null: the trainer's log, else std::cout)
  bool stop_after = false;      // --forecast-only: request a stop after the forecast
};

// The Trainer callback. Add it after the metering callback (it reads the epoch's joules). After
// the first epoch it prints
//   forecast epochs=10 forecast_total_joules=... forecast_total_s=... forecast_co2e_g=...
// and at the end of training
//   forecast_error_pct=... forecast_joules=... measured_joules=... epochs=...
// comparing the forecast for the epochs that ran with what was measured.
class ForecastCallback : public Callback {
 public:
  explicit ForecastCallback(ForecastOptions options = {});
  void on_epoch_begin(Trainer& t, int64_t epoch) override;
  void on_batch_end(Trainer& t, const StepInfo& step) override;
  void on_epoch_end(Trainer& t, EpochRecord& rec) override;
  void on_train_end(Trainer& t) override;

  bool has_forecast() const { return first_epoch_ > 0 && done_first_; }
  const EnergyForecast& forecast() const { return forecast_; }
  double measured_joules() const { return measured_j_; }
  int64_t measured_epochs() const { return measured_epochs_; }
  // For the run's outputs (MLflow tags): joule.forecast.epochs, .total_joules, .total_s,
  // .co2e_g, .first_epoch_joules and, once training ended, .error_pct, .measured_joules.
  std::vector<std::pair<std::string, std::string>> tags() const;

 private:
  std::ostream& out(Trainer& t) const;

  ForecastOptions options_;
  int64_t first_epoch_ = 0;
  bool done_first_ = false;
  double epoch_t0_ = 0;
  std::vector<double> step_end_s_;
  EnergyForecast forecast_;
  double measured_j_ = -1;
  int64_t measured_epochs_ = 0;
};

}  // namespace joule::train
