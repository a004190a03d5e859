// kernels::cpu convolution against kernels::ref (the direct convolution, summed in double) on odd
// sizes, strides, paddings, dilations and groups, forward and all three backwards. The cases cover
// both CPU paths: the direct one (stride-1 output rows that fill at least 3/4 of their SIMD
// vectors: OW = 13..16, 28) and im2col + GEMM (other strides and narrow rows), and the direct
// input gradient's conditions (stride 1, padding within the dilated kernel).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/cpu/conv.h"
#include "kernels/reference/conv.h"

namespace {

namespace cpu = joule::kernels::cpu;
namespace ref = joule::kernels::ref;
using joule::kernels::Conv2dDims;
using joule::kernels::test::all_close;
using joule::kernels::test::all_finite;
using joule::kernels::test::Tol;
using joule::kernels::test::uniform;

// Float sums of up to 400 products against double ones: abs 1e-4 + rel 1e-4.
constexpr Tol kTol{1e-4, 1e-4};

struct Case {
  const char* name;
  int64_t N, C, H, W, OC, KH, KW, SH, SW, PH, PW, DH, DW, G;
};

const std::vector<Case> kCases = {
    {"3x3 pad 1", 2, 3, 7, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    {"stride 2x1, pad 1x0, groups 2", 3, 4, 11, 10, 6, 3, 2, 2, 1, 1, 0, 1, 1, 2},
    {"dilation 2x3, stride 1x2, groups 3", 2, 6, 9, 13, 3, 3, 2, 1, 2, 2, 1, 2, 3, 3},
    {"1x1 stride 2", 3, 5, 6, 7, 7, 1, 1, 2, 2, 0, 0, 1, 1, 1},
    {"depthwise 3x3 stride 2", 2, 4, 9, 8, 4, 3, 3, 2, 2, 1, 1, 1, 1, 4},
    {"kernel larger than input", 2, 2, 3, 2, 3, 5, 4, 1, 1, 2, 2, 1, 1, 1},
    {"stride larger than kernel", 2, 3, 10, 11, 2, 2, 2, 3, 3, 0, 1, 1, 1, 1},
    {"example conv1 (1->16, 5x5, pad 2)", 5, 1, 28, 28, 16, 5, 5, 1, 1, 2, 2, 1, 1, 1},
    {"example conv2 (16->32, 5x5, pad 2)", 4, 16, 14, 14, 32, 5, 5, 1, 1, 2, 2, 1, 1, 1},
    {"many samples, small planes", 37, 3, 5, 6, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    {"rows of 13, stride 2x1, 5 channels", 3, 3, 11, 13, 5, 3, 3, 2, 1, 1, 1, 1, 1, 1},
    {"rows of 16, dilation 2, groups 2 of 20", 2, 4, 9, 16, 40, 3, 3, 1, 1, 2, 2, 2, 2, 2},
    {"rows of 15, 2x4 kernel, padding 0x3", 2, 2, 6, 12, 3, 2, 4, 1, 1, 0, 3, 1, 1, 1},
    {"rows of 14, padding beyond the kernel", 2, 3, 5, 10, 4, 3, 3, 1, 1, 3, 3, 1, 1, 1},
    {"rows of 14, 48 channels", 2, 2, 5, 14, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1},
};

template <class Dims>
Dims dims_of(const Case& c) {
  Dims d;
  d.N = c.N, d.C = c.C, d.H = c.H, d.W = c.W, d.OC = c.OC, d.KH = c.KH, d.KW = c.KW;
  d.SH = c.SH, d.SW = c.SW, d.PH = c.PH, d.PW = c.PW, d.DH = c.DH, d.DW = c.DW, d.G = c.G;
  d.OH = (c.H + 2 * c.PH - c.DH * (c.KH - 1) - 1) / c.SH + 1;
  d.OW = (c.W + 2 * c.PW - c.DW * (c.KW - 1) - 1) / c.SW + 1;
  return d;
}

size_t sz(int64_t n) { return static_cast<size_t>(n); }
const float kNaN = std::numeric_limits<float>::quiet_NaN();

struct Data {
  std::vector<float> x, w, bias, dy;
};

Data data_for(const Conv2dDims& d, uint32_t seed) {
  return {uniform(d.N * d.C * d.H * d.W, seed), uniform(d.OC * (d.C / d.G) * d.KH * d.KW, seed + 1),
          uniform(d.OC, seed + 2), uniform(d.N * d.OC * d.OH * d.OW, seed + 3)};
}

TEST(KernelConv, ForwardMatchesDirectConvolution) {
  for (const Case& c : kCases)
    for (bool with_bias : {true, false}) {
      SCOPED_TRACE(std::string(c.name) + (with_bias ? " with bias" : " no bias"));
      const auto d = dims_of<Conv2dDims>(c);
      const auto rd = dims_of<Conv2dDims>(c);
      ASSERT_GE(d.OH, 1);
      ASSERT_GE(d.OW, 1);
      const Data in = data_for(d, 10);
      const float* b = with_bias ? in.bias.data() : nullptr;
      std::vector<float> fast(sz(d.N * d.OC * d.OH * d.OW), kNaN), want(fast.size());
      cpu::conv2d_forward(fast.data(), in.x.data(), in.w.data(), b, d);
      ref::conv2d_forward(want.data(), in.x.data(), in.w.data(), b, rd);
      EXPECT_TRUE(all_close(fast, want, kTol));
      EXPECT_TRUE(all_finite(fast));
    }
}

TEST(KernelConv, BackwardInputMatchesReference) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const auto d = dims_of<Conv2dDims>(c);
    const Data in = data_for(d, 20);
    std::vector<float> fast(sz(d.N * d.C * d.H * d.W), kNaN), want(fast.size());
    cpu::conv2d_backward_input(fast.data(), in.dy.data(), in.w.data(), d);
    ref::conv2d_backward_input(want.data(), in.dy.data(), in.w.data(), dims_of<Conv2dDims>(c));
    EXPECT_TRUE(all_close(fast, want, kTol));
    EXPECT_TRUE(all_finite(fast));
  }
}

TEST(KernelConv, BackwardWeightAndBiasMatchReference) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const auto d = dims_of<Conv2dDims>(c);
    const auto rd = dims_of<Conv2dDims>(c);
    const Data in = data_for(d, 30);
    std::vector<float> fast(sz(d.OC * (d.C / d.G) * d.KH * d.KW), kNaN), want(fast.size());
    cpu::conv2d_backward_weight(fast.data(), in.dy.data(), in.x.data(), d);
    ref::conv2d_backward_weight(want.data(), in.dy.data(), in.x.data(), rd);
    // a weight gradient sums N * OH * OW products (up to 3920 here)
    EXPECT_TRUE(all_close(fast, want, Tol{5e-4, 1e-4}));
    EXPECT_TRUE(all_finite(fast));

