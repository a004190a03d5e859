#include "joule/train/metering.h"

#include <chrono>
#include <iostream>

namespace {
double unix_seconds_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}
}  // namespace

namespace joule::train {

energy::Measurement operator+(const energy::Measurement& a, const energy::Measurement& b) {
  energy::Measurement m = a.source.empty() ? b : a;
  m.seconds = a.seconds + b.seconds;
  m.joules.cpu_j = a.joules.cpu_j + b.joules.cpu_j;
  m.joules.dram_j = a.joules.dram_j + b.joules.dram_j;
  m.joules.gpu_j = a.joules.gpu_j + b.joules.gpu_j;
  return m;
}

MeteringCallback::MeteringCallback(energy::Meter& meter, const energy::CarbonOptions& carbon)
    : meter_(meter), carbon_(carbon) {}

void MeteringCallback::restore(const std::vector<EpochRecord>& history) {
  history_ = history;
  cumulative_j_ = history.empty() ? 0.0 : history.back().cumulative_joules;
}

void MeteringCallback::on_epoch_begin(Trainer&, int64_t) {
  train_ = energy::Measurement{};
  eval_ = energy::Measurement{};
  test_j_per_1k_ = -1;
  in_epoch_ = true;
  epoch_start_unix_s_ = unix_seconds_now();
  train_window_.emplace(meter_);
}

void MeteringCallback::on_eval_begin(Trainer&, const std::string&) {
  if (train_window_) {  // the epoch's training loop ends where its evaluation begins
    train_ = train_window_->stop();
    train_window_.reset();
  }
  eval_window_.emplace(meter_);
}

void MeteringCallback::on_eval_end(Trainer&, const std::string& split, const EvalResult& r) {
  if (!eval_window_) return;
  const energy::Measurement m = eval_window_->stop();
  eval_window_.reset();
  if (!in_epoch_) {
    last_eval_ = m;
    last_eval_samples_ = static_cast<double>(r.samples);
    return;
  }
  eval_ = eval_ + m;
  if (split == "test" && r.samples > 0)
    test_j_per_1k_ = m.total_j() * 1000.0 / static_cast<double>(r.samples);
}

void MeteringCallback::on_epoch_end(Trainer& t, EpochRecord& rec) {
  if (train_window_) {
    train_ = train_window_->stop();
    train_window_.reset();
  }
  in_epoch_ = false;
  rec.train = train_;
  rec.eval = eval_;
  cumulative_j_ += rec.joules();
  rec.cumulative_joules = cumulative_j_;
  std::string note;
  energy::CarbonOptions now = carbon_;
  now.intensity_g_per_kwh = carbon_.intensity_over(epoch_start_unix_s_, unix_seconds_now(), &note);
  if (!note.empty() && !series_noted_ && !t.options().quiet) {
    (t.options().log ? *t.options().log : std::cout) << "carbon_note=\"" << note << "\"\n";
    series_noted_ = true;
  }
  rec.emissions_g = energy::grams_co2e(rec.joules(), now);

  rec.set("joules", rec.joules(), 2);
  rec.set("watts", rec.watts(), 2);
  rec.set("energy_source", rec.train.source);
  rec.set("energy", rec.train.kind());
  rec.set("cum_joules", cumulative_j_, 1);
  rec.set("co2e_g", rec.emissions_g, 4);
  rec.set("carbon_g_per_kwh", now.intensity_g_per_kwh, 1);
  if (test_j_per_1k_ >= 0) rec.set("test_j_per_1k", test_j_per_1k_, 4);
  history_.push_back(rec);
}

}  // namespace joule::train
