// kernels::cpu elementwise kernels against kernels::ref on odd sizes, serial and OpenMP paths.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/reference/elementwise.h"

namespace {

namespace cpu = joule::kernels::cpu;
namespace ref = joule::kernels::ref;
using joule::kernels::test::all_close;
using joule::kernels::test::away_from_zero;
using joule::kernels::test::kSizes;
using joule::kernels::test::Tol;
using joule::kernels::test::uniform;

// One correctly rounded float operation per element: rel 1e-5 is loose, they should agree.
constexpr Tol kArith{0, 1e-5};
// a * s + t and y + alpha * x may be fused into an FMA on one side only; the rounding of the
// product then differs by up to an ulp of an O(1) operand: abs 1e-6 + rel 1e-5.
constexpr Tol kFused{1e-6, 1e-5};
// Transcendental functions (exp, log): abs 1e-6 + rel 1e-5.
constexpr Tol kTranscendental{1e-6, 1e-5};

using Binary = void (*)(float*, const float*, const float*, int64_t);
using RowOp = void (*)(float*, const float*, const float*, int64_t, int64_t);

struct BinaryCase {
  const char* name;
  Binary fast, naive;
};
struct RowCase {
  const char* name;
  RowOp fast, naive;
};

struct MN {
  int64_t M, N;
};
// M * N crosses kParallelMin (32768) for the last three.
const std::vector<MN> kRowShapes = {{1, 1}, {3, 7}, {33, 17}, {257, 129}, {1, 70003}, {40001, 1}};

TEST(KernelElementwise, BinaryOpsMatchReference) {
  const std::vector<BinaryCase> ops = {
      {"add", cpu::add, ref::add}, {"sub", cpu::sub, ref::sub},
      {"mul", cpu::mul, ref::mul}, {"div", cpu::div, ref::div}};
  for (const BinaryCase& op : ops)
    for (int64_t n : kSizes) {
      SCOPED_TRACE(std::string(op.name) + " n=" + std::to_string(n));
      const std::vector<float> a = uniform(n, 1, -2.f, 2.f);
      const std::vector<float> b = away_from_zero(n, 2);  // divisors bounded away from 0
      std::vector<float> y_fast(static_cast<size_t>(n), -1.f), y_ref(static_cast<size_t>(n));
      op.fast(y_fast.data(), a.data(), b.data(), n);
      op.naive(y_ref.data(), a.data(), b.data(), n);
      EXPECT_TRUE(all_close(y_fast, y_ref, kArith));
    }
}

TEST(KernelElementwise, AddIsSafeInPlace) {
  // elementwise.inc: y may alias a or b.
  for (int64_t n : kSizes) {
    SCOPED_TRACE("n=" + std::to_string(n));
    const std::vector<float> a = uniform(n, 3), b = uniform(n, 4);
    std::vector<float> want(static_cast<size_t>(n));
    ref::add(want.data(), a.data(), b.data(), n);

    std::vector<float> y = a;  // y aliases a
    cpu::add(y.data(), y.data(), b.data(), n);
    EXPECT_TRUE(all_close(y, want, kArith)) << "y aliases a";

    y = b;  // y aliases b
    cpu::add(y.data(), a.data(), y.data(), n);
    EXPECT_TRUE(all_close(y, want, kArith)) << "y aliases b";

    y = a;  // y, a and b all the same buffer: y = 2a
    std::vector<float> twice(static_cast<size_t>(n));
    ref::add(twice.data(), a.data(), a.data(), n);
    cpu::add(y.data(), y.data(), y.data(), n);
    EXPECT_TRUE(all_close(y, twice, kArith)) << "y aliases a and b";
  }
}

TEST(KernelElementwise, RowBroadcastOpsMatchReference) {
  const std::vector<RowCase> ops = {{"add_row", cpu::add_row, ref::add_row},
                                    {"sub_row", cpu::sub_row, ref::sub_row},
                                    {"mul_row", cpu::mul_row, ref::mul_row},
                                    {"div_row", cpu::div_row, ref::div_row}};
  for (const RowCase& op : ops)
    for (const MN& s : kRowShapes) {
      SCOPED_TRACE(std::string(op.name) + " M=" + std::to_string(s.M) +
                   " N=" + std::to_string(s.N));
      const std::vector<float> a = uniform(s.M * s.N, 5, -2.f, 2.f);
      const std::vector<float> row = away_from_zero(s.N, 6);
      std::vector<float> y_fast(static_cast<size_t>(s.M * s.N), -1.f);
      std::vector<float> y_ref(static_cast<size_t>(s.M * s.N));
      op.fast(y_fast.data(), a.data(), row.data(), s.M, s.N);
      op.naive(y_ref.data(), a.data(), row.data(), s.M, s.N);
      EXPECT_TRUE(all_close(y_fast, y_ref, kArith));
    }
}

TEST(KernelElementwise, AffineAndAxpyMatchReference) {
  for (int64_t n : kSizes) {
    SCOPED_TRACE("n=" + std::to_string(n));
    const std::vector<float> a = uniform(n, 7, -2.f, 2.f);
    std::vector<float> y_fast(static_cast<size_t>(n)), y_ref(static_cast<size_t>(n));
    cpu::affine(y_fast.data(), a.data(), -1.75f, 0.3f, n);
    ref::affine(y_ref.data(), a.data(), -1.75f, 0.3f, n);
    EXPECT_TRUE(all_close(y_fast, y_ref, kFused)) << "affine";

    const std::vector<float> x = uniform(n, 8), y0 = uniform(n, 9);
    y_fast = y0;
    y_ref = y0;
    cpu::axpy(y_fast.data(), x.data(), -0.6f, n);
    ref::axpy(y_ref.data(), x.data(), -0.6f, n);
    EXPECT_TRUE(all_close(y_fast, y_ref, kFused)) << "axpy";
  }
  // By hand: 2 * s + t and 1 + alpha * 4.
  float y = 0;
  const float two = 2.f, four = 4.f;
  cpu::affine(&y, &two, 3.f, -0.5f, 1);
  EXPECT_EQ(y, 5.5f);
  y = 1.f;
  cpu::axpy(&y, &four, 0.25f, 1);
  EXPECT_EQ(y, 2.f);
}

TEST(KernelElementwise, FillAndFillRowsMatchReference) {
  for (int64_t n : kSizes) {
    SCOPED_TRACE("n=" + std::to_string(n));
    std::vector<float> y_fast(static_cast<size_t>(n), -1.f), y_ref(static_cast<size_t>(n));
    cpu::fill(y_fast.data(), 3.25f, n);
    ref::fill(y_ref.data(), 3.25f, n);
    EXPECT_TRUE(all_close(y_fast, y_ref, kArith)) << "fill";
    EXPECT_TRUE(all_close(y_fast, std::vector<float>(static_cast<size_t>(n), 3.25f), Tol{0, 0}));
  }
  for (const MN& s : kRowShapes) {
    SCOPED_TRACE("fill_rows M=" + std::to_string(s.M) + " N=" + std::to_string(s.N));
    const std::vector<float> row = uniform(s.N, 10);
    std::vector<float> y_fast(static_cast<size_t>(s.M * s.N), -1.f);
    std::vector<float> y_ref(static_cast<size_t>(s.M * s.N));
    cpu::fill_rows(y_fast.data(), row.data(), s.M, s.N);
    ref::fill_rows(y_ref.data(), row.data(), s.M, s.N);
    EXPECT_TRUE(all_close(y_fast, y_ref, kArith));
    for (int64_t i = 0; i < s.M; i += s.M > 7 ? s.M / 7 : 1)  // a few rows by hand
      EXPECT_TRUE(all_close(y_fast.data() + i * s.N, row.data(), s.N, Tol{0, 0})) << "row " << i;
  }
}

TEST(KernelElementwise, ExpAndLogMatchReference) {
  for (int64_t n : kSizes) {
    SCOPED_TRACE("n=" + std::to_string(n));
    const std::vector<float> x = uniform(n, 11, -20.f, 20.f);
    std::vector<float> y_fast(static_cast<size_t>(n)), y_ref(static_cast<size_t>(n));
    cpu::exp(y_fast.data(), x.data(), n);
    ref::exp(y_ref.data(), x.data(), n);
    EXPECT_TRUE(all_close(y_fast, y_ref, kTranscendental)) << "exp";

    // log on positive inputs spread over six decades, 1e-3 .. 1e3.
    std::vector<float> p = uniform(n, 12, -3.f, 3.f);
    for (float& v : p) v = std::pow(10.f, v);
    cpu::log(y_fast.data(), p.data(), n);
    ref::log(y_ref.data(), p.data(), n);
    EXPECT_TRUE(all_close(y_fast, y_ref, kTranscendental)) << "log";
  }
}

TEST(KernelElementwise, ZeroLengthIsANoOp) {
  float y = 7.f;
  const float a = 1.f, b = 2.f;
  cpu::add(&y, &a, &b, 0);
  cpu::affine(&y, &a, 2.f, 1.f, 0);
  cpu::fill(&y, 0.f, 0);
  cpu::fill_rows(&y, &a, 0, 1);
  cpu::add_row(&y, &a, &b, 1, 0);
  EXPECT_EQ(y, 7.f);
}

}  // namespace
