// Reference (naive, single-thread) kernels: signatures in kernels/softmax.inc.
#pragma once

#include <cstdint>

namespace joule::kernels::ref {
#include "kernels/softmax.inc"
}  // namespace joule::kernels::ref
