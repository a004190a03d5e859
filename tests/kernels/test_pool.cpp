// kernels::cpu pooling (max and average, forward and backward) against kernels::ref on odd sizes,
// windows, strides and paddings, plus ties and NaN for max pooling.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/cpu/pool.h"
#include "kernels/reference/pool.h"

namespace {

namespace cpu = joule::kernels::cpu;
namespace ref = joule::kernels::ref;
using joule::kernels::Pool2dDims;
using joule::kernels::test::all_close;
using joule::kernels::test::Tol;
using joule::kernels::test::uniform;

struct Case {
  const char* name;
  int64_t N, C, H, W, KH, KW, SH, SW, PH, PW;
};

const std::vector<Case> kCases = {
    {"2x2 stride 2, odd sizes", 2, 3, 7, 9, 2, 2, 2, 2, 0, 0},
    {"3x3 stride 2 pad 1", 3, 2, 11, 10, 3, 3, 2, 2, 1, 1},
    {"3x2 stride 1x2 pad 1x0", 2, 2, 8, 9, 3, 2, 1, 2, 1, 0},
    {"2x2 stride 1 (overlapping)", 1, 4, 5, 6, 2, 2, 1, 1, 0, 0},
    {"window = plane", 2, 3, 5, 4, 5, 4, 5, 4, 0, 0},
    {"example pool (64 planes of 28x28, crosses kParallelMin)", 4, 16, 28, 28, 2, 2, 2, 2, 0, 0},
};

template <class Dims>
Dims dims_of(const Case& c) {
  Dims d;
  d.N = c.N, d.C = c.C, d.H = c.H, d.W = c.W, d.KH = c.KH, d.KW = c.KW;
  d.SH = c.SH, d.SW = c.SW, d.PH = c.PH, d.PW = c.PW;
  d.OH = (c.H + 2 * c.PH - c.KH) / c.SH + 1;
  d.OW = (c.W + 2 * c.PW - c.KW) / c.SW + 1;
  return d;
}

size_t sz(int64_t n) { return static_cast<size_t>(n); }
const float kNaN = std::numeric_limits<float>::quiet_NaN();

TEST(KernelPool, MaxForwardAndBackwardMatchReference) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const auto d = dims_of<Pool2dDims>(c);
    const auto rd = dims_of<Pool2dDims>(c);
    const std::vector<float> x = uniform(d.N * d.C * d.H * d.W, 1);  // no ties
    const int64_t out = d.N * d.C * d.OH * d.OW;
    std::vector<float> y(sz(out), kNaN), y_ref(sz(out));
    std::vector<int64_t> idx(sz(out), -1), idx_ref(sz(out));
    cpu::max_pool2d_forward(y.data(), idx.data(), x.data(), d);
    ref::max_pool2d_forward(y_ref.data(), idx_ref.data(), x.data(), rd);
    EXPECT_TRUE(all_close(y, y_ref, Tol{0, 0}));
    EXPECT_EQ(idx, idx_ref);

    const std::vector<float> dy = uniform(out, 2);
    std::vector<float> dx(x.size(), kNaN), dx_ref(x.size());
    cpu::max_pool2d_backward(dx.data(), dy.data(), idx.data(), d);
    ref::max_pool2d_backward(dx_ref.data(), dy.data(), idx_ref.data(), rd);
    EXPECT_TRUE(all_close(dx, dx_ref, Tol{1e-6, 1e-6}));
  }
}

TEST(KernelPool, AvgForwardAndBackwardMatchReference) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const auto d = dims_of<Pool2dDims>(c);
    const auto rd = dims_of<Pool2dDims>(c);
    const std::vector<float> x = uniform(d.N * d.C * d.H * d.W, 3);
    const int64_t out = d.N * d.C * d.OH * d.OW;
    std::vector<float> y(sz(out), kNaN), y_ref(sz(out));
    cpu::avg_pool2d_forward(y.data(), x.data(), d);
    ref::avg_pool2d_forward(y_ref.data(), x.data(), rd);
    EXPECT_TRUE(all_close(y, y_ref, Tol{1e-6, 1e-5}));

    const std::vector<float> dy = uniform(out, 4);
    std::vector<float> dx(x.size(), kNaN), dx_ref(x.size());
    cpu::avg_pool2d_backward(dx.data(), dy.data(), d);
    ref::avg_pool2d_backward(dx_ref.data(), dy.data(), rd);
    EXPECT_TRUE(all_close(dx, dx_ref, Tol{1e-6, 1e-5}));
  }
}

TEST(KernelPool, MaxTiesPickTheFirstAndNaNPropagates) {
  Pool2dDims d;
  d.N = 1, d.C = 1, d.H = 2, d.W = 4, d.KH = 2, d.KW = 2, d.SH = 2, d.SW = 2, d.OH = 1, d.OW = 2;
  // window 0: all 3s -> the first (0); window 1: a NaN at (1, 2) -> NaN, index 6
  const std::vector<float> x = {3, 3, 1, 2, 3, 3, kNaN, 5};
  std::vector<float> y(2);
  std::vector<int64_t> idx(2);
  cpu::max_pool2d_forward(y.data(), idx.data(), x.data(), d);
  EXPECT_EQ(y[0], 3.f);
  EXPECT_TRUE(std::isnan(y[1]));
  EXPECT_EQ(idx, (std::vector<int64_t>{0, 6}));
  Pool2dDims rd;
  rd.N = 1, rd.C = 1, rd.H = 2, rd.W = 4, rd.KH = 2, rd.KW = 2, rd.SH = 2, rd.SW = 2, rd.OH = 1,
  rd.OW = 2;
  std::vector<int64_t> idx_ref(2);
  ref::max_pool2d_forward(y.data(), idx_ref.data(), x.data(), rd);
  EXPECT_EQ(idx_ref, idx);
}

TEST(KernelPool, AvgCountsPaddingAsZeros) {
  // a 2x2 plane of ones, 3x3 windows, padding 1, stride 1: each window holds 4 ones of 9
  Pool2dDims d;
  d.N = 1, d.C = 1, d.H = 2, d.W = 2, d.KH = 3, d.KW = 3, d.PH = 1, d.PW = 1, d.OH = 2, d.OW = 2;
  const std::vector<float> x(4, 1.f);
  std::vector<float> y(4);
  cpu::avg_pool2d_forward(y.data(), x.data(), d);
  EXPECT_TRUE(all_close(y, std::vector<float>(4, 4.f / 9.f), Tol{1e-7, 0}));
}

}  // namespace
