// kernels::cpu::kd_loss_forward (the fused distillation loss) against kernels::ref.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/cpu/distill.h"
#include "kernels/cpu/softmax.h"
#include "kernels/reference/distill.h"

namespace {

namespace cpu = joule::kernels::cpu;
namespace ref = joule::kernels::ref;
using joule::kernels::test::all_close;
using joule::kernels::test::all_finite;
using joule::kernels::test::normal;
using joule::kernels::test::Tol;

// The fused kernel softens in float and sums in double, the reference works in double
// throughout: abs 1e-6 + rel 1e-5 on the loss and on each gradient element.
constexpr Tol kTol{1e-6, 1e-5};

struct Shape {
  int64_t B, C;
};

std::vector<int64_t> labels(int64_t B, int64_t C) {
  std::vector<int64_t> y(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) y[static_cast<size_t>(b)] = (b * 7 + 3) % C;
  return y;
}

TEST(KernelDistill, KdLossMatchesReference) {
  for (const Shape s : {Shape{1, 2}, Shape{7, 10}, Shape{33, 100}, Shape{4, 1000}})
    for (float T : {1.f, 4.f})
      for (float alpha : {0.f, 0.3f, 1.f}) {
        SCOPED_TRACE("B=" + std::to_string(s.B) + " C=" + std::to_string(s.C) +
                     " T=" + std::to_string(T) + " alpha=" + std::to_string(alpha));
        const std::vector<float> student = normal(s.B * s.C, 1, 0.f, 3.f);
        const std::vector<float> teacher = normal(s.B * s.C, 2, 0.f, 3.f);
        const std::vector<int64_t> y = labels(s.B, s.C);
        const int64_t* yp = alpha < 1 ? y.data() : nullptr;
        const size_t n = static_cast<size_t>(s.B * s.C);
        std::vector<float> g_fast(n, -1.f), g_ref(n, -2.f);
        float l_fast = -1.f, l_ref = -2.f;
        cpu::kd_loss_forward(&l_fast, g_fast.data(), student.data(), teacher.data(), yp, s.B, s.C,
                             T, alpha);
        ref::kd_loss_forward(&l_ref, g_ref.data(), student.data(), teacher.data(), yp, s.B, s.C,
                             T, alpha);
        EXPECT_TRUE(std::isfinite(l_fast)) << "loss " << l_fast;
        EXPECT_TRUE(all_close(&l_fast, &l_ref, 1, kTol)) << "loss";
        EXPECT_TRUE(all_finite(g_fast));
        EXPECT_TRUE(all_close(g_fast, g_ref, kTol)) << "gradient";
      }
}

TEST(KernelDistill, AlphaZeroIsCrossEntropy) {
  // alpha = 0 leaves the hard term alone: the cross-entropy kernel's loss, and its gradient
  // (probs - onehot) / B.
  const int64_t B = 5, C = 6;
  const std::vector<float> student = normal(B * C, 3), teacher = normal(B * C, 4);
  const std::vector<int64_t> y = labels(B, C);
  const size_t n = static_cast<size_t>(B * C);
  for (auto kd : {&cpu::kd_loss_forward, &ref::kd_loss_forward}) {
    std::vector<float> g(n), probs(n), d(n);
    float kd_value = 0, ce_value = 0;
    int64_t first_bad = -1;
    kd(&kd_value, g.data(), student.data(), teacher.data(), y.data(), B, C, 2.f, 0.f);
    cpu::cross_entropy_forward(&ce_value, &first_bad, probs.data(), student.data(), y.data(), B,
                               C);
    cpu::cross_entropy_backward(d.data(), probs.data(), y.data(), nullptr,
                                1.f / static_cast<float>(B), B, C);
    EXPECT_EQ(first_bad, B);
    EXPECT_TRUE(all_close(&kd_value, &ce_value, 1, kTol));
    EXPECT_TRUE(all_close(g, d, kTol));
  }
}

TEST(KernelDistill, IdenticalLogitsHaveNoSoftLoss) {
  // student == teacher: KL is 0 and so is its gradient (alpha = 1 reads no labels).
  const int64_t B = 3, C = 8;
  const std::vector<float> x = normal(B * C, 5);
  for (auto kd : {&cpu::kd_loss_forward, &ref::kd_loss_forward}) {
    std::vector<float> g(static_cast<size_t>(B * C), -1.f);
    float loss = -1.f;
    kd(&loss, g.data(), x.data(), x.data(), nullptr, B, C, 4.f, 1.f);
    EXPECT_NEAR(loss, 0.f, 1e-6);
    EXPECT_TRUE(all_close(g, std::vector<float>(g.size(), 0.f), kTol));
  }
}

}  // namespace
