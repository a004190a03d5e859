// CPU (OpenMP, vectorized) kernels: signatures in kernels/norm.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::cpu {
#include "kernels/norm.inc"
}  // namespace joule::kernels::cpu
