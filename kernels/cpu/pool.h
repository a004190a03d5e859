// CPU (OpenMP, vectorized) kernels: signatures in kernels/pool.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::cpu {
#include "kernels/pool.inc"
}  // namespace joule::kernels::cpu
