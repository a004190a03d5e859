// CUDA kernels: signatures in kernels/sparse.inc (SparseLinear's CSR/CSC SpMM). Pointers are
// device pointers; the work is queued on context().stream() (see kernels/cuda/context.h).
#pragma once

#include <cstdint>

namespace joule::kernels::cuda {
#include "kernels/sparse.inc"
}  // namespace joule::kernels::cuda
