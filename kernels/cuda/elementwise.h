// CUDA kernels: signatures in kernels/elementwise.inc. Pointers are device pointers; the work is
// queued on `stream`, their last argument.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "types.h"

namespace joule::kernels::cuda {
#define JOULE_KERNEL_STREAM , cudaStream_t stream
#include "elementwise.inc"
#undef JOULE_KERNEL_STREAM
}  // namespace joule::kernels::cuda
