// CUDA kernels: signatures in kernels/reduce.inc. Pointers are device pointers; the work is
// queued on context().stream() (see kernels/cuda/context.h); sum() waits for its result.
#pragma once

#include <cstdint>

namespace joule::kernels::cuda {
#include "kernels/reduce.inc"

// As sum(), without waiting: the sum of x (n) is written to out (device, one float).
void sum_async(float* out, const float* x, int64_t n);
}  // namespace joule::kernels::cuda
