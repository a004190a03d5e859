// NVIDIA GPU energy through NVML, loaded at run time with dlopen("libnvidia-ml.so.1"): no
// build-time dependency, and machines without the driver simply have no NVML meter. Every GPU
// is summed into gpu_j. Per GPU, the total-energy counter where it has one (Volta and newer:
// nvmlDeviceGetTotalEnergyConsumption, millijoules), else its power (nvmlDeviceGetPowerUsage,
// milliwatts) sampled by a background thread and integrated with the trapezoid rule.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "joule/energy/meter.h"
#include "joule/energy/sampler.h"

struct nvmlDevice_st;  // NVML's opaque device type

namespace joule::energy {

// The NVML functions the meter uses, declared here rather than taken from nvml.h. A loaded
// library fills them in; tests pass fakes.
struct NvmlApi {
  using Return = int;  // nvmlReturn_t; 0 is NVML_SUCCESS
  using Device = nvmlDevice_st*;
  static constexpr Return kSuccess = 0;
  static constexpr Return kNotSupported = 3;       // NVML_ERROR_NOT_SUPPORTED
  static constexpr Return kFunctionNotFound = 13;  // NVML_ERROR_FUNCTION_NOT_FOUND

  Return (*init)() = nullptr;                                        // nvmlInit_v2
  Return (*shutdown)() = nullptr;                                    // nvmlShutdown
  Return (*device_count)(unsigned int*) = nullptr;                   // nvmlDeviceGetCount_v2
  Return (*device_by_index)(unsigned int, Device*) = nullptr;        // ...GetHandleByIndex_v2
  Return (*total_energy_mj)(Device, unsigned long long*) = nullptr;  // ...GetTotalEnergyConsumption
  Return (*power_mw)(Device, unsigned int*) = nullptr;               // nvmlDeviceGetPowerUsage
  const char* (*error_string)(Return) = nullptr;                     // nvmlErrorString
};

struct NvmlOptions {
  std::string library = "libnvidia-ml.so.1";
  // How often a GPU without an energy counter has its power read.
  std::chrono::milliseconds sample_period{100};
};

class NvmlMeter : public Meter {
 public:
  // The meter over every GPU, or null with the reason in *why_not (may be null) when the library
  // or a GPU is absent.
  static std::unique_ptr<NvmlMeter> open(std::string* why_not = nullptr,
                                         const NvmlOptions& options = {});
  // Uses `api` (tests' fakes): init now, shutdown on destruction. Throws joule::Error when a
  // call fails or there is no GPU.
  explicit NvmlMeter(const NvmlApi& api, const NvmlOptions& options = {});
  ~NvmlMeter() override;
  NvmlMeter(const NvmlMeter&) = delete;
  NvmlMeter& operator=(const NvmlMeter&) = delete;

  std::string source() const override { return "nvml"; }
  bool measured() const override { return true; }
  EnergyTotals read() override;
  // "nvml: 2 GPUs (0: energy counter, 1: power sampled every 100 ms)"
  std::string describe() const override;

 private:
  class Library;  // the dlopen handle
  class Session;  // nvmlInit_v2 ... nvmlShutdown
  struct Gpu {
    NvmlApi::Device device = nullptr;
    bool has_counter = false;
    unsigned long long start_mj = 0;  // counter at construction
    double joules = 0;                // integrated power (GPUs without a counter)
    double last_w = 0;
    double last_s = 0;
  };
  NvmlMeter(std::unique_ptr<Library> library, const NvmlApi& api, const NvmlOptions& options);
  void sample_power_locked();  // mutex_ held

  std::unique_ptr<Library> library_;  // first in, last out: everything below calls into it
  NvmlApi api_;
  std::unique_ptr<Session> session_;
  std::chrono::milliseconds period_;
  std::vector<Gpu> gpus_;
  std::string description_;
  std::mutex mutex_;
  std::unique_ptr<PeriodicSampler> sampler_;  // last: stops first, starts once the rest exists
};

}  // namespace joule::energy
