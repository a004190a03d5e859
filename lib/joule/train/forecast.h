// The run's energy forecast after its first epoch (as Carbontracker predicts a whole run): the
// joules, seconds and grams CO2e the configured number of epochs will take, evaluation included.
//
// Epoch 1 carries warm-up (first-touch allocations, cold caches, lazy initialisation), so it is
// a poor sample of the epochs after it. The forecast takes the second half of epoch 1's steps as
// the steady pace: the training loop of every later epoch is expected to last steps x (mean step
// time over the second half) and to use steps x (mean step energy over the second half, read
// from the meter at the half and at the end; without a meter, epoch 1's training energy scaled
// by that time over epoch 1's); its evaluations likewise from the second half of their batches
// (each split read from the meter; without a meter or with fewer than 4 batches, epoch 1's).
// Neither exceeds epoch 1's own (warm-up only adds). Then
//     total = e1 + (N - 1) x e_steady,
// and the same for seconds; grams follow from joules at epoch 1's grams per joule.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "joule/energy/meter.h"
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
// epoch began, in order), for `epochs` epochs in all. `second_half_j` is the training energy of
// steps n/2 .. n-1 (< 0: unknown, scale by time); `steady_eval_j` a later epoch's evaluation
// energy (< 0: epoch 1's). Fewer than 4 steps: no warm-up correction of the training loop.
// Throws joule::Error when epochs < 1 or the step times decrease.
EnergyForecast forecast_from_first_epoch(const EpochRecord& first,
                                         const std::vector<double>& step_end_s, int64_t epochs,
                                         double second_half_j = -1, double steady_eval_j = -1);

// forecast_error_pct: (forecast - measured) / measured x 100; 0 when measured is 0.
double forecast_error_pct(double forecast, double measured);

struct ForecastOptions {
  // The training's meter, read at the middle and the end of epoch 1's steps (null: the warm-up
  // correction scales epoch 1's energy by time).
  energy::Meter* meter = nullptr;
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
  void on_eval_begin(Trainer& t, const std::string& split) override;
  void on_eval_batch_end(Trainer& t, const std::string& split, int64_t step,
                         int64_t steps) override;
  void on_eval_end(Trainer& t, const std::string& split, const EvalResult& r) override;
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
  double mid_j_ = -1, second_half_j_ = -1;
  // Epoch 1's evaluations: the meter at a split's start and half, the steady estimate so far.
  double eval_start_j_ = -1, eval_mid_j_ = -1, eval_split_steady_j_ = -1, steady_eval_j_ = 0;
  bool eval_ok_ = true;
  EnergyForecast forecast_;
  double measured_j_ = -1;
  int64_t measured_epochs_ = 0;
};

}  // namespace joule::train
