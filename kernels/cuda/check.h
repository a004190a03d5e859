// Checking every CUDA and cuBLAS call: CUDA_CHECK(cudaMalloc(&p, n)) throws with the call, the
// error's name and text, and the file and line.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

namespace joule::kernels::cuda {

// Throws joule::Error "<call> failed: <error> [<file>:<line>]". Declared here, defined by the
// library that links these kernels (lib/joule/core/cuda_backend.cpp), so that every failure
// reaching the user is the library's one error type while kernels/ includes nothing from lib/.
[[noreturn]] void fail(const char* call, const char* error, const char* file, int line);

inline void check(cudaError_t e, const char* call, const char* file, int line) {
  if (e == cudaSuccess) return;
  (void)cudaGetLastError();  // clear the sticky error of a failed call that left the context usable
  fail(call, cudaGetErrorString(e), file, line);
}

inline void check(cublasStatus_t s, const char* call, const char* file, int line) {
  if (s != CUBLAS_STATUS_SUCCESS) fail(call, cublasGetStatusString(s), file, line);
}

}  // namespace joule::kernels::cuda

#define CUDA_CHECK(call) ::joule::kernels::cuda::check((call), #call, __FILE__, __LINE__)
#define CUBLAS_CHECK(call) ::joule::kernels::cuda::check((call), #call, __FILE__, __LINE__)
// After a kernel launch: reports a bad launch configuration at the launch site.
#define CUDA_CHECK_LAUNCH() CUDA_CHECK(cudaGetLastError())
