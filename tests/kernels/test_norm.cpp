// kernels::cpu batch normalization against kernels::ref (double): statistics, forward, both
// backward modes and the running-statistics update, on (N, C, S) views that cross kParallelMin.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/cpu/norm.h"
#include "kernels/reference/norm.h"

namespace {

namespace cpu = joule::kernels::cpu;
namespace ref = joule::kernels::ref;
using joule::kernels::test::all_close;
using joule::kernels::test::normal;
using joule::kernels::test::Tol;
using joule::kernels::test::uniform;

struct Case {
  int64_t N, C, S;
};
// (N, C) inputs (S = 1), odd images, the example's second conv output, one long channel
const std::vector<Case> kCases = {
    {4, 3, 1}, {64, 128, 1}, {5, 7, 13}, {16, 32, 196}, {2, 1, 40001}};
constexpr double kEps = 1e-5;

size_t sz(int64_t n) { return static_cast<size_t>(n); }
const float kNaN = std::numeric_limits<float>::quiet_NaN();

std::string trace(const Case& c) {
  return "N=" + std::to_string(c.N) + " C=" + std::to_string(c.C) + " S=" + std::to_string(c.S);
}

TEST(KernelNorm, StatisticsMatchReference) {
  for (const Case& c : kCases)
    for (float offset : {0.f, 1000.f}) {  // a large mean must not cancel the variance away
      SCOPED_TRACE(trace(c) + " offset=" + std::to_string(offset));
      const std::vector<float> x = normal(c.N * c.C * c.S, 1, offset, 2.f);
      std::vector<float> mean(sz(c.C), kNaN), var(sz(c.C), kNaN), mean_ref(sz(c.C)),
          var_ref(sz(c.C));
      cpu::batch_norm_stats(mean.data(), var.data(), x.data(), c.N, c.C, c.S);
      ref::batch_norm_stats(mean_ref.data(), var_ref.data(), x.data(), c.N, c.C, c.S);
      EXPECT_TRUE(all_close(mean, mean_ref, Tol{1e-5, 1e-6}));
      EXPECT_TRUE(all_close(var, var_ref, Tol{1e-5, 1e-5}));
    }
}

TEST(KernelNorm, ForwardAndBackwardMatchReference) {
  for (const Case& c : kCases)
    for (bool affine : {true, false})
      for (bool batch_stats : {true, false}) {
        SCOPED_TRACE(trace(c) + (affine ? " affine" : "") + (batch_stats ? " batch" : " running"));
        const int64_t n = c.N * c.C * c.S;
        const std::vector<float> x = normal(n, 2, 0.5f, 1.5f), dy = uniform(n, 3);
        const std::vector<float> weight = uniform(c.C, 4, 0.5f, 2.f), bias = uniform(c.C, 5);
        std::vector<float> mean(sz(c.C)), var(sz(c.C));
        if (batch_stats) {
          ref::batch_norm_stats(mean.data(), var.data(), x.data(), c.N, c.C, c.S);
        } else {
          mean = uniform(c.C, 6);
          var = uniform(c.C, 7, 0.5f, 3.f);
        }
        const float* w = affine ? weight.data() : nullptr;
        const float* b = affine ? bias.data() : nullptr;
        std::vector<float> y(sz(n), kNaN), y_ref(sz(n));
        cpu::batch_norm_forward(y.data(), x.data(), mean.data(), var.data(), w, b, kEps, c.N, c.C,
                                c.S);
        ref::batch_norm_forward(y_ref.data(), x.data(), mean.data(), var.data(), w, b, kEps, c.N,
                                c.C, c.S);
        EXPECT_TRUE(all_close(y, y_ref, Tol{1e-5, 1e-5}));

        std::vector<float> dx(sz(n), kNaN), dw(sz(c.C), kNaN), db(sz(c.C), kNaN);
        std::vector<float> dx_ref(sz(n)), dw_ref(sz(c.C)), db_ref(sz(c.C));
        cpu::batch_norm_backward(dx.data(), dw.data(), db.data(), dy.data(), x.data(), mean.data(),
                                 var.data(), w, kEps, batch_stats, c.N, c.C, c.S);
        ref::batch_norm_backward(dx_ref.data(), dw_ref.data(), db_ref.data(), dy.data(), x.data(),
                                 mean.data(), var.data(), w, kEps, batch_stats, c.N, c.C, c.S);
        EXPECT_TRUE(all_close(dx, dx_ref, Tol{1e-5, 1e-4}));
        EXPECT_TRUE(all_close(dw, dw_ref, Tol{1e-3, 1e-5}));  // sums of up to 40001 terms
        EXPECT_TRUE(all_close(db, db_ref, Tol{1e-3, 1e-5}));

        // outputs not wanted are null and left alone
        std::vector<float> only_dw(sz(c.C), kNaN);
        cpu::batch_norm_backward(nullptr, only_dw.data(), nullptr, dy.data(), x.data(),
                                 mean.data(), var.data(), w, kEps, batch_stats, c.N, c.C, c.S);
        EXPECT_TRUE(all_close(only_dw, dw, Tol{0, 0}));
      }
}

TEST(KernelNorm, RunningUpdateUsesUnbiasedVarianceAndMomentum) {
  std::vector<float> rm = {0.f, 1.f}, rv = {1.f, 2.f};
  const std::vector<float> mean = {2.f, -1.f}, var = {3.f, 0.5f};
  // count 4: unbiased = var * 4 / 3
  cpu::batch_norm_update_running(rm.data(), rv.data(), mean.data(), var.data(), 0.1, 4, 2);
  EXPECT_TRUE(all_close(rm, std::vector<float>{0.2f, 0.8f}, Tol{1e-7, 1e-6}));
  EXPECT_TRUE(all_close(rv, std::vector<float>{0.9f + 0.4f, 1.8f + 0.1f * 0.5f * 4.f / 3.f},
                        Tol{1e-7, 1e-6}));
  std::vector<float> rm2 = {0.f, 1.f}, rv2 = {1.f, 2.f};
  ref::batch_norm_update_running(rm2.data(), rv2.data(), mean.data(), var.data(), 0.1, 4, 2);
  EXPECT_TRUE(all_close(rm2, rm, Tol{1e-7, 1e-6}));
  EXPECT_TRUE(all_close(rv2, rv, Tol{1e-7, 1e-6}));
}

}  // namespace
