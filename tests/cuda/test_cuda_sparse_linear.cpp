// SparseLinear on the GPU against the same layer on the CPU: forward, the three gradients, RigL's
// dense-gradient capture and a rewiring after the move (the pattern stays on the host, kernels
// read its device mirror). Tolerance: abs/rel 1e-5 (float sums in another order).
#include <gtest/gtest.h>

#include <cmath>

#include "cuda_test_util.h"
#include "joule/ops/reduce.h"
#include "joule/optim/sgd.h"
#include "joule/sparse/sparse_linear.h"

namespace joule {
namespace {

void expect_close(const Tensor& gpu, const Tensor& cpu) {
  const std::vector<float> a = gpu.to_vector<float>(), b = cpu.to_vector<float>();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    ASSERT_NEAR(a[i], b[i], 1e-5 + 1e-5 * std::fabs(b[i])) << "at " << i;
}

TEST(CudaSparseLinear, MatchesTheCpuLayerBeforeAndAfterARewiring) {
  JOULE_REQUIRE_CUDA();
  Generator g1(3), g2(3);
  nn::SparseLinear cpu({.in = 70, .out = 33, .density = 0.2}, g1);
  nn::SparseLinear gpu({.in = 70, .out = 33, .density = 0.2}, g2);
  gpu.to(Device::cuda());
  EXPECT_TRUE(gpu.pattern().row_ptr_tensor().device().is_cpu()) << "the pattern stays on the host";
  Generator gx(5);
  Tensor x = Tensor::uniform(Shape{17, 70}, gx, -1, 1);
  for (int round = 0; round < 2; ++round) {
    Tensor xc = x.clone().set_requires_grad(), xg = x.to(Device::cuda()).set_requires_grad();
    cpu.capture_dense_grad(true);
    gpu.capture_dense_grad(true);
    Tensor yc = cpu(xc), yg = gpu(xg);
    expect_close(yg, yc);
    sum(yc).backward();
    sum(yg).backward();
    expect_close(xg.grad(), xc.grad());
    expect_close(gpu.values().grad(), cpu.values().grad());
    expect_close(gpu.bias().grad(), cpu.bias().grad());
    expect_close(gpu.dense_grad(), cpu.dense_grad());
    cpu.capture_dense_grad(false);
    gpu.capture_dense_grad(false);
    // the same rewiring on both: drop entries 0 and 3, grow two free positions
    std::vector<sparse::Coord> free;
    for (int64_t c = 0; free.size() < 2; ++c)
      if (cpu.pattern().find(0, c) < 0) free.push_back({0, c});
    const nn::Rewiring change{.drop = {0, 3}, .grow = free, .grow_values = {0.25f, -0.5f}};
    cpu.rewire(change, nullptr);
    gpu.rewire(change, nullptr);
  }
}

}  // namespace
}  // namespace joule
