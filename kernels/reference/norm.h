// Reference (naive, single-thread) kernels: signatures in kernels/norm.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::ref {
#include "kernels/norm.inc"
}  // namespace joule::kernels::ref
