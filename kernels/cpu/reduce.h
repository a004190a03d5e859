// CPU (OpenMP, vectorized) kernels: signatures in kernels/reduce.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::cpu {
#include "kernels/reduce.inc"
}  // namespace joule::kernels::cpu
