#include "joule/core/device.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <ostream>

#include "joule/core/check.h"

namespace joule {

std::string Device::str() const {
  return type == DeviceType::CPU ? "cpu" : "cuda:" + std::to_string(index);
}

std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.str(); }

namespace {

// 64-byte aligned host memory: whole cache lines and full AVX-512 vectors for every kernel.
class CpuBackend final : public Backend {
 public:
  void* allocate(size_t bytes) override {
    if (bytes == 0) return nullptr;
    size_t rounded = (bytes + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, rounded);
    if (!p) throw std::bad_alloc();
    return p;
  }
  void deallocate(void* ptr, size_t) override { std::free(ptr); }
  void copy_from_host(void* dst, const void* src, size_t bytes) override { copy(dst, src, bytes); }
  void copy_to_host(void* dst, const void* src, size_t bytes) override { copy(dst, src, bytes); }
  void copy_within(void* dst, const void* src, size_t bytes) override { copy(dst, src, bytes); }

 private:
  static void copy(void* dst, const void* src, size_t bytes) {
    if (bytes) std::memcpy(dst, src, bytes);
  }
};

Backend* g_backends[2] = {nullptr, nullptr};

}  // namespace

Backend& backend(DeviceType type) {
  static CpuBackend cpu;
  if (type == DeviceType::CPU) return cpu;
  Backend* b = g_backends[static_cast<int>(type)];
  JOULE_CHECK(b != nullptr, "device cuda: this build of joule has no CUDA backend "
              "(configure with -DJOULE_CUDA=ON on a machine with nvcc)");
  return *b;
}

void register_backend(DeviceType type, Backend* b) { g_backends[static_cast<int>(type)] = b; }

}  // namespace joule
