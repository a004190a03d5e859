// CUDA GEMM through cuBLAS (FP32, no TF32): signature in kernels/gemm.inc. Pointers are device
// pointers; the work is queued on `stream`.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "types.h"

namespace joule::kernels::cuda {
#define JOULE_KERNEL_STREAM , cudaStream_t stream
#include "gemm.inc"
#undef JOULE_KERNEL_STREAM
}  // namespace joule::kernels::cuda
