// Reference (naive, single-thread) kernels: signatures in kernels/elementwise.inc.
#pragma once

#include <cstdint>

#include "types.h"

namespace joule::kernels::ref {
#define JOULE_KERNEL_STREAM
#include "elementwise.inc"
#undef JOULE_KERNEL_STREAM
}  // namespace joule::kernels::ref
