// The one device dispatch, used only inside lib/joule/ops/. Every kernel has one signature for all
// its backends (kernels/*.inc; the CUDA one takes a stream as well), so an op names a kernel once,
// JOULE_KERNEL(relu_forward), and calls .on(device)(args...): the entry of the backend that runs
// ops on that device. Only this table knows which backends exist; ops never branch on a device.
//
// Adding a backend (a device): one KernelBackend value, its case in backend_for (dispatch.cpp),
// and one entry per kernel in JOULE_KERNEL below (like JOULE_CUDA_ENTRY); nothing else in ops/.
#pragma once

#include <initializer_list>

#include "joule/core/check.h"
#include "joule/core/tensor.h"
#include "joule/ops/reference_mode.h"

#ifdef JOULE_WITH_CUDA
#include <cuda_runtime.h>
#endif

namespace joule::ops {

// The kernel families, the index of an entry in a Kernel.
enum class KernelBackend : int { reference = 0, cpu = 1, cuda = 2 };
inline constexpr int kKernelBackends = 3;
const char* backend_name(KernelBackend b);

// The backend whose kernels run an op on `d`: on the CPU the fast kernels (kernels/cpu/), or
// their naive twins (kernels/reference/) while a ReferenceKernelsGuard is alive on this thread;
// on a CUDA device the CUDA kernels.
KernelBackend backend_for(Device d);

// The device shared by all defined `tensors`; throws naming `op` if they differ or if this build
// has no kernels for it.
Device common_device(const char* op, std::initializer_list<Tensor> tensors);

// A contiguous version of a float tensor (a copy only when needed), checked for dtype.
Tensor contiguous_float(const Tensor& t, const char* op, const char* what);

// One kernel: a function pointer per backend, indexed by KernelBackend (null where that backend
// has no version of it, or is not built).
template <class F>
struct Kernel {
  const char* name;
  F entries[kKernelBackends];

  F on(Device d) const {
    const KernelBackend b = backend_for(d);
    const F f = entries[static_cast<int>(b)];
    JOULE_CHECK(f != nullptr, "no ", backend_name(b), " kernel for ", name, " (device ", d,
                ") in this build");
    return f;
  }
};

#ifdef JOULE_WITH_CUDA
// The stream every CUDA kernel that ops launch runs on (the CUDA context's).
cudaStream_t cuda_stream();
#endif

}  // namespace joule::ops

// The CUDA entry of kernel `name`: a captureless generic lambda that appends the stream; it
// converts to the CPU signature's function-pointer type. Null in a build without CUDA (the CUDA
// name must not be mentioned at all there: it would not link).
#ifdef JOULE_WITH_CUDA
#define JOULE_CUDA_ENTRY(name) \
  [](auto... a) { ::joule::kernels::cuda::name(a..., ::joule::ops::cuda_stream()); }
#else
#define JOULE_CUDA_ENTRY(name) nullptr
#endif

// JOULE_KERNEL(name): kernels::ref::name, kernels::cpu::name and kernels::cuda::name, in
// KernelBackend order, as an ops::Kernel.
#define JOULE_KERNEL(name)                                                          \
  ::joule::ops::Kernel<decltype(&::joule::kernels::cpu::name)> {                    \
    #name, { &::joule::kernels::ref::name, &::joule::kernels::cpu::name,            \
             JOULE_CUDA_ENTRY(name) }                                               \
  }

// JOULE_HOST_KERNEL(name): a kernel with reference and CPU versions only; on a CUDA device .on()
// throws "no cuda kernel for <name>".
#define JOULE_HOST_KERNEL(name)                                                     \
  ::joule::ops::Kernel<decltype(&::joule::kernels::cpu::name)> {                    \
    #name, { &::joule::kernels::ref::name, &::joule::kernels::cpu::name, nullptr }  \
  }
