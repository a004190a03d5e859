// kernels::cpu quantized kernels against kernels::ref, byte for byte: quantize, dequantize,
// transposes, the int8 GEMM (VNNI and portable paths, uint8 and float outputs, bias and ReLU fused)
// and the convolution on odd sizes and on both sides of kQuantParallelMin, alone and followed by
// max pooling in one pass, max pooling and ReLU on uint8.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/cpu/quant.h"
#include "kernels/reference/quant.h"

namespace {

namespace cpu = joule::kernels::cpu;
namespace ref = joule::kernels::ref;
using joule::kernels::Conv2dDims;
using joule::kernels::Pool2dDims;
using joule::kernels::Requant;
using joule::kernels::test::kSizes;
using joule::kernels::test::uniform;

template <class T>
std::vector<T> random_ints(int64_t n, uint32_t seed, int lo, int hi) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<T> v(static_cast<size_t>(n));
  for (T& x : v) x = static_cast<T>(dist(gen));
  return v;
}

// Names the first element that differs (bytes of floats compared, so -0 differs from 0).
template <class T>
::testing::AssertionResult same_bytes(const std::vector<T>& got, const std::vector<T>& want) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << "sizes differ: " << got.size() << " vs " << want.size();
  for (size_t i = 0; i < got.size(); ++i)
    if (std::memcmp(&got[i], &want[i], sizeof(T)) != 0) {
      std::ostringstream m;
      m << "element " << i << " of " << got.size() << ": got " << +got[i] << ", want " << +want[i];
      return ::testing::AssertionFailure() << m.str();
    }
  return ::testing::AssertionSuccess();
}

TEST(QuantKernels, QuantizeAndDequantizeMatchReference) {
  for (int64_t n : kSizes) {
    std::vector<float> x = uniform(n, 11 + static_cast<uint32_t>(n), -3.f, 3.f);
    if (n > 7) {  // out of range both ways, non-finite, and exact ties (x * inv_scale = k + 0.5)
      x[0] = 1e9f, x[1] = -1e9f, x[2] = std::numeric_limits<float>::quiet_NaN();
      x[3] = std::numeric_limits<float>::infinity(), x[4] = 0.125f, x[5] = -0.375f;
    }
    std::vector<uint8_t> got(x.size()), want(x.size());
    cpu::quantize_u8(got.data(), x.data(), n, 4.f, 37);  // scale 0.25
    ref::quantize_u8(want.data(), x.data(), n, 4.f, 37);
    ASSERT_TRUE(same_bytes(got, want)) << "quantize n=" << n;
    std::vector<float> back(x.size()), back_ref(x.size());
    cpu::dequantize_u8(back.data(), got.data(), n, 0.25f, 37);
    ref::dequantize_u8(back_ref.data(), want.data(), n, 0.25f, 37);
    ASSERT_TRUE(same_bytes(back, back_ref)) << "dequantize n=" << n;
    for (int64_t i = 6; i < n; ++i)  // in range: within half a step of the input
      ASSERT_LE(std::abs(back[i] - x[i]), 0.125f + 1e-6f) << i;
  }
}

TEST(QuantKernels, QuantizeRoundsHalfToEven) {
  const std::vector<float> x = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f};
  std::vector<uint8_t> q(x.size());
  cpu::quantize_u8(q.data(), x.data(), 5, 1.f, 10);
  EXPECT_EQ(q, (std::vector<uint8_t>{10, 12, 12, 10, 8}));
}

TEST(QuantKernels, MinMaxSkipsNonFinite) {
  std::vector<float> x = uniform(1001, 5, -2.f, 7.f);
  x[10] = std::numeric_limits<float>::infinity();
  x[11] = std::numeric_limits<float>::quiet_NaN();
  float lo, hi, rlo, rhi;
  cpu::min_max_f32(&lo, &hi, x.data(), 1001);
  ref::min_max_f32(&rlo, &rhi, x.data(), 1001);
  EXPECT_EQ(lo, rlo);
  EXPECT_EQ(hi, rhi);
  EXPECT_LT(hi, 7.f);
  EXPECT_GE(lo, -2.f);
}

