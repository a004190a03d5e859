// CPU (Eigen) GEMM: signature in kernels/gemm.inc.
#pragma once

#include <cstdint>

#include "types.h"

namespace joule::kernels::cpu {
#define JOULE_KERNEL_STREAM
#include "gemm.inc"
#undef JOULE_KERNEL_STREAM
}  // namespace joule::kernels::cpu
