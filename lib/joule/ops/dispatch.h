// Device dispatch helpers, used only inside lib/joule/ops/. Every op family asks once which
// device its tensors share; the CPU kernels run here, other devices plug in beside them.
#pragma once

#include <initializer_list>

#include "joule/core/tensor.h"

namespace joule::ops {

// The device shared by all defined `tensors`; throws naming `op` if they differ or if this build
// has no kernels for it.
Device common_device(const char* op, std::initializer_list<Tensor> tensors);

// A contiguous version of a float tensor (a copy only when needed), checked for dtype.
Tensor contiguous_float(const Tensor& t, const char* op, const char* what);

}  // namespace joule::ops
