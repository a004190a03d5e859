// CPU (OpenMP, AVX-512 across the batch) kernels: signatures in kernels/sparse.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::cpu {
#include "kernels/sparse.inc"
}  // namespace joule::kernels::cpu
