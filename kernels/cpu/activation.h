// CPU (OpenMP, vectorized) kernels: signatures in kernels/activation.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::cpu {
#include "kernels/activation.inc"
}  // namespace joule::kernels::cpu
