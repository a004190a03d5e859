#include "joule/energy/sampler.h"

#include "joule/core/check.h"

namespace joule::energy {

PeriodicSampler::PeriodicSampler(std::mutex& mutex, std::chrono::milliseconds period,
                                 std::function<void()> sample)
    : mutex_(mutex), period_(period), sample_(std::move(sample)) {
  JOULE_CHECK(period.count() > 0, "PeriodicSampler: period must be > 0 ms, got ", period.count());
  thread_ = std::thread([this] { run(); });
}

PeriodicSampler::~PeriodicSampler() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void PeriodicSampler::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, period_, [this] { return stop_; })) {
    try {
      sample_();
    } catch (const Error&) {
      // Nothing to report to from here (see the header).
    }
  }
}

}  // namespace joule::energy