TEST(QuantKernels, TransposeMatchesReference) {
  for (auto [B, R, C] : {std::tuple<int64_t, int64_t, int64_t>{1, 1, 1}, {3, 49, 33},
                         {2, 17, 1}, {64, 196, 16}}) {
    const auto x = random_ints<uint8_t>(B * R * C, 3, 0, 255);
    std::vector<uint8_t> got(x.size()), want(x.size());
    cpu::transpose_u8(got.data(), x.data(), B, R, C);
    ref::transpose_u8(want.data(), x.data(), B, R, C);
    ASSERT_TRUE(same_bytes(got, want)) << B << "x" << R << "x" << C;
  }
}

struct GemmCase {
  int64_t M, N, K;
};

// Sizes with K % 4 = 0..3, N off the 16-column blocks and M off the 4-row tiles; 64x129x127 is
// just below kQuantParallelMin (M * N * K = 2^20) and the last two above it.
const std::vector<GemmCase> kGemmCases = {
    {1, 1, 1}, {1, 10, 784}, {3, 17, 5}, {5, 33, 6}, {7, 16, 7}, {13, 65, 130},
    {4, 128, 256}, {255, 10, 128}, {64, 129, 127}, {67, 131, 129}, {257, 256, 784}};

struct RequantData {
  std::vector<float> multiplier, bias;
  int32_t zp = 0;
};

RequantData requant_data(int64_t N, int64_t K, uint32_t seed, bool f32_out) {
  RequantData d;
  // about 1 / (64 sqrt(K)) for uint8 outputs, so that the outputs spread over the uint8 range;
  // every third column a power of two, whose products land exactly on ties
  const float base = f32_out ? 0.01f : 1.f / (64.f * std::sqrt(static_cast<float>(K)));
  d.multiplier = uniform(N, seed, 0.5f * base, 1.5f * base);
  for (int64_t n = 0; n < N; n += 3) d.multiplier[n] = 0.0625f;
  d.bias = uniform(N, seed + 1, -40.f, 40.f);
  d.zp = static_cast<int32_t>(seed % 200) + 20;
  return d;
}

TEST(QuantKernels, GemmMatchesReferenceOnBothPaths) {
  uint32_t seed = 1;
  for (const GemmCase& c : kGemmCases)
    for (bool vnni : {true, false}) {
      if (vnni && !cpu::has_vnni()) continue;
      for (bool relu : {false, true})
        for (bool bias : {false, true}) {
          ++seed;
          const auto x = random_ints<uint8_t>(c.M * c.K, seed, 0, 255);
          const auto w = random_ints<int8_t>(c.N * c.K, seed + 7, -128, 127);
          const int32_t x_zp = static_cast<int32_t>(seed % 256);
          cpu::PackedQWeight p = cpu::pack_qweight(w.data(), c.N, c.K);
          p.vnni = vnni;
          std::ostringstream what;
          what << "M=" << c.M << " N=" << c.N << " K=" << c.K << " vnni=" << vnni
               << " relu=" << relu << " bias=" << bias;

          RequantData q = requant_data(c.N, c.K, seed, false);
          Requant rr{q.multiplier.data(), bias ? q.bias.data() : nullptr, q.zp, relu};
          Requant rc = rr;
          std::vector<uint8_t> got(static_cast<size_t>(c.M * c.N)), want(got.size());
          cpu::qgemm_packed_u8(got.data(), c.N, x.data(), c.K, x_zp, p, c.M, rc);
          ref::qgemm_u8(want.data(), x.data(), x_zp, w.data(), c.M, c.N, c.K, rr);
          ASSERT_TRUE(same_bytes(got, want)) << what.str();

          RequantData qf = requant_data(c.N, c.K, seed, true);
          rr = {qf.multiplier.data(), bias ? qf.bias.data() : nullptr, 0, relu};
          rc = {rr.multiplier, rr.bias, 0, rr.relu};
          std::vector<float> gotf(got.size()), wantf(got.size());
          cpu::qgemm_packed_f32(gotf.data(), c.N, x.data(), c.K, x_zp, p, c.M, rc);
          ref::qgemm_f32(wantf.data(), x.data(), x_zp, w.data(), c.M, c.N, c.K, rr);
          ASSERT_TRUE(same_bytes(gotf, wantf)) << what.str() << " (float outputs)";
        }
    }
}

