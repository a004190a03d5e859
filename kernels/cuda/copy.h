// CUDA kernels: signatures in kernels/copy.inc. dst and src are device pointers; shape and the
// strides are host arrays of at most kMaxDims entries. The work is queued on `stream`, their last
// argument.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "types.h"

namespace joule::kernels::cuda {
#define JOULE_KERNEL_STREAM , cudaStream_t stream
#include "copy.inc"
#undef JOULE_KERNEL_STREAM

// The most dimensions a strided copy or scatter handles.
constexpr int64_t kMaxDims = 8;
}  // namespace joule::kernels::cuda
