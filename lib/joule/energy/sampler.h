// PeriodicSampler: a background thread that calls `sample` every `period` with `mutex` held, until
// it is destroyed (destruction wakes it at once and joins it). Meters whose counters must be read
// more often than their users read them (RAPL wrap-around, NVML power integration) own one, as
// their last member. Errors thrown by `sample` are dropped: the owner's read() reads the same
// counters and reports the same error to its caller.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace joule::energy {

class PeriodicSampler {
 public:
  PeriodicSampler(std::mutex& mutex, std::chrono::milliseconds period, std::function<void()> sample);
  ~PeriodicSampler();
  PeriodicSampler(const PeriodicSampler&) = delete;
  PeriodicSampler& operator=(const PeriodicSampler&) = delete;

 private:
  void run();

  std::mutex& mutex_;
  std::chrono::milliseconds period_;
  std::function<void()> sample_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace joule::energy
