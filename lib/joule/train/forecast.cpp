#include "joule/train/forecast.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <sstream>

#include "joule/core/check.h"

namespace joule::train {

namespace {
double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}
std::string fmt(double v, int precision) {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(precision);
  os << v;
  return os.str();
}
}  // namespace

double EnergyForecast::joules_for(int64_t n) const {
  return n <= 0 ? 0.0 : first_j + static_cast<double>(n - 1) * steady_j;
}

double EnergyForecast::total_seconds() const {
  return epochs <= 0 ? 0.0 : first_s + static_cast<double>(epochs - 1) * steady_s;
}

EnergyForecast forecast_from_first_epoch(const EpochRecord& first,
                                         const std::vector<double>& step_end_s, int64_t epochs,
                                         double second_half_j, double steady_eval_j) {
  JOULE_CHECK(epochs >= 1, "forecast_from_first_epoch: epochs must be >= 1, got ", epochs);
  for (size_t i = 1; i < step_end_s.size(); ++i)
    JOULE_CHECK(step_end_s[i] >= step_end_s[i - 1], "forecast_from_first_epoch: step ", i,
                " ends at ", step_end_s[i], " s, before step ", i - 1, " at ", step_end_s[i - 1],
                " s");
  EnergyForecast f;
  f.epochs = epochs;
  const size_t n = step_end_s.size();
  const double train_s = first.train_s > 0 ? first.train_s : first.train.seconds;
  double steady_train_j = first.train.total_j();
  if (n >= 4 && train_s > 0) {
    const size_t k = n / 2;  // the steady pace: the steps after the first half
    const double per_step = (step_end_s[n - 1] - step_end_s[k - 1]) / static_cast<double>(n - k);
    f.warmup_scale = std::clamp(per_step * static_cast<double>(n) / train_s, 0.0, 1.0);
    steady_train_j = second_half_j >= 0
                         ? std::min(steady_train_j, second_half_j * static_cast<double>(n) /
                                                        static_cast<double>(n - k))
                         : steady_train_j * f.warmup_scale;
  }
  f.first_j = first.joules();
  const double eval_j = first.eval.total_j();
  f.steady_j = steady_train_j + (steady_eval_j >= 0 ? std::min(eval_j, steady_eval_j) : eval_j);
  f.first_s = first.train_s + first.eval_s;
  f.steady_s = first.train_s * f.warmup_scale + first.eval_s;
  f.grams_per_j = f.first_j > 0 ? first.emissions_g / f.first_j : 0.0;
  return f;
}

double forecast_error_pct(double forecast, double measured) {
  return measured > 0 ? (forecast - measured) / measured * 100.0 : 0.0;
}

ForecastCallback::ForecastCallback(ForecastOptions options) : options_(options) {}

std::ostream& ForecastCallback::out(Trainer& t) const {
  if (options_.log) return *options_.log;
  return t.options().log ? *t.options().log : std::cout;
}

void ForecastCallback::on_epoch_begin(Trainer&, int64_t epoch) {
  if (first_epoch_ == 0) {
    first_epoch_ = epoch;
    step_end_s_.clear();
    mid_j_ = second_half_j_ = -1;
    steady_eval_j_ = 0;
    eval_ok_ = options_.meter != nullptr;
    epoch_t0_ = now_s();
  }
}

void ForecastCallback::on_batch_end(Trainer&, const StepInfo& step) {
  if (done_first_ || step.epoch != first_epoch_) return;
  step_end_s_.push_back(now_s() - epoch_t0_);
  if (!options_.meter || step.steps_in_epoch < 4) return;
  if (step.step == step.steps_in_epoch / 2 - 1) mid_j_ = options_.meter->read().total();
  if (step.step == step.steps_in_epoch - 1 && mid_j_ >= 0)
    second_half_j_ = options_.meter->read().total() - mid_j_;
}

void ForecastCallback::on_eval_begin(Trainer& t, const std::string&) {
  // Only epoch 1's evaluations (t.history() holds the epochs already ended).
  const bool later = !t.history().empty() && t.history().back().epoch >= first_epoch_;
  if (done_first_ || first_epoch_ == 0 || !options_.meter || later) return;
  eval_start_j_ = options_.meter->read().total();
  eval_mid_j_ = eval_split_steady_j_ = -1;
}

