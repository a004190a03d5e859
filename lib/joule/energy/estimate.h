// An estimate of this process's energy for machines where no counter is readable (VMs,
// containers, CI). The model, printed by describe() with every input:
//
//   cpu_j  = CPU time of this process since the meter was made (all threads: two busy threads
//            count twice) x watts per busy core (cpu_power.h: TDP / cores from a table, else
//            10 W; overridable)
//   dram_j = resident memory integrated over time (trapezoids between reads, GB = 2^30 bytes)
//            x watts per GB (0.375: CodeCarbon's "3 W per 8 GB", from Crucial's guidance)
//
// It is never a measurement: source() is "estimate" and measured() false, so every output says
// "estimated". GPUs are not estimated; NVML measures them (make_meter.h).
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "joule/energy/meter.h"

namespace joule::energy {

struct EstimateOptions {
  // Watts per busy core; 0 looks the CPU up (cpu_power_for(cpu_model)).
  double cpu_watts_per_core = 0;
  // Watts per GB (2^30 bytes) resident: CodeCarbon's 3 W per 8 GB.
  double dram_watts_per_gb = 0.375;
  // The CPU to look up when cpu_watts_per_core is 0; "" reads /proc/cpuinfo.
  std::string cpu_model;
  // Where a nonzero cpu_watts_per_core was set, for describe(); from_env() names its variable.
  std::string cpu_watts_from = "set by option";

  // The defaults, overridden by JOULE_CPU_WATTS_PER_CORE (> 0) and JOULE_DRAM_WATTS_PER_GB
  // (>= 0) where set. Throws joule::Error naming the variable and value when one is malformed.
  // A command-line flag, applied by the caller afterwards, wins over both.
  static EstimateOptions from_env();
};

// What the estimate reads; tests pass their own.
struct EstimateInputs {
  std::function<double()> cpu_seconds;   // this process's CPU time, all threads, seconds
  std::function<double()> rss_bytes;     // resident memory now, bytes
  std::function<double()> wall_seconds;  // a monotonic clock, seconds

  // CLOCK_PROCESS_CPUTIME_ID, /proc/self/statm and the steady clock.
  static EstimateInputs of_this_process();
};

class EstimateMeter : public Meter {
 public:
  // `why_no_counter`: why no CPU counter could be read, shown by describe(). Takes its first
  // reading of `inputs` now.
  explicit EstimateMeter(const EstimateOptions& options = {},
                         std::vector<std::string> why_no_counter = {},
                         EstimateInputs inputs = EstimateInputs::of_this_process());

  std::string source() const override { return "estimate"; }
  bool measured() const override { return false; }
  EnergyTotals read() override;
  // "estimate: cpu_time x 3.91 W/core (AMD EPYC 9755: 500 W TDP / 128 cores, table) +
  //  rss x 0.375 W/GB; no hardware counter readable (<reasons>)"
  std::string describe() const override;

  double cpu_watts_per_core() const { return cpu_w_; }
  double dram_watts_per_gb() const { return dram_w_; }

 private:
  EstimateInputs inputs_;
  double cpu_w_;
  double dram_w_;
  std::string description_;
  std::mutex mutex_;
  double cpu0_s_;     // CPU time at construction
  double last_rss_;   // bytes, at the last read
  double last_wall_;  // seconds, at the last read
  double dram_j_ = 0;
};

}  // namespace joule::energy
