// Energy-aware stopping: the marginal validation accuracy gained per joule.
//
// After each epoch e the rule takes the best validation accuracy so far, A(e), and the cumulative
// energy, J(e), and computes the smoothed marginal rate
//     r(e) = (A(e) - A(e - w)) / (J(e) - J(e - w))      [accuracy points per joule, w = window]
// from epoch w + 1 on. The threshold is max(min_rate, min_rate_fraction x the best r seen). When
// r stays below the threshold for `patience` consecutive epochs (and at least `min_epochs` have
// run), the rule decides to stop. With landing_epochs > 0 it first "lands": the learning rate
// follows a half cosine from its current value towards zero over that many epochs (a plateau at a
// high learning rate hides accuracy that annealing recovers), then training stops. The weights
// of the epoch with the best validation accuracy are restored at the end.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "joule/train/trainer.h"

namespace joule::train {

struct StopRuleOptions {
  int64_t window = 2;              // w: epochs the rate is measured over
  double min_rate = 0;             // absolute threshold, accuracy points per joule (0: off)
  double min_rate_fraction = 0.1;  // relative threshold, a fraction of the best rate seen
  int64_t patience = 1;            // consecutive epochs below the threshold before deciding
  int64_t min_epochs = 4;          // never decide before this many epochs
  int64_t landing_epochs = 5;      // learning-rate anneal before stopping (0: stop at once)
  bool restore_best = true;        // restore the weights of the best validation epoch
};

// The rule alone, fed one (validation accuracy, cumulative joules) pair per epoch.
class MarginalGainRule {
 public:
  enum class Decision { Continue, Stop };
  explicit MarginalGainRule(const StopRuleOptions& options);
  Decision observe(double val_acc, double cumulative_j);

  int64_t epochs() const { return static_cast<int64_t>(best_.size()); }
  double rate() const { return rate_; }            // latest r(e); < 0 before it is defined
  double best_rate() const { return best_rate_; }
  double threshold() const;
  int64_t best_epoch() const { return best_epoch_; }  // 1-based epoch of the best accuracy
  double best_accuracy() const { return best_.empty() ? 0 : best_.back(); }
  const std::string& reason() const { return reason_; }

 private:
  StopRuleOptions o_;
  std::vector<double> best_, joules_;
  double rate_ = -1, best_rate_ = 0;
  int64_t below_ = 0, best_epoch_ = 0;
  std::string reason_;
};

// A saturating learning curve acc(J) = a - b exp(-J / c), fitted to (cumulative joules,
// accuracy) by least squares (a, b linear for each c on a log grid of c, with c at most the
// largest energy seen, so the fitted curve saturates rather than extrapolating a straight line).
struct CurveFit {
  double a = 0, b = 0, c = 1;
  double rmse = 0;
  bool ok = false;
  double at(double joules) const;
};
CurveFit fit_saturating_curve(const std::vector<std::pair<double, double>>& points);

// The Trainer callback: reads val_acc and cumulative_joules from each EpochRecord (the metering
// callback must be added before it), decides, lands, stops, restores the best weights.
class EnergyAwareStop : public Callback {
 public:
  EnergyAwareStop(const StopRuleOptions& options, int64_t budget_epochs);
  void on_epoch_begin(Trainer& t, int64_t epoch) override;
  void on_epoch_end(Trainer& t, EpochRecord& rec) override;
  void on_train_end(Trainer& t) override;

  const MarginalGainRule& rule() const { return rule_; }
  int64_t decided_epoch() const { return decided_epoch_; }  // 0 when the rule never fired
  int64_t stopped_epoch() const { return stopped_epoch_; }
  int64_t best_epoch() const { return best_epoch_; }  // the epoch whose weights are restored
  const std::string& reason() const { return reason_; }
  // The fitted curve and its forecast for continuing to the budget.
  const CurveFit& fit() const { return fit_; }
  double forecast_acc_at_budget() const { return forecast_acc_; }
  double forecast_budget_joules() const { return forecast_j_; }
  const std::vector<std::pair<double, double>>& curve() const { return points_; }

 private:
  StopRuleOptions options_;
  int64_t budget_epochs_;
  MarginalGainRule rule_;
  int64_t decided_epoch_ = 0, stopped_epoch_ = 0, landing_left_ = 0, best_epoch_ = 0;
  double best_val_ = -1;
  std::vector<double> landing_base_lr_;
  std::vector<Tensor> best_state_;
  std::vector<std::pair<double, double>> points_;
  CurveFit fit_;
  double forecast_acc_ = -1, forecast_j_ = -1;
  std::string reason_;
};

}  // namespace joule::train
