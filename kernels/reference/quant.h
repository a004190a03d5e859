// Reference (naive, single-thread) kernels: signatures in kernels/quant.inc.
#pragma once

#include <cstdint>

#include "kernels/reference/conv.h"
#include "kernels/reference/pool.h"

namespace joule::kernels::ref {
#include "kernels/quant.inc"
}  // namespace joule::kernels::ref
