// Reference (naive, single-thread) kernels: signatures in kernels/optim.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::ref {
#include "kernels/optim.inc"
}  // namespace joule::kernels::ref
