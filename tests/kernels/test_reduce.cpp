// kernels::cpu reductions (sum, sum_dim, argmax_rows) against kernels::ref.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/cpu/reduce.h"
#include "kernels/reference/reduce.h"

namespace {

namespace cpu = joule::kernels::cpu;
namespace ref = joule::kernels::ref;
using joule::kernels::test::all_close;
using joule::kernels::test::kSizes;
using joule::kernels::test::Tol;
using joule::kernels::test::uniform;

// Inputs are uniform in [-0.5, 1.5): mixed signs but a positive mean, so a sum of D terms is
// about D / 2 and relative error is meaningful. rel 1e-5 (float accumulation over 40001 terms
// stays well inside it; dropping a single term does not), abs 1e-6 for the shortest sums.
constexpr Tol kSumTol{1e-6, 1e-5};

// The sum kernels write their result to a pointer; this reads it back.
template <class F>
float sum_of(F sum, const float* x, int64_t n) {
  float out = -1.f;
  sum(&out, x, n);
  return out;
}

TEST(KernelReduce, SumMatchesReference) {
  std::vector<int64_t> sizes = kSizes;
  sizes.push_back(1 << 20);
  for (int64_t n : sizes) {
    SCOPED_TRACE("n=" + std::to_string(n));
    const std::vector<float> x = uniform(n, 1, -0.5f, 1.5f);
    const float fast = sum_of(cpu::sum, x.data(), n), naive = sum_of(ref::sum, x.data(), n);
    EXPECT_TRUE(all_close(&fast, &naive, 1, kSumTol));
  }
  const float one = 1.f;
  EXPECT_EQ(sum_of(cpu::sum, &one, 0), 0.f) << "the sum of nothing is 0";
}

TEST(KernelReduce, SumAccumulatesInDouble) {
  // 0 + 1 + ... + (n-1), all exact in float; the total 2450175003 is not, and a float running
  // sum would be off by far more than its own rounding (rel 1e-7 here).
  const int64_t n = 70003;
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(i)] = static_cast<float>(i);
  const double exact = static_cast<double>(n) * static_cast<double>(n - 1) / 2;
  EXPECT_NEAR(sum_of(cpu::sum, x.data(), n), exact, exact * 1e-7);
  EXPECT_NEAR(sum_of(ref::sum, x.data(), n), exact, exact * 1e-7);
}

struct Dims {
  int64_t outer, D, inner;
};

TEST(KernelReduce, SumDimMatchesReference) {
  const std::vector<Dims> cases = {
      // inner == 1: row sums; the last two cross kParallelMin, one with long rows
      {1, 1, 1}, {7, 33, 1}, {1001, 41, 1}, {3, 40001, 1},
      // outer == 1: column sums; inner > 256 gives several blocks of 256 with a ragged tail
      {1, 7, 300}, {1, 33, 1000}, {1, 40, 1025}, {1, 3, 70003}, {1, 1, 257},
      // general
      {3, 5, 7}, {7, 33, 257}, {5, 17, 513}, {33, 1000, 2}, {2, 1, 3}};
  uint32_t seed = 10;
  for (const Dims& c : cases) {
    SCOPED_TRACE("outer=" + std::to_string(c.outer) + " D=" + std::to_string(c.D) +
                 " inner=" + std::to_string(c.inner));
    const std::vector<float> x = uniform(c.outer * c.D * c.inner, seed++, -0.5f, 1.5f);
    std::vector<float> y_fast(static_cast<size_t>(c.outer * c.inner),
                              std::numeric_limits<float>::quiet_NaN());
    std::vector<float> y_ref(static_cast<size_t>(c.outer * c.inner));
    cpu::sum_dim(y_fast.data(), x.data(), c.outer, c.D, c.inner);
    ref::sum_dim(y_ref.data(), x.data(), c.outer, c.D, c.inner);
    EXPECT_TRUE(all_close(y_fast, y_ref, kSumTol));
  }
}

