// CUDA kernels: signatures in kernels/copy.inc. dst and src are device pointers; shape and the
// strides are host arrays of at most kMaxDims entries. The work is queued on context().stream()
// (see kernels/cuda/context.h).
#pragma once

#include <cstdint>

namespace joule::kernels::cuda {
#include "kernels/copy.inc"

// The most dimensions a strided copy or scatter handles.
constexpr int64_t kMaxDims = 8;
}  // namespace joule::kernels::cuda
