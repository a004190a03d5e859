#include "joule/ops/reference_mode.h"

namespace joule::ops {
namespace {
thread_local bool t_reference = false;
}  // namespace

bool reference_kernels_enabled() { return t_reference; }

ReferenceKernelsGuard::ReferenceKernelsGuard() : previous_(t_reference) { t_reference = true; }
ReferenceKernelsGuard::~ReferenceKernelsGuard() { t_reference = previous_; }

}  // namespace joule::ops