TEST(QuantKernels, GemmPlainWeightsAndStridedRows) {
  // the unpacked entry point, and packed calls on rows with a stride wider than K
  const int64_t M = 9, N = 21, K = 23, ld = 31;
  const auto x = random_ints<uint8_t>(M * ld, 4, 0, 255);
  const auto w = random_ints<int8_t>(N * K, 5, -128, 127);
  RequantData q = requant_data(N, K, 6, false);
  const Requant rc{q.multiplier.data(), q.bias.data(), q.zp, true}, rr = rc;
  std::vector<uint8_t> dense(static_cast<size_t>(M * K));
  for (int64_t m = 0; m < M; ++m)
    std::memcpy(dense.data() + m * K, x.data() + m * ld, static_cast<size_t>(K));
  std::vector<uint8_t> want(static_cast<size_t>(M * N)), got(want.size());
  ref::qgemm_u8(want.data(), dense.data(), 3, w.data(), M, N, K, rr);
  cpu::qgemm_u8(got.data(), dense.data(), 3, w.data(), M, N, K, rc);
  ASSERT_TRUE(same_bytes(got, want));
  std::vector<uint8_t> strided(static_cast<size_t>(M * 40), 0);
  const cpu::PackedQWeight p = cpu::pack_qweight(w.data(), N, K);
  cpu::qgemm_packed_u8(strided.data(), 40, x.data(), ld, 3, p, M, rc);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n)
      ASSERT_EQ(strided[m * 40 + n], want[m * N + n]) << m << "," << n;
}

struct ConvCase {
  const char* name;
  int64_t N, C, H, W, OC, KH, KW, SH, SW, PH, PW, DH, DW;
};

const std::vector<ConvCase> kConvCases = {
    {"1x1 pointwise, C % 4 == 0", 2, 8, 5, 7, 9, 1, 1, 1, 1, 0, 0, 1, 1},
    {"1x1, C odd", 2, 3, 5, 7, 5, 1, 1, 1, 1, 0, 0, 1, 1},
    {"3x3 pad 1 odd sizes", 3, 5, 9, 11, 17, 3, 3, 1, 1, 1, 1, 1, 1},
    {"5x3 stride 2x1 pad 2x1", 2, 2, 13, 8, 7, 5, 3, 2, 1, 2, 1, 1, 1},
    {"3x3 dilation 2 pad 2", 1, 4, 10, 9, 6, 3, 3, 1, 1, 2, 2, 2, 2},
    {"3x2 stride 1x2 dilation 2x1 pad 1x0", 2, 7, 9, 10, 20, 3, 2, 1, 2, 1, 0, 2, 1},
    {"2x2 C = 4, 65 channels out", 2, 4, 6, 5, 65, 2, 2, 1, 1, 0, 0, 1, 1},
    {"example conv1 (5x5 pad 2, C = 1), batch 1", 1, 1, 28, 28, 16, 5, 5, 1, 1, 2, 2, 1, 1},
    {"example conv2 (5x5 pad 2, C = 16), batch 3 (by image)", 3, 16, 14, 14, 32, 5, 5, 1, 1, 2, 2,
     1, 1},
    // N * OH * OW * OC * K: 7.5e6 (threads take images) and 2.5e6 (threads take rows), above
    // kQuantParallelMin; the cases before them are below
    {"example conv2, batch 1 (rows shared)", 1, 16, 14, 14, 32, 5, 5, 1, 1, 2, 2, 1, 1},
    // 899 pixels x 16 columns x K 80 = 1.15e6: threads share the pixels in 8-pixel tiles (one
    // block of 16 columns), the last tile 3 pixels
    {"5x5 pad 2, C = 3, batch 1 (pixels shared)", 1, 3, 31, 29, 16, 5, 5, 1, 1, 2, 2, 1, 1},
};

