// CPU (OpenMP, vectorized) kernels: signatures in kernels/conv.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::cpu {
#include "kernels/conv.inc"
}  // namespace joule::kernels::cpu
