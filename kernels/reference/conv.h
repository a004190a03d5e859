// Reference (naive, single-thread) kernels: signatures in kernels/conv.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::ref {
#include "kernels/conv.inc"
}  // namespace joule::kernels::ref