TEST(KernelReduce, SumDimOverEmptyDimensionIsZero) {
  for (int64_t inner : {1, 5, 300}) {
    const int64_t outer = 3;
    std::vector<float> y(static_cast<size_t>(outer * inner), std::numeric_limits<float>::quiet_NaN());
    const float dummy = 0.f;
    cpu::sum_dim(y.data(), &dummy, outer, 0, inner);
    EXPECT_TRUE(all_close(y, std::vector<float>(y.size(), 0.f), Tol{0, 0})) << "inner=" << inner;
  }
}

TEST(KernelReduce, SumDimHandComputed) {
  // x (2, 3, 2) = 0..11: over D -> [[0+2+4, 1+3+5], [6+8+10, 7+9+11]]
  std::vector<float> x(12);
  for (int i = 0; i < 12; ++i) x[static_cast<size_t>(i)] = static_cast<float>(i);
  std::vector<float> y(4);
  cpu::sum_dim(y.data(), x.data(), 2, 3, 2);
  EXPECT_TRUE(all_close(y, std::vector<float>{6, 9, 24, 27}, Tol{0, 0}));
  // rows of (4, 3): inner == 1
  cpu::sum_dim(y.data(), x.data(), 4, 3, 1);
  EXPECT_TRUE(all_close(y, std::vector<float>{3, 12, 21, 30}, Tol{0, 0}));
}

// First index of each row's largest value, computed here independently of both kernels.
std::vector<int64_t> first_argmax(const std::vector<float>& x, int64_t M, int64_t N) {
  std::vector<int64_t> idx(static_cast<size_t>(M));
  for (int64_t i = 0; i < M; ++i) {
    const auto row = x.begin() + i * N;
    idx[static_cast<size_t>(i)] = std::max_element(row, row + N) - row;  // first on ties
  }
  return idx;
}

TEST(KernelReduce, ArgmaxRowsMatchesReference) {
  struct MN {
    int64_t M, N;
  };
  const std::vector<MN> shapes = {{1, 1}, {7, 33}, {1001, 41}, {3, 40001}, {70003, 1}};
  for (const MN& s : shapes) {
    SCOPED_TRACE("M=" + std::to_string(s.M) + " N=" + std::to_string(s.N));
    const std::vector<float> x = uniform(s.M * s.N, 20, -5.f, 5.f);
    std::vector<int64_t> i_fast(static_cast<size_t>(s.M), -1), i_ref(static_cast<size_t>(s.M));
    cpu::argmax_rows(i_fast.data(), x.data(), s.M, s.N);
    ref::argmax_rows(i_ref.data(), x.data(), s.M, s.N);
    EXPECT_EQ(i_fast, i_ref);
    EXPECT_EQ(i_fast, first_argmax(x, s.M, s.N));
  }
}

TEST(KernelReduce, ArgmaxRowsFirstIndexWinsTies) {
  // Hand-made rows: all equal, max twice, max at both ends, max repeated after the first.
  const std::vector<float> x = {1, 1, 1, 1, 1,   //
                                0, 0, 3, 1, 3,   //
                                4, 0, 2, 1, 4,   //
                                -1, 2, -1, 2, 2};
  std::vector<int64_t> idx(4, -1);
  cpu::argmax_rows(idx.data(), x.data(), 4, 5);
  EXPECT_EQ(idx, (std::vector<int64_t>{0, 2, 0, 1}));
  ref::argmax_rows(idx.data(), x.data(), 4, 5);
  EXPECT_EQ(idx, (std::vector<int64_t>{0, 2, 0, 1}));

  // Many ties on both the serial and the parallel path: values from {0, 1, 2, 3}.
  for (int64_t M : {7, 1001}) {
    const int64_t N = 37;
    std::mt19937 gen(static_cast<uint32_t>(M));
    std::uniform_int_distribution<int> pick(0, 3);
    std::vector<float> t(static_cast<size_t>(M * N));
    for (float& v : t) v = static_cast<float>(pick(gen));
    std::vector<int64_t> i_fast(static_cast<size_t>(M), -1), i_ref(static_cast<size_t>(M));
    cpu::argmax_rows(i_fast.data(), t.data(), M, N);
    ref::argmax_rows(i_ref.data(), t.data(), M, N);
    const std::vector<int64_t> want = first_argmax(t, M, N);
    EXPECT_EQ(i_fast, want) << "M=" << M;
    EXPECT_EQ(i_ref, want) << "M=" << M;
  }
}

}  // namespace
