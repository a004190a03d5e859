// Reference (naive, single-thread) kernels: signatures in kernels/reduce.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::ref {
#include "kernels/reduce.inc"
}  // namespace joule::kernels::ref
