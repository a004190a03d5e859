// CUDA kernels: signatures in kernels/conv.inc. Pointers are device pointers; the work is queued
// on context().stream() (see kernels/cuda/context.h).
#pragma once

#include <cstdint>

namespace joule::kernels::cuda {
#include "kernels/conv.inc"
}  // namespace joule::kernels::cuda
