// RAPL energy counters through Linux powercap: /sys/class/powercap/intel-rapl:N (Intel, and AMD
// since Linux 5.8, which exposes AMD's counters under the same name). Every package
// (intel-rapl:N, named "package-N" or "package-N-die-M") counts as CPU, its "dram" subdomain
// (intel-rapl:N:M) as DRAM. The "core" and "uncore" subdomains are part of the package figure
// and are skipped so nothing is counted twice; so are "psys" (the whole platform, packages
// included) and the intel-rapl-mmio:* duplicates.
//
// energy_uj counts microjoules and wraps to 0 after max_energy_range_uj (a few minutes at full
// load on some parts), so a background thread reads every counter each sample_period and adds the
// deltas; one wrap between two reads is undone (delta = max - old + new).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "joule/energy/meter.h"
#include "joule/energy/sampler.h"

namespace joule::energy {

class RaplMeter : public Meter {
 public:
  static constexpr const char* kDefaultRoot = "/sys/class/powercap";
  static constexpr std::chrono::milliseconds kDefaultSamplePeriod{10000};

  // Finds the packages and their DRAM subdomains under `root`, reads every counter once and
  // starts the sampling thread (a zero period starts none: counters are then read only by
  // read()). Throws joule::Error when root is missing, holds no package, or a file is unreadable.
  explicit RaplMeter(const std::string& root = kDefaultRoot,
                     std::chrono::milliseconds sample_period = kDefaultSamplePeriod);
  ~RaplMeter() override;
  RaplMeter(const RaplMeter&) = delete;
  RaplMeter& operator=(const RaplMeter&) = delete;

  // The meter, or null with the reason in *why_not (may be null) when RAPL is not usable here.
  static std::unique_ptr<RaplMeter> open(
      const std::string& root = kDefaultRoot, std::string* why_not = nullptr,
      std::chrono::milliseconds sample_period = kDefaultSamplePeriod);

  std::string source() const override { return "rapl"; }
  bool measured() const override { return true; }
  EnergyTotals read() override;
  // "rapl: package-0 (+dram), package-1; energy_uj sampled every 10 s"
  std::string describe() const override;

  // How many times the counters have been read since construction (read() and the thread).
  int64_t sample_count() const;

 private:
  struct Domain {
    std::string energy_file;  // .../energy_uj
    bool dram = false;
    uint64_t max_range_uj = 0;
    uint64_t last_uj = 0;
    double joules = 0;
  };
  void add_domain(const std::string& dir, bool dram);
  void sample_locked();  // mutex_ held

  std::chrono::milliseconds period_;
  std::vector<Domain> domains_;
  std::string description_;
  mutable std::mutex mutex_;
  int64_t samples_ = 0;
  std::unique_ptr<PeriodicSampler> sampler_;  // last: stops first, starts once the rest exists
};

// The message for a counter file that cannot be read with errno `err`. For EACCES it explains
// that since Linux 5.10 (November 2020, CVE-2020-8694) energy_uj is readable by root only and
// how to allow it.
std::string rapl_read_error(const std::string& file, int err);

}  // namespace joule::energy
