// Reference (naive, single-thread) kernels: signatures in kernels/quant.inc.
#pragma once

#include <cstdint>

#include "types.h"

namespace joule::kernels::ref {
#define JOULE_KERNEL_STREAM
#include "quant.inc"
#undef JOULE_KERNEL_STREAM
}  // namespace joule::kernels::ref
