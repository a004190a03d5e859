#include "joule/ops/dispatch.h"

#ifdef JOULE_WITH_CUDA
#include "kernels/cuda/context.h"
#endif

namespace joule::ops {

const char* backend_name(KernelBackend b) {
  switch (b) {
    case KernelBackend::reference: return "reference";
    case KernelBackend::cpu: return "cpu";
    case KernelBackend::cuda: return "cuda";
  }
  return "unknown";
}

KernelBackend backend_for(Device d) {
  switch (d.type) {
    case DeviceType::CPU:
      return reference_kernels_enabled() ? KernelBackend::reference : KernelBackend::cpu;
    case DeviceType::CUDA: return KernelBackend::cuda;
  }
  JOULE_CHECK(false, "no kernel backend for device ", d);
  return KernelBackend::cpu;
}

#ifdef JOULE_WITH_CUDA
cudaStream_t cuda_stream() { return kernels::cuda::context().stream(); }
#endif

Device common_device(const char* op, std::initializer_list<Tensor> tensors) {
  const Tensor* first = nullptr;
  for (const Tensor& t : tensors) {
    if (!t.defined()) continue;
    if (first) check_same_device(*first, t, op);
    else first = &t;
  }
  const Device d = first ? first->device() : Device::cpu();
#ifndef JOULE_WITH_CUDA
  JOULE_CHECK(d.is_cpu(), op, ": no kernel for device ", d, " in this build");
#endif
  return d;
}

Tensor contiguous_float(const Tensor& t, const char* op, const char* what) {
  check_float(t, op, what);
  return t.contiguous();
}

}  // namespace joule::ops
