// Reference (naive, single-thread) knowledge-distillation loss: signature in kernels/distill.inc.
#pragma once

#include <cstdint>

#include "types.h"

namespace joule::kernels::ref {
#define JOULE_KERNEL_STREAM
#include "distill.inc"
#undef JOULE_KERNEL_STREAM
}  // namespace joule::kernels::ref
