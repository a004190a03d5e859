// The CUDA device, as the rest of joule sees it: whether this build has it, how many GPUs the
// process can use and why none, and the caching allocator's state. Every function here exists in
// every build; without the CUDA backend they report no device (and never throw for asking).
// One GPU per process: tensors on Device::cuda() live on the device current when the first one
// was made (cuda:0 unless the program called cudaSetDevice).
#pragma once

#include <cstddef>
#include <string>

namespace joule {

class Backend;

// True when this build of joule has the CUDA backend (configured with nvcc; JOULE_WITH_CUDA).
bool cuda_built();
// GPUs this process can use: 0 without the CUDA backend, without a driver or without a GPU.
// Never throws; the answer is computed once.
int cuda_device_count();
inline bool cuda_available() { return cuda_device_count() > 0; }
// Why cuda_device_count() is 0, e.g. "cudaGetDeviceCount: CUDA driver version is insufficient
// for CUDA runtime version (cudaErrorInsufficientDriver)"; empty when there is a GPU.
std::string cuda_unavailable_reason();
// The name of GPU `index`, e.g. "NVIDIA H100 80GB HBM3"; throws joule::Error when there is none.
std::string cuda_device_name(int index = 0);
// Waits until every kernel and copy queued on the GPU has finished (for timing); does nothing
// without a GPU.
void cuda_synchronize();

// The CUDA caching allocator: device memory held for tensors (in_use) and freed blocks kept for
// reuse (cached), in bytes.
struct CudaMemoryStats {
  size_t in_use = 0;
  size_t cached = 0;
};
CudaMemoryStats cuda_memory_stats();
// Gives the cached blocks back to the driver (tensors in use keep theirs).
void cuda_empty_cache();

namespace detail {
// The CUDA backend built into this library, or null when it has none; device.cpp's backend()
// falls back to it when no other CUDA backend was registered.
Backend* builtin_cuda_backend();
}  // namespace detail

}  // namespace joule
