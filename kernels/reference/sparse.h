// Naive single-thread reference kernels (the ground truth for tests): signatures in kernels/sparse.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::ref {
#include "kernels/sparse.inc"
}  // namespace joule::kernels::ref
