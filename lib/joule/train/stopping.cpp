#include "joule/train/stopping.h"

#include <algorithm>
#include <cmath>

#include "joule/autograd/grad_mode.h"

namespace joule::train {

MarginalGainRule::MarginalGainRule(const StopRuleOptions& o) : o_(o) {
  JOULE_CHECK(o.window >= 1, "MarginalGainRule: window must be >= 1, got ", o.window);
  JOULE_CHECK(o.patience >= 1, "MarginalGainRule: patience must be >= 1, got ", o.patience);
  JOULE_CHECK(o.min_rate >= 0 && o.min_rate_fraction >= 0 && o.min_rate_fraction < 1,
              "MarginalGainRule: thresholds must be >= 0 (fraction < 1), got min_rate=",
              o.min_rate, " min_rate_fraction=", o.min_rate_fraction);
}

double MarginalGainRule::threshold() const {
  return std::max(o_.min_rate, o_.min_rate_fraction * best_rate_);
}

MarginalGainRule::Decision MarginalGainRule::observe(double val_acc, double cumulative_j) {
  JOULE_CHECK(std::isfinite(val_acc) && std::isfinite(cumulative_j), "MarginalGainRule: got "
              "accuracy ", val_acc, " and energy ", cumulative_j, " J");
  JOULE_CHECK(joules_.empty() || cumulative_j >= joules_.back(), "MarginalGainRule: cumulative "
              "energy went down from ", joules_.back(), " to ", cumulative_j, " J");
  const double prev = best_.empty() ? -1.0 : best_.back();
  best_.push_back(std::max(prev, val_acc));
  joules_.push_back(cumulative_j);
  const int64_t e = epochs();
  if (val_acc > prev) best_epoch_ = e;
  if (e <= o_.window) return Decision::Continue;
  const size_t then = static_cast<size_t>(e - 1 - o_.window);
  const double dj = cumulative_j - joules_[then];
  rate_ = dj > 0 ? (best_.back() - best_[then]) / dj : 0.0;
  best_rate_ = std::max(best_rate_, rate_);
  if (e < o_.min_epochs) return Decision::Continue;
  below_ = rate_ < threshold() ? below_ + 1 : 0;
  if (below_ < o_.patience) return Decision::Continue;
  reason_ = detail::str_cat("validation accuracy gained ", rate_ * 1000.0, " points per kJ over the "
                            "last ", o_.window, " epochs, below the threshold of ",
                            threshold() * 1000.0, " (", o_.min_rate_fraction * 100.0,
                            "% of the best rate, ", best_rate_ * 1000.0, ") for ", below_,
                            " epoch(s)");
  return Decision::Stop;
}

double CurveFit::at(double joules) const { return a - b * std::exp(-joules / c); }

CurveFit fit_saturating_curve(const std::vector<std::pair<double, double>>& points) {
  CurveFit best;
  if (points.size() < 3) return best;
  double jmax = 0;
  for (const auto& [j, acc] : points) jmax = std::max(jmax, j);
  if (jmax <= 0) return best;
  const double n = static_cast<double>(points.size());
  double best_sse = INFINITY;
  constexpr int kGrid = 120;
  for (int gi = 0; gi < kGrid; ++gi) {
    // c from jmax/100 to jmax, log-spaced: the curve must bend within the data it was fitted on
    // (a larger c extrapolates an almost straight line far past any plateau).
    const double c = jmax * std::pow(10.0, -2.0 + 2.0 * gi / (kGrid - 1));
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const auto& [j, acc] : points) {
      const double x = std::exp(-j / c);
      sx += x, sy += acc, sxx += x * x, sxy += x * acc;
    }
    const double den = n * sxx - sx * sx;
    if (std::fabs(den) < 1e-12) continue;
    const double slope = (n * sxy - sx * sy) / den;  // acc = a + slope x, b = -slope
    if (slope > 0) continue;                         // must rise with energy
    const double a = (sy - slope * sx) / n;
    double sse = 0;
    for (const auto& [j, acc] : points) {
      const double r = acc - (a + slope * std::exp(-j / c));
      sse += r * r;
    }
    if (sse < best_sse) {
      best_sse = sse;
      best = {a, -slope, c, std::sqrt(sse / n), true};
    }
  }
  return best;
}