Conv2dDims conv_dims(const ConvCase& c) {
  Conv2dDims d;
  d.N = c.N, d.C = c.C, d.H = c.H, d.W = c.W, d.OC = c.OC, d.KH = c.KH, d.KW = c.KW;
  d.SH = c.SH, d.SW = c.SW, d.PH = c.PH, d.PW = c.PW, d.DH = c.DH, d.DW = c.DW;
  d.OH = (d.H + 2 * d.PH - d.DH * (d.KH - 1) - 1) / d.SH + 1;
  d.OW = (d.W + 2 * d.PW - d.DW * (d.KW - 1) - 1) / d.SW + 1;
  return d;
}

TEST(QuantKernels, ConvMatchesReference) {
  uint32_t seed = 100;
  for (const ConvCase& c : kConvCases)
    for (bool vnni : {true, false}) {
      if (vnni && !cpu::has_vnni()) continue;
      ++seed;
      const Conv2dDims d = conv_dims(c);
      const int64_t K = d.KH * d.KW * d.C;
      const auto x = random_ints<uint8_t>(d.N * d.H * d.W * d.C, seed, 0, 255);
      const auto w = random_ints<int8_t>(d.OC * K, seed + 1, -128, 127);
      RequantData q = requant_data(d.OC, K, seed, false);
      const int32_t x_zp = 77;
      cpu::PackedQWeight p = cpu::pack_qconv_weight(w.data(), d);
      p.vnni = vnni;
      for (bool relu : {false, true}) {
        const Requant rc{q.multiplier.data(), q.bias.data(), q.zp, relu}, rr = rc;
        std::vector<uint8_t> got(static_cast<size_t>(d.N * d.OH * d.OW * d.OC)), want(got.size());
        cpu::qconv2d_packed_u8(got.data(), x.data(), x_zp, p, d, rc);
        ref::qconv2d_u8(want.data(), x.data(), x_zp, w.data(), d, rr);
        ASSERT_TRUE(same_bytes(got, want)) << c.name << " vnni=" << vnni << " relu=" << relu;
        if (!vnni) continue;
        cpu::qconv2d_u8(got.data(), x.data(), x_zp, w.data(), d, rc);
        ASSERT_TRUE(same_bytes(got, want)) << c.name << " (unpacked entry point)";
      }
    }
}

