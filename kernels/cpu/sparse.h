// CPU (OpenMP, AVX-512 across the batch) kernels: signatures in kernels/sparse.inc.
#pragma once

#include <cstdint>

#include "types.h"

namespace joule::kernels::cpu {
#define JOULE_KERNEL_STREAM
#include "sparse.inc"
#undef JOULE_KERNEL_STREAM
}  // namespace joule::kernels::cpu
