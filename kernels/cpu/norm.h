// CPU (OpenMP, vectorized) kernels: signatures in kernels/norm.inc.
#pragma once

#include <cstdint>

#include "types.h"

namespace joule::kernels::cpu {
#define JOULE_KERNEL_STREAM
#include "norm.inc"
#undef JOULE_KERNEL_STREAM
}  // namespace joule::kernels::cpu
