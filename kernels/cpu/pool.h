// CPU (OpenMP, vectorized) kernels: signatures in kernels/pool.inc.
#pragma once

#include <cstdint>

#include "types.h"

namespace joule::kernels::cpu {
#define JOULE_KERNEL_STREAM
#include "pool.inc"
#undef JOULE_KERNEL_STREAM
}  // namespace joule::kernels::cpu
