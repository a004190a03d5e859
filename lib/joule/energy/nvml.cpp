#include "joule/energy/nvml.h"

#include <dlfcn.h>

#include <source_location>

#include "joule/core/check.h"
#include "joule/energy/text.h"

namespace joule::energy {

namespace {

double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// Every NVML result goes through here: returns `r` when it is success or one of `allowed`, else
// throws naming the call, NVML's message and the caller's file and line.
NvmlApi::Return nvml_check(const NvmlApi& api, NvmlApi::Return r, const char* call,
                           std::initializer_list<NvmlApi::Return> allowed = {},
                           std::source_location where = std::source_location::current()) {
  if (r == NvmlApi::kSuccess) return r;
  for (NvmlApi::Return a : allowed)
    if (r == a) return r;
  const char* text = api.error_string ? api.error_string(r) : nullptr;
  detail::throw_error(where.file_name(), static_cast<int>(where.line()),
                      detail::str_cat("nvml: ", call, " failed: ", text ? text : "no message",
                                      " (nvmlReturn_t ", r, ")"));
}

}  // namespace

class NvmlMeter::Library {
 public:
  explicit Library(const std::string& name) : name_(name) {
    handle_ = dlopen(name.c_str(), RTLD_LAZY | RTLD_LOCAL);
    const char* err = handle_ ? nullptr : dlerror();
    JOULE_CHECK(handle_ != nullptr, "nvml: cannot load ", name, ": ", err ? err : "unknown error",
                " (no NVIDIA driver here)");
  }
  ~Library() { dlclose(handle_); }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;

  // The function `symbol`, or null when `optional` and the library lacks it.
  template <class F>
  F function(const char* symbol, bool optional = false) {
    dlerror();
    void* p = dlsym(handle_, symbol);
    const char* err = p ? nullptr : dlerror();
    JOULE_CHECK(p != nullptr || optional, "nvml: ", name_, " has no ", symbol, ": ",
                err ? err : "null symbol");
    return reinterpret_cast<F>(p);
  }

  // Every function the meter uses; the energy counter is optional (drivers before it existed).
  NvmlApi api() {
    NvmlApi a;
    a.init = function<decltype(a.init)>("nvmlInit_v2");
    a.shutdown = function<decltype(a.shutdown)>("nvmlShutdown");
    a.device_count = function<decltype(a.device_count)>("nvmlDeviceGetCount_v2");
    a.device_by_index = function<decltype(a.device_by_index)>("nvmlDeviceGetHandleByIndex_v2");
    a.total_energy_mj =
        function<decltype(a.total_energy_mj)>("nvmlDeviceGetTotalEnergyConsumption", true);
    a.power_mw = function<decltype(a.power_mw)>("nvmlDeviceGetPowerUsage");
    a.error_string = function<decltype(a.error_string)>("nvmlErrorString");
    return a;
  }

 private:
  std::string name_;
  void* handle_ = nullptr;
};

class NvmlMeter::Session {
 public:
  explicit Session(const NvmlApi& api) : api_(api) {
    JOULE_CHECK(api.init && api.shutdown && api.device_count && api.device_by_index && api.power_mw,
                "nvml: the API is incomplete: init, shutdown, device_count, device_by_index and "
                "power_mw must all be set");
    nvml_check(api_, api_.init(), "nvmlInit_v2");
  }
  ~Session() { api_.shutdown(); }  // nothing to do about a failure while tearing down
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

 private:
  const NvmlApi& api_;
};

std::unique_ptr<NvmlMeter> NvmlMeter::open(std::string* why_not, const NvmlOptions& options) {
  try {
    auto library = std::make_unique<Library>(options.library);
    const NvmlApi api = library->api();
    return std::unique_ptr<NvmlMeter>(new NvmlMeter(std::move(library), api, options));
  } catch (const Error& e) {
    if (why_not) *why_not = e.what();
    return nullptr;
  }
}

NvmlMeter::NvmlMeter(const NvmlApi& api, const NvmlOptions& options)
    : NvmlMeter(nullptr, api, options) {}

NvmlMeter::NvmlMeter(std::unique_ptr<Library> library, const NvmlApi& api,
                     const NvmlOptions& options)
    : library_(std::move(library)),
      api_(api),
      session_(std::make_unique<Session>(api_)),
      period_(options.sample_period) {
  unsigned int count = 0;
  nvml_check(api_, api_.device_count(&count), "nvmlDeviceGetCount_v2");
  JOULE_CHECK(count > 0, "nvml: no NVIDIA GPU found (nvmlDeviceGetCount_v2 gave 0)");
  bool any_sampled = false;
  std::vector<std::string> parts;
  for (unsigned int i = 0; i < count; ++i) {
    Gpu g;
    nvml_check(api_, api_.device_by_index(i, &g.device), "nvmlDeviceGetHandleByIndex_v2");
    NvmlApi::Return r = NvmlApi::kNotSupported;
    if (api_.total_energy_mj)
      r = nvml_check(api_, api_.total_energy_mj(g.device, &g.start_mj),
                     "nvmlDeviceGetTotalEnergyConsumption",
                     {NvmlApi::kNotSupported, NvmlApi::kFunctionNotFound});
    g.has_counter = r == NvmlApi::kSuccess;
    if (!g.has_counter) {
      unsigned int mw = 0;
      nvml_check(api_, api_.power_mw(g.device, &mw), "nvmlDeviceGetPowerUsage");
      g.last_w = mw * 1e-3;
      g.last_s = steady_seconds();
      any_sampled = true;
    }
    parts.push_back(std::to_string(i) + ": " +
                    (g.has_counter
                         ? "energy counter"
                         : "power sampled every " + std::to_string(period_.count()) + " ms"));
    gpus_.push_back(g);
  }
  description_ = "nvml: " + std::to_string(count) + (count == 1 ? " GPU (" : " GPUs (") +
                 join(parts, ", ") + ")";
  if (any_sampled) {
    JOULE_CHECK(period_.count() > 0, "nvml: sample_period must be > 0 ms, got ", period_.count());
    sampler_ = std::make_unique<PeriodicSampler>(mutex_, period_, [this] { sample_power_locked(); });
  }
}

NvmlMeter::~NvmlMeter() = default;

void NvmlMeter::sample_power_locked() {
  for (Gpu& g : gpus_) {
    if (g.has_counter) continue;
    unsigned int mw = 0;
    nvml_check(api_, api_.power_mw(g.device, &mw), "nvmlDeviceGetPowerUsage");
    const double w = mw * 1e-3;
    const double s = steady_seconds();
    g.joules += 0.5 * (g.last_w + w) * (s - g.last_s);
    g.last_w = w;
    g.last_s = s;
  }
}

EnergyTotals NvmlMeter::read() {
  std::lock_guard<std::mutex> lock(mutex_);
  sample_power_locked();
  EnergyTotals t;
  for (Gpu& g : gpus_) {
    if (!g.has_counter) {
      t.gpu_j += g.joules;
      continue;
    }
    unsigned long long mj = 0;
    nvml_check(api_, api_.total_energy_mj(g.device, &mj), "nvmlDeviceGetTotalEnergyConsumption");
    t.gpu_j += static_cast<double>(mj - g.start_mj) * 1e-3;
  }
  return t;
}

std::string NvmlMeter::describe() const { return description_; }

}  // namespace joule::energy
