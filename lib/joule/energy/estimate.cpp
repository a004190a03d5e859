#include "joule/energy/estimate.h"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "joule/core/check.h"
#include "joule/energy/cpu_power.h"
#include "joule/energy/text.h"

namespace joule::energy {

namespace {

constexpr double kBytesPerGb = 1024.0 * 1024.0 * 1024.0;

double process_cpu_seconds() {
  timespec ts{};
  const int rc = clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  JOULE_CHECK(rc == 0, "estimate: clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Resident pages (the second figure of /proc/self/statm) times the page size; where /proc is
// not mounted, the peak resident size from getrusage, which can only overstate.
double process_rss_bytes() {
  std::string text;
  unsigned long long size = 0, resident = 0;
  if (read_text_file("/proc/self/statm", &text) == 0 &&
      std::sscanf(text.c_str(), "%llu %llu", &size, &resident) == 2)
    return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) * 1024.0;  // kilobytes on Linux
}

double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string fixed(double x, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

}  // namespace

EstimateOptions EstimateOptions::from_env() {
  EstimateOptions o;
  if (const auto w = env_number("JOULE_CPU_WATTS_PER_CORE")) {
    JOULE_CHECK(*w > 0, "JOULE_CPU_WATTS_PER_CORE: expected watts per busy core > 0, got '",
                std::getenv("JOULE_CPU_WATTS_PER_CORE"), "'");
    o.cpu_watts_per_core = *w;
    o.cpu_watts_from = "set by JOULE_CPU_WATTS_PER_CORE";
  }
  if (const auto w = env_number("JOULE_DRAM_WATTS_PER_GB")) {
    JOULE_CHECK(*w >= 0, "JOULE_DRAM_WATTS_PER_GB: expected watts per GB >= 0, got '",
                std::getenv("JOULE_DRAM_WATTS_PER_GB"), "'");
    o.dram_watts_per_gb = *w;
  }
  return o;
}

EstimateInputs EstimateInputs::of_this_process() {
  return {process_cpu_seconds, process_rss_bytes, steady_seconds};
}

EstimateMeter::EstimateMeter(const EstimateOptions& options,
                             std::vector<std::string> why_no_counter, EstimateInputs inputs)
    : inputs_(std::move(inputs)),
      cpu_w_(options.cpu_watts_per_core),
      dram_w_(options.dram_watts_per_gb) {
  JOULE_CHECK(inputs_.cpu_seconds && inputs_.rss_bytes && inputs_.wall_seconds,
              "EstimateMeter: every input (cpu_seconds, rss_bytes, wall_seconds) must be set");
  JOULE_CHECK(std::isfinite(cpu_w_) && cpu_w_ >= 0,
              "EstimateMeter: cpu_watts_per_core must be >= 0 (0 looks the CPU up), got ", cpu_w_);
  JOULE_CHECK(std::isfinite(dram_w_) && dram_w_ >= 0,
              "EstimateMeter: dram_watts_per_gb must be >= 0, got ", dram_w_);
  std::string cpu_from = options.cpu_watts_from;
  if (cpu_w_ == 0) {
    const CpuPower p =
        cpu_power_for(options.cpu_model.empty() ? cpu_model_name() : options.cpu_model);
    cpu_w_ = p.watts_per_core;
    cpu_from = p.origin;
  }
  description_ = "estimate: cpu_time x " + fixed(cpu_w_, 2) + " W/core (" + cpu_from +
                 ") + rss x " + fixed(dram_w_, 3) + " W/GB; ";
  description_ += why_no_counter.empty()
                      ? std::string("not measured")
                      : "no hardware counter readable (" + join(why_no_counter, "; ") + ")";
  cpu0_s_ = inputs_.cpu_seconds();
  last_rss_ = inputs_.rss_bytes();
  last_wall_ = inputs_.wall_seconds();
}

EnergyTotals EstimateMeter::read() {
  std::lock_guard<std::mutex> lock(mutex_);
  const double cpu_s = inputs_.cpu_seconds();
  const double rss = inputs_.rss_bytes();
  const double wall = inputs_.wall_seconds();
  // Trapezoid between the last read and this one.
  dram_j_ += 0.5 * (last_rss_ + rss) / kBytesPerGb * (wall - last_wall_) * dram_w_;
  last_rss_ = rss;
  last_wall_ = wall;
  EnergyTotals t;
  t.cpu_j = (cpu_s - cpu0_s_) * cpu_w_;
  t.dram_j = dram_j_;
  return t;
}

std::string EstimateMeter::describe() const { return description_; }

}  // namespace joule::energy