void ForecastCallback::on_eval_batch_end(Trainer&, const std::string&, int64_t step,
                                         int64_t steps) {
  if (eval_start_j_ < 0 || steps < 4) return;
  if (step == steps / 2 - 1) eval_mid_j_ = options_.meter->read().total();
  if (step == steps - 1 && eval_mid_j_ >= 0)
    eval_split_steady_j_ = (options_.meter->read().total() - eval_mid_j_) *
                           static_cast<double>(steps) / static_cast<double>(steps - steps / 2);
}

void ForecastCallback::on_eval_end(Trainer&, const std::string&, const EvalResult&) {
  if (eval_start_j_ < 0) return;
  const double whole = options_.meter->read().total() - eval_start_j_;
  steady_eval_j_ += eval_split_steady_j_ >= 0 ? std::min(whole, eval_split_steady_j_) : whole;
  eval_start_j_ = -1;
}

void ForecastCallback::on_epoch_end(Trainer& t, EpochRecord& rec) {
  if (done_first_ || rec.epoch != first_epoch_) return;
  done_first_ = true;
  const int64_t epochs = std::max<int64_t>(1, t.options().epochs - first_epoch_ + 1);
  forecast_ = forecast_from_first_epoch(rec, step_end_s_, epochs, second_half_j_,
                                       eval_ok_ ? steady_eval_j_ : -1.0);
  out(t) << "forecast epochs=" << epochs
         << " forecast_total_joules=" << fmt(forecast_.total_joules(), 1)
         << " forecast_total_s=" << fmt(forecast_.total_seconds(), 1)
         << " forecast_co2e_g=" << fmt(forecast_.total_co2e_g(), 4)
         << " first_epoch_joules=" << fmt(forecast_.first_j, 1)
         << " steady_epoch_joules=" << fmt(forecast_.steady_j, 1)
         << " warmup_scale=" << fmt(forecast_.warmup_scale, 3) << std::endl;
  if (options_.stop_after) t.request_stop("--forecast-only: stopped after the forecast");
}

void ForecastCallback::on_train_end(Trainer& t) {
  if (!done_first_) return;
  measured_j_ = 0;
  measured_epochs_ = 0;
  for (const auto& r : t.history()) {
    if (r.epoch < first_epoch_) continue;
    measured_j_ += r.joules();
    ++measured_epochs_;
  }
  if (options_.stop_after) return;
  const double predicted = forecast_.joules_for(measured_epochs_);
  out(t) << "forecast_error_pct=" << fmt(forecast_error_pct(predicted, measured_j_), 2)
         << " forecast_joules=" << fmt(predicted, 1) << " measured_joules=" << fmt(measured_j_, 1)
         << " epochs=" << measured_epochs_ << std::endl;
}

std::vector<std::pair<std::string, std::string>> ForecastCallback::tags() const {
  std::vector<std::pair<std::string, std::string>> t;
  if (!has_forecast()) return t;
  t = {{"joule.forecast.epochs", std::to_string(forecast_.epochs)},
       {"joule.forecast.total_joules", fmt(forecast_.total_joules(), 3)},
       {"joule.forecast.total_s", fmt(forecast_.total_seconds(), 3)},
       {"joule.forecast.co2e_g", fmt(forecast_.total_co2e_g(), 6)},
       {"joule.forecast.first_epoch_joules", fmt(forecast_.first_j, 3)},
       {"joule.forecast.steady_epoch_joules", fmt(forecast_.steady_j, 3)}};
  if (measured_j_ >= 0) {
    const double predicted = forecast_.joules_for(measured_epochs_);
    t.emplace_back("joule.forecast.measured_epochs", std::to_string(measured_epochs_));
    t.emplace_back("joule.forecast.measured_joules", fmt(measured_j_, 3));
    t.emplace_back("joule.forecast.joules_for_measured_epochs", fmt(predicted, 3));
    t.emplace_back("joule.forecast.error_pct",
                   fmt(forecast_error_pct(predicted, measured_j_), 3));
  }
  return t;
}

}  // namespace joule::train
