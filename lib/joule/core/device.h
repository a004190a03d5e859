// Device: where a tensor's storage lives. The CPU is always present; a GPU backend registers
// itself with register_backend() when it is built.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>

namespace joule {

enum class DeviceType { CPU, CUDA };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;

  static Device cpu() { return {DeviceType::CPU, 0}; }
  static Device cuda(int index = 0) { return {DeviceType::CUDA, index}; }
  bool is_cpu() const { return type == DeviceType::CPU; }
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const;
};

std::ostream& operator<<(std::ostream& os, const Device& d);

// The small interface a device implements (besides its kernels): allocate, free, copy in, copy out.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual void* allocate(size_t bytes) = 0;
  virtual void deallocate(void* ptr, size_t bytes) = 0;
  virtual void copy_from_host(void* dst, const void* src, size_t bytes) = 0;
  virtual void copy_to_host(void* dst, const void* src, size_t bytes) = 0;
  virtual void copy_within(void* dst, const void* src, size_t bytes) = 0;
};

// The backend for a device type; throws if that device is not built in.
Backend& backend(DeviceType type);

// Copies `bytes` from `src` on device `from` to `dst` on device `to` through the backends'
// copy interface: host to device, device to host, within one device, or between two devices
// through a host buffer. The one place that chooses a copy by the pair of devices.
void copy_bytes(Device to, void* dst, Device from, const void* src, size_t bytes);
void register_backend(DeviceType type, Backend* backend);

}  // namespace joule
