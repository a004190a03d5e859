#include "joule/dist/energy.h"

#include <cstdio>
#include <string>

namespace joule::dist {

SummedMeter::SummedMeter(std::unique_ptr<energy::Meter> own, Communicator& comm,
                         bool reads_package)
    : own_(std::move(own)), comm_(comm),
      zero_package_(!reads_package && own_ && own_->source().find("rapl") != std::string::npos) {
  JOULE_CHECK(own_ != nullptr, "dist::SummedMeter: no meter to wrap");
}

energy::EnergyTotals SummedMeter::read() {
  energy::EnergyTotals mine = own_->read();
  if (zero_package_) mine.cpu_j = mine.dram_j = 0;  // local rank 0 reports the package
  last_own_ = mine;
  const double parts[3] = {mine.cpu_j, mine.dram_j, mine.gpu_j};
  const std::vector<double> all = comm_.allgather(parts, 3);
  energy::EnergyTotals sum;
  std::vector<double> per_rank(static_cast<size_t>(comm_.size()));
  for (int r = 0; r < comm_.size(); ++r) {
    const double* p = all.data() + 3 * r;
    sum.cpu_j += p[0];
    sum.dram_j += p[1];
    sum.gpu_j += p[2];
    per_rank[static_cast<size_t>(r)] = p[0] + p[1] + p[2];
  }
  reads_.push_back(std::move(per_rank));
  return sum;
}

std::string SummedMeter::describe() const {
  return own_->describe() + "; summed over " + std::to_string(comm_.size()) + " ranks" +
         (zero_package_ ? " (this rank leaves the CPU package to local rank 0)" : "");
}

std::vector<std::vector<double>> SummedMeter::take_reads() {
  std::vector<std::vector<double>> out;
  out.swap(reads_);
  return out;
}

void RankJoules::on_epoch_begin(train::Trainer&, int64_t) { test_samples_ = -1; }

void RankJoules::on_eval_end(train::Trainer&, const std::string& split,
                             const train::EvalResult& r) {
  if (split == "test") test_samples_ = static_cast<double>(r.samples);
}

void RankJoules::on_epoch_end(train::Trainer&, train::EpochRecord& rec) {
  if (test_samples_ > 0) {
    double all = test_samples_;
    comm_.allreduce_sum(&all, 1);
    for (const auto& [key, value] : rec.extra)
      if (key == "test_j_per_1k") {
        const double per_1k = std::stod(value) * test_samples_ / all;
        rec.set("test_j_per_1k", per_1k, 4);
        break;
      }
  }
  const std::vector<std::vector<double>> reads = meter_.take_reads();
  if (reads.empty()) return;
  last_.assign(reads.front().size(), 0.0);
  for (size_t k = 0; k + 1 < reads.size(); k += 2)
    for (size_t r = 0; r < last_.size(); ++r) last_[r] += reads[k + 1][r] - reads[k][r];
  std::string text;
  for (size_t r = 0; r < last_.size(); ++r) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", last_[r]);
    if (r) text += ',';
    text += buf;
  }
  rec.set("rank_joules", text);
  if (metering_ && !metering_->history().empty() &&
      metering_->history().back().epoch == rec.epoch) {
    std::vector<train::EpochRecord> history = metering_->history();
    for (const auto& [key, value] : rec.extra) history.back().set(key, value);
    metering_->restore(history);
  }
}

}  // namespace joule::dist
