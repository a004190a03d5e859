// The CUDA backend: a caching allocator over cudaMalloc (never managed memory), host<->device
// copies on the kernels' stream, and the device queries of cuda_backend.h. Compiled in every
// build; without JOULE_WITH_CUDA only the "no device" answers remain.
#include "joule/core/cuda_backend.h"

#include "joule/core/check.h"
#include "joule/core/device.h"

#ifdef JOULE_WITH_CUDA

#include <cuda_runtime.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "kernels/cuda/check.h"
#include "kernels/cuda/context.h"

namespace joule::kernels::cuda {
// The thrower the kernels' CUDA_CHECK/CUBLAS_CHECK call (declared in kernels/cuda/check.h).
void fail(const char* call, const char* error, const char* file, int line) {
  joule::detail::throw_error(file, line, std::string(call) + " failed: " + error);
}
}  // namespace joule::kernels::cuda

namespace joule {

namespace {

struct DeviceCount {
  int count = 0;
  std::string why_none;
};

const DeviceCount& device_count() {
  static const DeviceCount answer = [] {
    DeviceCount d;
    const cudaError_t e = cudaGetDeviceCount(&d.count);
    if (e != cudaSuccess) {
      (void)cudaGetLastError();
      d.count = 0;
      d.why_none = std::string("cudaGetDeviceCount: ") + cudaGetErrorString(e) + " (" +
                   cudaGetErrorName(e) + ")";
    } else if (d.count == 0) {
      d.why_none = "cudaGetDeviceCount found no GPU";
    }
    return d;
  }();
  return answer;
}

void require_device(const char* what) {
  JOULE_CHECK(device_count().count > 0, what, ": no CUDA device: ", device_count().why_none);
}

// Host-to-device copies go through a ring of pinned staging buffers: the host data is copied
// into the next buffer and the DMA is queued on the kernels' stream, so the call returns at
// once and the caller may free its memory. A buffer is reused once its previous copy is done.
class Staging {
 public:
  static constexpr size_t kSlotBytes = size_t{1} << 20;
  static constexpr int kSlots = 8;

  void copy(void* dst, const void* src, size_t bytes, cudaStream_t stream) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!ready_) init();
    auto* d = static_cast<char*>(dst);
    const auto* s = static_cast<const char*>(src);
    for (size_t done = 0; done < bytes;) {
      const size_t n = std::min(kSlotBytes, bytes - done);
      Slot& slot = slots_[next_];
      next_ = (next_ + 1) % kSlots;
      CUDA_CHECK(cudaEventSynchronize(slot.done));
      std::memcpy(slot.host, s + done, n);
      CUDA_CHECK(cudaMemcpyAsync(d + done, slot.host, n, cudaMemcpyHostToDevice, stream));
      CUDA_CHECK(cudaEventRecord(slot.done, stream));
      done += n;
    }
  }

 private:
  struct Slot {
    void* host = nullptr;
    cudaEvent_t done = nullptr;
  };
  void init() {
    for (Slot& slot : slots_) {
      CUDA_CHECK(cudaMallocHost(&slot.host, kSlotBytes));
      CUDA_CHECK(cudaEventCreateWithFlags(&slot.done, cudaEventDisableTiming));
    }
    ready_ = true;
  }
  std::mutex mutex_;
  std::array<Slot, kSlots> slots_{};
  int next_ = 0;
  bool ready_ = false;
};

