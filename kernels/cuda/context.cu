#include <mutex>

#include "cuda/check.h"
#include "cuda/context.h"

namespace joule::kernels::cuda {

Context::Context() {
  CUDA_CHECK(cudaGetDevice(&device_));
  // A blocking stream: it stays ordered with anything issued on the legacy default stream.
  CUDA_CHECK(cudaStreamCreate(&stream_));
  CUBLAS_CHECK(cublasCreate(&cublas_));
  CUBLAS_CHECK(cublasSetStream(cublas_, stream_));
  // Plain FP32 GEMMs (no TF32 tensor-core rounding), as the CPU kernels and PyTorch's default.
  CUBLAS_CHECK(cublasSetMathMode(cublas_, CUBLAS_DEFAULT_MATH));
}

Context::~Context() {
  // No checks: this may run at exit, after the CUDA runtime has begun to shut down.
  if (workspace_) cudaFree(workspace_);
  if (cublas_) cublasDestroy(cublas_);
  if (stream_) cudaStreamDestroy(stream_);
}

void* Context::workspace(size_t bytes) {
  if (bytes <= workspace_bytes_) return workspace_;
  const size_t grown = bytes + bytes / 4;
  if (workspace_) CUDA_CHECK(cudaFree(workspace_));  // cudaFree waits for work that may use it
  workspace_ = nullptr;
  workspace_bytes_ = 0;
  CUDA_CHECK(cudaMalloc(&workspace_, grown));
  workspace_bytes_ = grown;
  return workspace_;
}

void Context::synchronize() { CUDA_CHECK(cudaStreamSynchronize(stream_)); }

Context& context() {
  // Created once and never destroyed: destroying CUDA objects from a static destructor races
  // with the runtime's own teardown at exit.
  static Context* ctx = new Context();
  return *ctx;
}

}  // namespace joule::kernels::cuda
