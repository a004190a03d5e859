// Device dispatch helpers, used only inside lib/joule/ops/. Every op family asks once which
// device its tensors share, then runs the CPU or the CUDA version of its kernels: both have the
// same signature (kernels/*.inc), so an op names a kernel once, JOULE_KERNEL(relu_forward), and
// calls .on(device).
#pragma once

#include <initializer_list>

#include "joule/core/check.h"
#include "joule/core/tensor.h"

namespace joule::ops {

// True when this build has the CUDA kernels (for `if constexpr` around the few CUDA-only steps).
#ifdef JOULE_WITH_CUDA
inline constexpr bool kCudaBuilt = true;
#else
inline constexpr bool kCudaBuilt = false;
#endif

// The device shared by all defined `tensors`; throws naming `op` if they differ or if this build
// has no kernels for it.
Device common_device(const char* op, std::initializer_list<Tensor> tensors);

// A contiguous version of a float tensor (a copy only when needed), checked for dtype.
Tensor contiguous_float(const Tensor& t, const char* op, const char* what);

// One kernel in its CPU and CUDA versions (the CUDA one null in a build without it).
template <class F>
struct Kernel {
  F cpu;
  F cuda;
  F on(Device d) const {
    if (d.is_cpu()) return cpu;
    JOULE_CHECK(cuda != nullptr, "no CUDA kernel for device ", d, " in this build");
    return cuda;
  }
};

}  // namespace joule::ops

// JOULE_KERNEL(name): kernels::cpu::name and, when built, kernels::cuda::name, as an ops::Kernel.
// A macro rather than a function because the CUDA name must not be mentioned at all in a build
// without the CUDA kernels (it would not link).
#ifdef JOULE_WITH_CUDA
#define JOULE_KERNEL(name)                                                           \
  ::joule::ops::Kernel<decltype(&::joule::kernels::cpu::name)> {                     \
    &::joule::kernels::cpu::name, &::joule::kernels::cuda::name                      \
  }
#else
#define JOULE_KERNEL(name)                                                           \
  ::joule::ops::Kernel<decltype(&::joule::kernels::cpu::name)> {                     \
    &::joule::kernels::cpu::name, nullptr                                            \
  }
#endif
