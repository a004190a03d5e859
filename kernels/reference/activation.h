// Reference (naive, single-thread) kernels: signatures in kernels/activation.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::ref {
#include "kernels/activation.inc"
}  // namespace joule::kernels::ref
