// CUDA kernels: signatures in kernels/norm.inc. Pointers are device pointers; the work is queued
// on context().stream() (see kernels/cuda/context.h).
#pragma once

#include <cstdint>

namespace joule::kernels::cuda {
#include "kernels/norm.inc"
}  // namespace joule::kernels::cuda
