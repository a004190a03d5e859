// CPU (OpenMP, vectorized) kernels: signatures in kernels/copy.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::cpu {
#include "kernels/copy.inc"
}  // namespace joule::kernels::cpu
