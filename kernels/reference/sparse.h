// Naive single-thread reference kernels (the ground truth for tests): signatures in
// kernels/sparse.inc.
#pragma once

#include <cstdint>

#include "types.h"

namespace joule::kernels::ref {
#define JOULE_KERNEL_STREAM
#include "sparse.inc"
#undef JOULE_KERNEL_STREAM
}  // namespace joule::kernels::ref
