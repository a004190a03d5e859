// The dispatch table (lib/joule/ops/dispatch.h): which kernel entry .on(device) returns.
#include <gtest/gtest.h>

#include <string>

#include "joule/core/check.h"
#include "joule/ops/dispatch.h"
#include "joule/ops/reference_mode.h"
#include "kernels/cpu/distill.h"
#include "kernels/cpu/reduce.h"
#include "kernels/reference/distill.h"
#include "kernels/reference/reduce.h"
#ifdef JOULE_WITH_CUDA
#include "kernels/cuda/reduce.h"
#endif

namespace {

namespace cpu = joule::kernels::cpu;
namespace ref = joule::kernels::ref;
using joule::Device;

TEST(KernelDispatch, CpuPicksTheFastKernelOrItsReferenceTwin) {
  const auto sum = JOULE_KERNEL(sum);
  EXPECT_EQ(sum.on(Device::cpu()), &cpu::sum);
  {
    joule::ops::ReferenceKernelsGuard reference;
    EXPECT_EQ(sum.on(Device::cpu()), &ref::sum);
  }
  EXPECT_EQ(sum.on(Device::cpu()), &cpu::sum) << "the guard restores the fast kernels";
}

TEST(KernelDispatch, EveryEntryIsFilledWhereItsBackendIsBuilt) {
  const auto sum = JOULE_KERNEL(sum);
  EXPECT_NE(sum.entries[static_cast<int>(joule::ops::KernelBackend::reference)], nullptr);
  EXPECT_NE(sum.entries[static_cast<int>(joule::ops::KernelBackend::cpu)], nullptr);
#ifdef JOULE_WITH_CUDA
  EXPECT_NE(sum.entries[static_cast<int>(joule::ops::KernelBackend::cuda)], nullptr);
#else
  EXPECT_EQ(sum.entries[static_cast<int>(joule::ops::KernelBackend::cuda)], nullptr);
#endif
}

TEST(KernelDispatch, AMissingEntryThrowsNamingTheBackendAndTheKernel) {
  const auto kd = JOULE_HOST_KERNEL(kd_loss_forward);
  EXPECT_EQ(kd.on(Device::cpu()), &cpu::kd_loss_forward);
  try {
    kd.on(Device::cuda());
    FAIL() << "expected joule::Error";
  } catch (const joule::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no cuda kernel for kd_loss_forward"), std::string::npos)
        << e.what();
  }
}

}  // namespace
