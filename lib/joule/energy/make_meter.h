// The meter for this machine: RAPL for CPU and DRAM where readable, else the estimate; NVML for
// the GPUs where present; summed when both. When training runs on a GPU and the CPU has no
// readable counter, NVML alone (measured) rather than a sum with the host's estimate. Each
// fallback leaves a note saying why.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "joule/energy/estimate.h"
#include "joule/energy/meter.h"
#include "joule/energy/nvml.h"
#include "joule/energy/rapl.h"

namespace joule::energy {

struct MeterOptions {
  std::string rapl_root = "/sys/class/powercap";
  bool use_rapl = true, use_nvml = true;
  EstimateOptions estimate;
  std::chrono::milliseconds rapl_sample_period = RaplMeter::kDefaultSamplePeriod;
  NvmlOptions nvml;
  // Training runs on a GPU: prefer NVML's measurement to a sum with a CPU estimate (see above).
  bool training_on_gpu = false;
};

// "rapl", "rapl+nvml", "estimate", "estimate+nvml" (measured() false for these two) or, when
// training on a GPU without a CPU counter, "nvml".
// `notes` (may be null) receives one human-readable line per fallback (RAPL unreadable, no
// NVML), for the caller to print once per run beside the meter's describe().
std::unique_ptr<Meter> make_meter(const MeterOptions& options, std::vector<std::string>* notes);

}  // namespace joule::energy