EnergyAwareStop::EnergyAwareStop(const StopRuleOptions& options, int64_t budget_epochs)
    : options_(options), budget_epochs_(budget_epochs), rule_(options) {
  JOULE_CHECK(options.landing_epochs >= 0, "EnergyAwareStop: landing_epochs must be >= 0, got ",
              options.landing_epochs);
}

void EnergyAwareStop::on_epoch_begin(Trainer& t, int64_t) {
  if (landing_left_ <= 0) return;
  // Half cosine over the landing: factors (1 + cos(pi k / (L + 1))) / 2 for k = 1..L.
  const int64_t L = options_.landing_epochs, k = L - landing_left_ + 1;
  const double factor = (1.0 + std::cos(M_PI * static_cast<double>(k) / static_cast<double>(L + 1))) / 2.0;
  auto& groups = t.optimizer().param_groups();
  for (size_t i = 0; i < groups.size(); ++i) groups[i].lr = landing_base_lr_[i] * factor;
}

void EnergyAwareStop::on_epoch_end(Trainer& t, EpochRecord& rec) {
  JOULE_CHECK(rec.val_acc >= 0 && rec.cumulative_joules >= 0, "EnergyAwareStop: epoch ",
              rec.epoch, " has no validation accuracy or energy; pass a validation loader to "
              "fit() and add the metering callback before this one");
  points_.emplace_back(rec.cumulative_joules, rec.val_acc);
  // Keep the best validation epoch's weights (while landing, a tie goes to the annealed ones).
  if (rec.val_acc > best_val_ || (landing_left_ > 0 && rec.val_acc >= best_val_)) {
    best_val_ = rec.val_acc;
    best_epoch_ = rec.epoch;
    NoGradGuard no_grad;
    best_state_.clear();
    for (const auto& [name, tensor] : t.model().state()) best_state_.push_back(tensor.clone());
  }
  if (landing_left_ > 0) {
    rec.set("landing", std::to_string(options_.landing_epochs - landing_left_ + 1) + "/" +
                           std::to_string(options_.landing_epochs));
    if (--landing_left_ == 0) {
      stopped_epoch_ = rec.epoch;
      t.request_stop(reason_ + "; learning rate annealed over " +
                     std::to_string(options_.landing_epochs) + " epoch(s)");
    }
    return;
  }
  if (decided_epoch_ != 0) return;
  const auto decision = rule_.observe(rec.val_acc, rec.cumulative_joules);
  if (rule_.rate() >= 0) rec.set("gain_per_kj", rule_.rate() * 1000.0, 3);
  if (decision == MarginalGainRule::Decision::Continue) return;
  decided_epoch_ = rec.epoch;
  reason_ = "at epoch " + std::to_string(rec.epoch) + ": " + rule_.reason();
  fit_ = fit_saturating_curve(points_);
  const double per_epoch = rec.cumulative_joules / static_cast<double>(rec.epoch);
  forecast_j_ = per_epoch * static_cast<double>(budget_epochs_);
  forecast_acc_ = fit_.ok ? fit_.at(forecast_j_) : -1;
  landing_left_ = std::min(options_.landing_epochs, budget_epochs_ - rec.epoch);
  if (landing_left_ > 0) {
    landing_base_lr_.clear();
    for (const auto& g : t.optimizer().param_groups()) landing_base_lr_.push_back(g.lr);
    return;
  }
  stopped_epoch_ = rec.epoch;
  t.request_stop(reason_);
}

void EnergyAwareStop::on_train_end(Trainer& t) {
  if (!options_.restore_best || best_state_.empty()) return;
  NoGradGuard no_grad;
  auto state = t.model().state();
  for (size_t i = 0; i < state.size(); ++i) state[i].second.copy_(best_state_[i]);
}

}  // namespace joule::train
