#include "joule/energy/make_meter.h"

namespace joule::energy {

std::unique_ptr<Meter> make_meter(const MeterOptions& options, std::vector<std::string>* notes) {
  std::vector<std::string> no_cpu_counter;  // why CPU and DRAM are not measured
  std::unique_ptr<Meter> cpu;
  std::string why;
  if (!options.use_rapl) {
    no_cpu_counter.push_back("rapl: turned off (MeterOptions::use_rapl)");
  } else if (auto rapl = RaplMeter::open(options.rapl_root, &why, options.rapl_sample_period)) {
    cpu = std::move(rapl);
  } else {
    no_cpu_counter.push_back(why);
  }

  std::unique_ptr<Meter> gpu;
  std::string no_gpu;  // why the GPUs are not counted
  if (!options.use_nvml) {
    no_gpu = "nvml turned off (MeterOptions::use_nvml)";
  } else if (auto nvml = NvmlMeter::open(&why, options.nvml)) {
    gpu = std::move(nvml);
  } else {
    no_gpu = why;
  }

  // Training on a GPU without a CPU counter: the GPU's own counter is the measurement, rather
  // than a sum that the host's estimate would turn into an estimate.
  if (options.training_on_gpu && gpu && !cpu) {
    if (notes)
      for (const std::string& r : no_cpu_counter)
        notes->push_back("CPU and DRAM energy not counted (training runs on the GPU; its NVML "
                         "counter is the measurement): " + r);
    return gpu;
  }
  if (!cpu) {
    cpu = std::make_unique<EstimateMeter>(options.estimate, no_cpu_counter);
    if (notes)
      for (const std::string& r : no_cpu_counter)
        notes->push_back("CPU and DRAM energy estimated, not measured: " + r);
  }
  if (!gpu) {
    if (notes) notes->push_back("GPU energy not counted: " + no_gpu);
    return cpu;
  }
  std::vector<std::unique_ptr<Meter>> parts;
  parts.push_back(std::move(cpu));
  parts.push_back(std::move(gpu));
  return std::make_unique<CompositeMeter>(std::move(parts));
}

}  // namespace joule::energy
