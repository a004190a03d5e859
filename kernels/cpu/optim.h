// CPU (OpenMP, vectorized) kernels: signatures in kernels/optim.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::cpu {
#include "kernels/optim.inc"
}  // namespace joule::kernels::cpu
