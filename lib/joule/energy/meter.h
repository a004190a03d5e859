// Energy meters. A Meter reports cumulative joules per part (CPU package, DRAM, GPU) since it was
// created, and says where its figures come from: "rapl" (Linux powercap), "nvml" (NVIDIA) or
// "estimate" (a documented model, used where no counter is readable). EnergyWindow turns two
// reads into the energy of a stretch of work.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace joule::energy {

// "measured" or "estimated": printed beside every figure (Meter::kind, Measurement::kind).
inline const char* kind_name(bool measured) { return measured ? "measured" : "estimated"; }

// Cumulative energy since the meter was created.
struct EnergyTotals {
  double cpu_j = 0;   // CPU packages (cores, caches, uncore)
  double dram_j = 0;  // memory
  double gpu_j = 0;   // GPUs
  double total() const { return cpu_j + dram_j + gpu_j; }
};

class Meter {
 public:
  virtual ~Meter() = default;
  // "rapl", "nvml", "estimate", or several joined with '+' ("rapl+nvml").
  virtual std::string source() const = 0;
  // True when every figure comes from a hardware counter; false when any part is estimated.
  virtual bool measured() const = 0;
  // "measured" or "estimated", from measured().
  const char* kind() const { return kind_name(measured()); }
  // Cumulative joules per part since construction (wrap-around handled inside).
  virtual EnergyTotals read() = 0;
  // One line naming the domains read or the estimate's inputs, printed once per run.
  virtual std::string describe() const = 0;
};

// The energy of one window of work.
struct Measurement {
  double seconds = 0;
  EnergyTotals joules;
  std::string source;     // the meter's source()
  bool measured = false;  // the meter's measured()
  double total_j() const { return joules.total(); }
  double watts() const { return seconds > 0 ? joules.total() / seconds : 0; }
  // "measured" or "estimated": printed beside every figure.
  const char* kind() const { return kind_name(measured); }
};

// RAII window: starts on construction, stop() returns what was spent since (callable once; the
// destructor of an unstopped window does nothing).
class EnergyWindow {
 public:
  explicit EnergyWindow(Meter& meter);
  Measurement stop();

 private:
  Meter& meter_;
  EnergyTotals start_;
  double start_s_;
  bool stopped_ = false;
};

// Several meters read as one: parts summed (an estimate for CPU and DRAM plus NVML for the GPUs,
// say). source() joins the parts' sources with '+'; measured() only when every part is.
class CompositeMeter : public Meter {
 public:
  explicit CompositeMeter(std::vector<std::unique_ptr<Meter>> parts);
  std::string source() const override;
  bool measured() const override;
  EnergyTotals read() override;
  // The parts' lines joined with "; ".
  std::string describe() const override;

 private:
  std::vector<std::unique_ptr<Meter>> parts_;
};

}  // namespace joule::energy
