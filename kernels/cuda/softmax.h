// CUDA kernels: signatures in kernels/softmax.inc. Pointers are device pointers; the work is
// queued on `stream`, their last argument; every result stays on the device.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "types.h"

namespace joule::kernels::cuda {
#define JOULE_KERNEL_STREAM , cudaStream_t stream
#include "softmax.inc"
#undef JOULE_KERNEL_STREAM
}  // namespace joule::kernels::cuda
