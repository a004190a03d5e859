// Below this many elements an OpenMP region costs more than it saves.
#pragma once

#include <cstdint>

namespace joule::kernels::cpu {
constexpr int64_t kParallelMin = int64_t{1} << 15;
}  // namespace joule::kernels::cpu
