// CPU (OpenMP, vectorized) kernels: signatures in kernels/elementwise.inc.
#pragma once

#include <cstdint>

#include "types.h"

namespace joule::kernels::cpu {
#define JOULE_KERNEL_STREAM
#include "elementwise.inc"
#undef JOULE_KERNEL_STREAM
}  // namespace joule::kernels::cpu
