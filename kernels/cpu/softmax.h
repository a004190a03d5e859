// CPU (OpenMP, vectorized) kernels: signatures in kernels/softmax.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::cpu {
#include "kernels/softmax.inc"
}  // namespace joule::kernels::cpu
