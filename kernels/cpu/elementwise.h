// CPU (OpenMP, vectorized) kernels: signatures in kernels/elementwise.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::cpu {
#include "kernels/elementwise.inc"
}  // namespace joule::kernels::cpu