// Device memory for tensors. Freed blocks are kept, by rounded size, and handed out again: a
// training step frees and reallocates the same sizes every step, and cudaMalloc/cudaFree are
// slow and synchronize the device. Every kernel runs on one stream, so a block freed by one
// kernel's tensor and reused by a later kernel stays in order. When cudaMalloc runs out of
// memory the cache is released and the allocation tried once more.
class CudaBackend final : public Backend {
 public:
  void* allocate(size_t bytes) override {
    require_device("device cuda");
    if (bytes == 0) return nullptr;
    const size_t rounded = round_up(bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_.find(rounded);
    if (it != cache_.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      cached_ -= rounded;
      in_use_ += rounded;
      return p;
    }
    void* p = nullptr;
    cudaError_t e = cudaMalloc(&p, rounded);
    if (e == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      release_cache_locked();
      e = cudaMalloc(&p, rounded);
    }
    if (e != cudaSuccess) {
      (void)cudaGetLastError();
      JOULE_CHECK(false, "device cuda: cannot allocate ", rounded,
                  " bytes: ", cudaGetErrorString(e), " (", in_use_, " bytes held by tensors)");
    }
    in_use_ += rounded;
    return p;
  }

  void deallocate(void* ptr, size_t bytes) override {
    if (!ptr) return;
    const size_t rounded = round_up(bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    cache_[rounded].push_back(ptr);
    in_use_ -= rounded;
    cached_ += rounded;
  }

  void copy_from_host(void* dst, const void* src, size_t bytes) override {
    if (bytes == 0) return;
    staging_.copy(dst, src, bytes, kernels::cuda::context().stream());
  }

  void copy_to_host(void* dst, const void* src, size_t bytes) override {
    if (bytes == 0) return;
    kernels::cuda::Context& ctx = kernels::cuda::context();
    CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, ctx.stream()));
    ctx.synchronize();
  }

  void copy_within(void* dst, const void* src, size_t bytes) override {
    if (bytes == 0) return;
    CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice,
                               kernels::cuda::context().stream()));
  }

  CudaMemoryStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return {in_use_, cached_};
  }

  void empty_cache() {
    std::lock_guard<std::mutex> lock(mutex_);
    release_cache_locked();
  }

 private:
  // 512-byte steps up to 1 MiB, then 64 KiB steps: few distinct sizes, little waste.
  static size_t round_up(size_t bytes) {
    const size_t unit = bytes <= (size_t{1} << 20) ? 512 : size_t{64} << 10;
    return (bytes + unit - 1) / unit * unit;
  }
  void release_cache_locked() {
    for (auto& [size, blocks] : cache_)
      for (void* p : blocks) CUDA_CHECK(cudaFree(p));  // cudaFree waits for kernels using it
    cache_.clear();
    cached_ = 0;
  }

  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> cache_;
  size_t in_use_ = 0, cached_ = 0;
  Staging staging_;
};

// Never destroyed: tensors may outlive static destructors, and the CUDA runtime tears itself
// down at exit on its own.
CudaBackend& cuda_backend() {
  static CudaBackend* b = new CudaBackend();
  return *b;
}

}  // namespace

bool cuda_built() { return true; }
int cuda_device_count() { return device_count().count; }
std::string cuda_unavailable_reason() { return device_count().why_none; }

std::string cuda_device_name(int index) {
  require_device("cuda_device_name");
  JOULE_CHECK(index >= 0 && index < device_count().count, "cuda_device_name: no device ", index,
              " (this process sees ", device_count().count, ")");
  cudaDeviceProp prop{};
  CUDA_CHECK(cudaGetDeviceProperties(&prop, index));
  return prop.name;
}

void cuda_synchronize() {
  if (device_count().count == 0) return;
  kernels::cuda::context().synchronize();
}

CudaMemoryStats cuda_memory_stats() {
  if (device_count().count == 0) return {};
  return cuda_backend().stats();
}

void cuda_empty_cache() {
  if (device_count().count == 0) return;
  cuda_backend().empty_cache();
}

Backend* detail::builtin_cuda_backend() { return &cuda_backend(); }

}  // namespace joule

#else  // no CUDA backend in this build

namespace joule {

namespace {
const char* const kNotBuilt =
    "this build of joule has no CUDA backend (configured with JOULE_CUDA=OFF, or AUTO on a "
    "machine without nvcc)";
}  // namespace

bool cuda_built() { return false; }
int cuda_device_count() { return 0; }
std::string cuda_unavailable_reason() { return kNotBuilt; }
std::string cuda_device_name(int) {
  JOULE_CHECK(false, "cuda_device_name: ", kNotBuilt);
  return {};
}
void cuda_synchronize() {}
CudaMemoryStats cuda_memory_stats() { return {}; }
void cuda_empty_cache() {}
Backend* detail::builtin_cuda_backend() { return nullptr; }

}  // namespace joule

#endif
