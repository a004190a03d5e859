// The stream, the cuBLAS handle and the scratch memory of the CUDA kernels. One context per
// process, on the device current when it is first used (cuda:0 unless the program chose another).
// Kernels take the stream to run on as their last argument (the library passes stream() from its
// dispatch table, lib/joule/ops/dispatch.h), enqueue their work on it and return without waiting:
// every result, scalars included, stays on the device. The workspace and the cuBLAS handle are
// shared, so kernels are called from one host thread at a time (the training loop's) and work
// that uses the workspace is ordered by running on one stream.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>

namespace joule::kernels::cuda {

class Context {
 public:
  Context();  // creates the stream and the cuBLAS handle; throws if there is no device
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  int device() const { return device_; }
  cudaStream_t stream() const { return stream_; }
  cublasHandle_t cublas() const { return cublas_; }
  // At least `bytes` of device scratch memory, 256-byte aligned, for temporaries inside one
  // kernel call (im2col columns, per-row partial sums). Grows on demand and never shrinks;
  // the previous contents are not kept. Work queued on stream() stays ordered with its use.
  void* workspace(size_t bytes);
  // Waits for everything queued on stream().
  void synchronize();

 private:
  int device_ = 0;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  void* workspace_ = nullptr;
  size_t workspace_bytes_ = 0;
};

// The process's context, created on first use.
Context& context();

}  // namespace joule::kernels::cuda
