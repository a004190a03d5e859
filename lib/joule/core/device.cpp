#include "joule/core/device.h"

#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>
#include <cstring>
#include <new>
#include <ostream>

#include "joule/core/check.h"
#include "joule/core/cuda_backend.h"
#include "joule/core/host_heap.h"

namespace joule {

std::string Device::str() const {
  return type == DeviceType::CPU ? "cpu" : "cuda:" + std::to_string(index);
}

std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.str(); }

namespace {

// 64-byte aligned host memory: whole cache lines and full AVX-512 vectors for every kernel.
// Blocks of 64 KiB and more are kept for reuse after they are freed (up to kCacheLimit bytes in
// all): a training step frees and reallocates the same activation and gradient sizes every
// step, and handing them back to the OS each time costs page faults and page zeroing.
class CpuBackend final : public Backend {
 public:
  CpuBackend() { tune_host_heap(); }
  ~CpuBackend() override {
    for (auto& [bytes, blocks] : cache_)
      for (void* p : blocks) std::free(p);
  }
  void* allocate(size_t bytes) override {
    if (bytes == 0) return nullptr;
    const size_t rounded = round_up(bytes);
    if (rounded >= kCacheMin) {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = cache_.find(rounded);
      if (it != cache_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        cached_bytes_ -= rounded;
        return p;
      }
    }
    void* p = std::aligned_alloc(64, rounded);
    if (!p) throw std::bad_alloc();
    return p;
  }
  void deallocate(void* ptr, size_t bytes) override {
    if (!ptr) return;
    const size_t rounded = round_up(bytes);
    if (rounded >= kCacheMin) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (cached_bytes_ + rounded <= kCacheLimit) {
        cache_[rounded].push_back(ptr);
        cached_bytes_ += rounded;
        return;
      }
    }
    std::free(ptr);
  }
  void copy_from_host(void* dst, const void* src, size_t bytes) override { copy(dst, src, bytes); }
  void copy_to_host(void* dst, const void* src, size_t bytes) override { copy(dst, src, bytes); }
  void copy_within(void* dst, const void* src, size_t bytes) override { copy(dst, src, bytes); }

 private:
  static constexpr size_t kCacheMin = size_t{64} << 10;
  static constexpr size_t kCacheLimit = size_t{512} << 20;
  static size_t round_up(size_t bytes) {
    const size_t unit = bytes >= kCacheMin ? 4096 : 64;
    return (bytes + unit - 1) / unit * unit;
  }
  static void copy(void* dst, const void* src, size_t bytes) {
    if (bytes) std::memcpy(dst, src, bytes);
  }
  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> cache_;
  size_t cached_bytes_ = 0;
};

Backend* g_backends[2] = {nullptr, nullptr};

}  // namespace

Backend& backend(DeviceType type) {
  static CpuBackend cpu;
  if (type == DeviceType::CPU) return cpu;
  Backend* b = g_backends[static_cast<int>(type)];
  if (!b && type == DeviceType::CUDA) b = detail::builtin_cuda_backend();
  JOULE_CHECK(b != nullptr, "device cuda: this build of joule has no CUDA backend "
              "(configure with -DJOULE_CUDA=ON on a machine with nvcc)");
  return *b;
}

void register_backend(DeviceType type, Backend* b) { g_backends[static_cast<int>(type)] = b; }

void copy_bytes(Device to, void* dst, Device from, const void* src, size_t bytes) {
  for (const Device d : {to, from})
    JOULE_CHECK(d.is_cpu() || d.index == 0, "copy from ", from, " to ", to, ": ", d,
                " is not available: this version uses one GPU per process, cuda:0 (choose it "
                "with CUDA_VISIBLE_DEVICES)");
  if (bytes == 0) return;
  if (from == to) {
    backend(to.type).copy_within(dst, src, bytes);
  } else if (from.is_cpu()) {
    backend(to.type).copy_from_host(dst, src, bytes);
  } else if (to.is_cpu()) {
    backend(from.type).copy_to_host(dst, src, bytes);
  } else {  // two devices: through a host buffer
    std::vector<unsigned char> host(bytes);
    backend(from.type).copy_to_host(host.data(), src, bytes);
    backend(to.type).copy_from_host(dst, host.data(), bytes);
  }
}

}  // namespace joule
