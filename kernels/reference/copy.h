// Reference (naive, single-thread) kernels: signatures in kernels/copy.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::ref {
#include "kernels/copy.inc"
}  // namespace joule::kernels::ref
