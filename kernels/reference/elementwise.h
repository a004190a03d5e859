// Reference (naive, single-thread) kernels: signatures in kernels/elementwise.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::ref {
#include "kernels/elementwise.inc"
}  // namespace joule::kernels::ref
