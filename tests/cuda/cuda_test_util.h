// Helpers for the CUDA tests: the skip every GPU test starts with, and tensors as device buffers
// for calling kernels::cuda directly. Without a GPU (or without the CUDA backend) every test
// that needs one skips with the reason cudaGetDeviceCount gave.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "joule/core/cuda_backend.h"
#include "joule/core/tensor.h"

#ifdef JOULE_WITH_CUDA
#include "kernels/cuda/context.h"
#endif

// First statement of every test that needs a GPU.
#define JOULE_REQUIRE_CUDA()                                                    \
  do {                                                                          \
    if (!::joule::cuda_available())                                             \
      GTEST_SKIP() << "no CUDA device: " << ::joule::cuda_unavailable_reason(); \
  } while (0)

namespace joule::cuda_test {

// Host values copied to a new tensor on the GPU (a device buffer that frees itself).
inline Tensor on_gpu(const std::vector<float>& v) {
  return Tensor::from_vector(v, Shape{static_cast<int64_t>(v.size())}).to(Device::cuda());
}
inline Tensor on_gpu(const std::vector<int64_t>& v) {
  return Tensor::from_vector(v, Shape{static_cast<int64_t>(v.size())}).to(Device::cuda());
}
// An uninitialised float buffer of n values on the GPU.
inline Tensor gpu_buffer(int64_t n, DType dtype = DType::Float32) {
  return Tensor::empty(Shape{n}, dtype, Device::cuda());
}
// A GPU tensor's values on the host (waits for the kernels that write it).
inline std::vector<float> host(const Tensor& t) { return t.to_vector<float>(); }
inline std::vector<int64_t> host_i64(const Tensor& t) { return t.to_vector<int64_t>(); }
inline float* f(const Tensor& t) { return t.data<float>(); }
inline int64_t* i64(const Tensor& t) { return t.data<int64_t>(); }

#ifdef JOULE_WITH_CUDA
// The stream the kernels::cuda calls in these tests run on: the library's, so that the tensor
// copies above (which use it) stay ordered with them.
inline cudaStream_t stream() { return kernels::cuda::context().stream(); }
#endif

}  // namespace joule::cuda_test