    std::vector<float> fast_b(sz(d.OC), kNaN), want_b(fast_b.size());
    cpu::conv2d_backward_bias(fast_b.data(), in.dy.data(), d);
    ref::conv2d_backward_bias(want_b.data(), in.dy.data(), rd);
    EXPECT_TRUE(all_close(fast_b, want_b, Tol{5e-4, 1e-4}));
  }
}

// The backward kernels are the adjoints of the forward: <conv(x), dy> = <x, dx(dy)> = <w, dw(dy)>.
TEST(KernelConv, BackwardIsTheAdjointOfForward) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const auto d = dims_of<Conv2dDims>(c);
    const Data in = data_for(d, 40);
    std::vector<float> y(in.dy.size()), dx(in.x.size()), dw(in.w.size());
    cpu::conv2d_forward(y.data(), in.x.data(), in.w.data(), nullptr, d);
    cpu::conv2d_backward_input(dx.data(), in.dy.data(), in.w.data(), d);
    cpu::conv2d_backward_weight(dw.data(), in.dy.data(), in.x.data(), d);
    auto dot = [](const std::vector<float>& a, const std::vector<float>& b) {
      double s = 0;
      for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
      return s;
    };
    const double ydy = dot(y, in.dy);
    EXPECT_NEAR(dot(in.x, dx), ydy, 1e-3 * (1 + std::abs(ydy)));
    EXPECT_NEAR(dot(in.w, dw), ydy, 1e-3 * (1 + std::abs(ydy)));
  }
}

TEST(KernelConv, HandComputedValues) {
  // x = 1..9 as 3x3, w = [[1, 0], [0, -1]] (no padding): y = x[i][j] - x[i+1][j+1] = -4 everywhere
  Conv2dDims d;
  d.N = 1, d.C = 1, d.H = 3, d.W = 3, d.OC = 1, d.KH = 2, d.KW = 2, d.OH = 2, d.OW = 2;
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w = {1, 0, 0, -1}, bias = {0.5f};
  std::vector<float> y(4);
  cpu::conv2d_forward(y.data(), x.data(), w.data(), bias.data(), d);
  EXPECT_TRUE(all_close(y, std::vector<float>{-3.5f, -3.5f, -3.5f, -3.5f}, Tol{0, 0}));
  // padding 1, stride 2: output (oh, ow) reads x[2oh-1][2ow-1] * 1 + x[2oh][2ow] * -1, where a
  // negative index is padding (0)
  d.PH = d.PW = 1, d.SH = d.SW = 2, d.OH = d.OW = 2;
  cpu::conv2d_forward(y.data(), x.data(), w.data(), nullptr, d);
  EXPECT_TRUE(all_close(y, std::vector<float>{-1.f, -3.f, -7.f, 5.f - 9.f}, Tol{0, 0}));
}

}  // namespace
