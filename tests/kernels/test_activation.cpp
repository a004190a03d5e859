// kernels::cpu activations (relu, tanh, sigmoid, gelu), forward and backward, against
// kernels::ref on odd sizes. The transcendental ones go parallel at kParallelMin / 8 = 4096, the
// others at kParallelMin: kSizes crosses both.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/cpu/activation.h"
#include "kernels/reference/activation.h"

namespace {

namespace cpu = joule::kernels::cpu;
namespace ref = joule::kernels::ref;
using joule::kernels::test::all_close;
using joule::kernels::test::all_finite;
using joule::kernels::test::kSizes;
using joule::kernels::test::normal;
using joule::kernels::test::Tol;
using joule::kernels::test::uniform;

// tanh, erf, exp in float against the same (or double) math: abs 1e-6 + rel 1e-5. relu is
// exact and is held to the same bound.
constexpr Tol kTol{1e-6, 1e-5};

using Forward = void (*)(float*, const float*, int64_t);
using Backward = void (*)(float*, const float*, const float*, int64_t);

struct Activation {
  const char* name;
  Forward fast_fwd, ref_fwd;
  Backward fast_bwd, ref_bwd;
  bool backward_takes_input;  // gelu's backward takes x; the others take y
};

const std::vector<Activation> kActivations = {
    {"relu", cpu::relu_forward, ref::relu_forward, cpu::relu_backward, ref::relu_backward, false},
    {"tanh", cpu::tanh_forward, ref::tanh_forward, cpu::tanh_backward, ref::tanh_backward, false},
    {"sigmoid", cpu::sigmoid_forward, ref::sigmoid_forward, cpu::sigmoid_backward,
     ref::sigmoid_backward, false},
    {"gelu", cpu::gelu_forward, ref::gelu_forward, cpu::gelu_backward, ref::gelu_backward, true}};

// N(0, 3^2) inputs with exact zeros and large magnitudes mixed in (saturation must not give
// inf or NaN).
std::vector<float> inputs(int64_t n, uint32_t seed) {
  std::vector<float> x = normal(n, seed, 0.f, 3.f);
  const float special[] = {0.f, -0.f, 100.f, -100.f, 20.f, -20.f, 1e-30f, -1e-30f};
  for (int64_t i = 0; i < n; i += 97) x[static_cast<size_t>(i)] = special[(i / 97) % 8];
  return x;
}

TEST(KernelActivation, ForwardMatchesReference) {
  for (const Activation& act : kActivations)
    for (int64_t n : kSizes) {
      SCOPED_TRACE(std::string(act.name) + " n=" + std::to_string(n));
      const std::vector<float> x = inputs(n, 1);
      std::vector<float> y_fast(static_cast<size_t>(n), -1.f), y_ref(static_cast<size_t>(n));
      act.fast_fwd(y_fast.data(), x.data(), n);
      act.ref_fwd(y_ref.data(), x.data(), n);
      EXPECT_TRUE(all_close(y_fast, y_ref, kTol));
      EXPECT_TRUE(all_finite(y_fast));
    }
}

TEST(KernelActivation, BackwardMatchesReference) {
  for (const Activation& act : kActivations)
    for (int64_t n : kSizes) {
      SCOPED_TRACE(std::string(act.name) + " n=" + std::to_string(n));
      const std::vector<float> x = inputs(n, 2);
      std::vector<float> y(static_cast<size_t>(n));
      act.ref_fwd(y.data(), x.data(), n);
      const std::vector<float>& saved = act.backward_takes_input ? x : y;
      const std::vector<float> dy = uniform(n, 3);
      std::vector<float> dx_fast(static_cast<size_t>(n), -1.f), dx_ref(static_cast<size_t>(n));
      act.fast_bwd(dx_fast.data(), dy.data(), saved.data(), n);
      act.ref_bwd(dx_ref.data(), dy.data(), saved.data(), n);
      EXPECT_TRUE(all_close(dx_fast, dx_ref, kTol));
      EXPECT_TRUE(all_finite(dx_fast));

      // activation.inc: dx may alias dy.
      std::vector<float> inplace = dy;
      act.fast_bwd(inplace.data(), inplace.data(), saved.data(), n);
      EXPECT_TRUE(all_close(inplace, dx_ref, kTol)) << "dx aliases dy";
    }
}

TEST(KernelActivation, HandComputedValues) {
  const std::vector<float> x = {-1.f, 0.f, 2.f};
  std::vector<float> y(3);
  cpu::relu_forward(y.data(), x.data(), 3);
  EXPECT_TRUE(all_close(y, std::vector<float>{0.f, 0.f, 2.f}, Tol{0, 0}));
  cpu::sigmoid_forward(y.data(), x.data(), 3);  // 1 / (1 + e^1), 1/2, 1 / (1 + e^-2)
  EXPECT_TRUE(all_close(y, std::vector<float>{0.268941421f, 0.5f, 0.880797078f}, kTol));
  cpu::tanh_forward(y.data(), x.data(), 3);
  EXPECT_TRUE(all_close(y, std::vector<float>{-0.761594156f, 0.f, 0.964027580f}, kTol));
  // gelu(x) = x Phi(x): Phi(-1) = 0.158655254, Phi(2) = 0.977249868
  cpu::gelu_forward(y.data(), x.data(), 3);
  EXPECT_TRUE(all_close(y, std::vector<float>{-0.158655254f, 0.f, 1.954499736f}, kTol));
  // gelu'(x) = Phi(x) + x phi(x): phi(-1) = 0.241970725, phi(0) = 0.398942280, phi(2) = 0.053990967
  const std::vector<float> ones(3, 1.f);
  cpu::gelu_backward(y.data(), ones.data(), x.data(), 3);
  EXPECT_TRUE(all_close(y, std::vector<float>{-0.083315471f, 0.5f, 1.085231802f}, kTol));
}

}  // namespace
