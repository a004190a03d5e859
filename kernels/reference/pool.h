// Reference (naive, single-thread) kernels: signatures in kernels/pool.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::ref {
#include "kernels/pool.inc"
}  // namespace joule::kernels::ref