// The convolution with the max pooling after it in one pass: 2 x 2 stride 2 (the fast pooling
// path) and 3 x 3 stride 2 pad 1 (the general one) over every convolution case, so on both sides
// of kQuantParallelMin and with threads taking images or rows.
TEST(QuantKernels, ConvPoolMatchesReference) {
  struct Window { int64_t K, S, P; };
  uint32_t seed = 300;
  for (const ConvCase& c : kConvCases)
    for (const Window& win : {Window{2, 2, 0}, Window{3, 2, 1}})
      for (bool vnni : {true, false}) {
        if (vnni && !cpu::has_vnni()) continue;
        ++seed;
        const Conv2dDims d = conv_dims(c);
        Pool2dDims p;
        p.N = d.N, p.C = d.OC, p.H = d.OH, p.W = d.OW, p.KH = p.KW = win.K;
        p.SH = p.SW = win.S, p.PH = p.PW = win.P;
        p.OH = (p.H + 2 * p.PH - p.KH) / p.SH + 1;
        p.OW = (p.W + 2 * p.PW - p.KW) / p.SW + 1;
        const int64_t K = d.KH * d.KW * d.C;
        const auto x = random_ints<uint8_t>(d.N * d.H * d.W * d.C, seed, 0, 255);
        const auto w = random_ints<int8_t>(d.OC * K, seed + 1, -128, 127);
        RequantData q = requant_data(d.OC, K, seed, false);
        const Requant r{q.multiplier.data(), q.bias.data(), q.zp, true};
        cpu::PackedQWeight packed = cpu::pack_qconv_weight(w.data(), d);
        packed.vnni = vnni;
        std::vector<uint8_t> conv(static_cast<size_t>(d.N * d.OH * d.OW * d.OC));
        std::vector<uint8_t> want(static_cast<size_t>(p.N * p.OH * p.OW * p.C));
        ref::qconv2d_u8(conv.data(), x.data(), 5, w.data(), d, r);
        ref::max_pool2d_u8(want.data(), conv.data(), p);
        std::vector<uint8_t> got(want.size()), got_ref(want.size());
        ref::qconv2d_pool_u8(got_ref.data(), x.data(), 5, w.data(), d, r, p);
        ASSERT_TRUE(same_bytes(got_ref, want)) << c.name << " window " << win.K << " (reference)";
        cpu::qconv2d_pool_packed_u8(got.data(), x.data(), 5, packed, d, r, p);
        ASSERT_TRUE(same_bytes(got, want)) << c.name << " window " << win.K << " vnni=" << vnni;
        if (!vnni) continue;
        cpu::qconv2d_pool_u8(got.data(), x.data(), 5, w.data(), d, r, p);
        ASSERT_TRUE(same_bytes(got, want)) << c.name << " (unpacked entry point)";
      }
}

TEST(QuantKernels, MaxPoolAndReluMatchReference) {
  struct P { int64_t N, C, H, W, KH, KW, SH, SW, PH, PW; };
  for (const P& c : {P{2, 3, 7, 9, 2, 2, 2, 2, 0, 0}, P{3, 5, 11, 10, 3, 3, 2, 2, 1, 1},
                     P{1, 16, 28, 28, 2, 2, 2, 2, 0, 0}, P{64, 32, 14, 14, 2, 2, 2, 2, 0, 0},
                     P{2, 1, 5, 4, 5, 4, 5, 4, 0, 0},
                     // 2 x 2 stride 2 (the fast path): channels in 16-byte steps and a tail, odd
                     // H and W, below and above kParallelMin (8415 and 148200 inputs)
                     P{5, 17, 9, 11, 2, 2, 2, 2, 0, 0}, P{40, 19, 13, 15, 2, 2, 2, 2, 0, 0},
                     P{3, 7, 8, 6, 2, 2, 2, 2, 0, 0}}) {
    Pool2dDims d;
    d.N = c.N, d.C = c.C, d.H = c.H, d.W = c.W, d.KH = c.KH, d.KW = c.KW;
    d.SH = c.SH, d.SW = c.SW, d.PH = c.PH, d.PW = c.PW;
    d.OH = (d.H + 2 * d.PH - d.KH) / d.SH + 1;
    d.OW = (d.W + 2 * d.PW - d.KW) / d.SW + 1;
    const auto x = random_ints<uint8_t>(d.N * d.H * d.W * d.C, 9, 0, 255);
    std::vector<uint8_t> got(static_cast<size_t>(d.N * d.OH * d.OW * d.C)), want(got.size());
    cpu::max_pool2d_u8(got.data(), x.data(), d);
    ref::max_pool2d_u8(want.data(), x.data(), d);
    ASSERT_TRUE(same_bytes(got, want)) << c.N << "x" << c.C << "x" << c.H << "x" << c.W;
  }
  for (int64_t n : kSizes) {
    const auto x = random_ints<uint8_t>(n, 12, 0, 255);
    std::vector<uint8_t> got(x.size()), want(x.size());
    cpu::relu_u8(got.data(), x.data(), n, 128);
    ref::relu_u8(want.data(), x.data(), n, 128);
    ASSERT_TRUE(same_bytes(got, want)) << n;
  }
}

}  // namespace
