// CPU (OpenMP) knowledge-distillation loss kernel: signature in kernels/distill.inc.
#pragma once

#include <cstdint>

#include "types.h"

namespace joule::kernels::cpu {
#define JOULE_KERNEL_STREAM
#include "distill.inc"
#undef JOULE_KERNEL_STREAM
}  // namespace joule::kernels::cpu
