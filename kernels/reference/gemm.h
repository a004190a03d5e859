// Naive GEMM, the ground truth for kernels::cpu::gemm: signature in kernels/gemm.inc.
#pragma once

#include <cstdint>

#include "types.h"

namespace joule::kernels::ref {
#define JOULE_KERNEL_STREAM
#include "gemm.inc"
#undef JOULE_KERNEL_STREAM
}  // namespace joule::kernels::ref
