// Reference mode: while a ReferenceKernelsGuard is alive on a thread, every op that this thread
// runs on the CPU calls the naive reference twin of its kernels (kernels/reference/) instead of
// the fast one (kernels/cpu/). The op-table tests run each op both ways and compare, so a fast
// kernel is checked against its reference through the same op code a user calls. Ops on other
// devices are unaffected.
#pragma once

namespace joule::ops {

// True while a ReferenceKernelsGuard is alive on the calling thread.
bool reference_kernels_enabled();

class ReferenceKernelsGuard {
 public:
  ReferenceKernelsGuard();
  ~ReferenceKernelsGuard();
  ReferenceKernelsGuard(const ReferenceKernelsGuard&) = delete;
  ReferenceKernelsGuard& operator=(const ReferenceKernelsGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace joule::ops
