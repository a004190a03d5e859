#include "joule/energy/make_meter.h"

namespace joule::energy {

std::unique_ptr<Meter> make_meter(const MeterOptions& options, std::vector<std::string>* notes) {
  std::vector<std::string> no_cpu_counter;  // why CPU and DRAM are estimated
  std::vector<std::unique_ptr<Meter>> parts;
  std::string why;

  if (!options.use_rapl) {
    no_cpu_counter.push_back("rapl: turned off (MeterOptions::use_rapl)");
  } else if (auto rapl = RaplMeter::open(options.rapl_root, &why, options.rapl_sample_period)) {
    parts.push_back(std::move(rapl));
  } else {
    no_cpu_counter.push_back(why);
  }
  if (parts.empty()) {
    parts.push_back(std::make_unique<EstimateMeter>(options.estimate, no_cpu_counter));
    if (notes)
      for (const std::string& r : no_cpu_counter)
        notes->push_back("CPU and DRAM energy estimated, not measured: " + r);
  }

  if (!options.use_nvml) {
    if (notes) notes->push_back("GPU energy not counted: nvml turned off (MeterOptions::use_nvml)");
  } else if (auto nvml = NvmlMeter::open(&why, options.nvml)) {
    parts.push_back(std::move(nvml));
  } else if (notes) {
    notes->push_back("GPU energy not counted: " + why);
  }

  if (parts.size() == 1) return std::move(parts.front());
  return std::make_unique<CompositeMeter>(std::move(parts));
}

}  // namespace joule::energy
