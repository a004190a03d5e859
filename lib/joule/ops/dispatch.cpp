#include "joule/ops/dispatch.h"

namespace joule::ops {

Device common_device(const char* op, std::initializer_list<Tensor> tensors) {
  const Tensor* first = nullptr;
  for (const Tensor& t : tensors) {
    if (!t.defined()) continue;
    if (first) check_same_device(*first, t, op);
    else first = &t;
  }
  const Device d = first ? first->device() : Device::cpu();
  JOULE_CHECK(d.is_cpu() || kCudaBuilt, op, ": no kernel for device ", d, " in this build");
  return d;
}

Tensor contiguous_float(const Tensor& t, const char* op, const char* what) {
  check_float(t, op, what);
  return t.contiguous();
}

}  // namespace joule::ops
