// kernels::cpu strided_copy and strided_scatter against kernels::ref and against an index
// computation written here: transposed, permuted, sliced and broadcast (stride 0) views, element
// sizes 4 and 8.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/cpu/copy.h"
#include "kernels/reference/copy.h"

namespace {

namespace cpu = joule::kernels::cpu;
namespace ref = joule::kernels::ref;
using joule::kernels::test::all_close;
using joule::kernels::test::Tol;
using joule::kernels::test::uniform;

using Dims = std::vector<int64_t>;

int64_t numel(const Dims& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

// Offset, under `strides`, of the element with row-major linear index i of `shape`.
int64_t offset_of(int64_t i, const Dims& shape, const Dims& strides) {
  int64_t off = 0;
  for (size_t d = shape.size(); d-- > 0;) {
    off += (i % shape[d]) * strides[d];
    i /= shape[d];
  }
  return off;
}

std::string describe(const Dims& shape, const Dims& strides) {
  std::string s = "shape [";
  for (size_t d = 0; d < shape.size(); ++d) s += (d ? ", " : "") + std::to_string(shape[d]);
  s += "] strides [";
  for (size_t d = 0; d < strides.size(); ++d) s += (d ? ", " : "") + std::to_string(strides[d]);
  return s + "]";
}

// n values of type T using all of T's bits (doubles are not rounded floats, so a kernel copying
// 4 of 8 bytes shows).
template <class T>
std::vector<T> values(int64_t n, uint32_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<T> v(static_cast<size_t>(n));
  for (T& x : v) x = static_cast<T>(dist(gen));
  return v;
}

// Copies the view (src + start, shape, strides) with both kernels and checks both against the
// element each index should read. Copies are exact.
template <class T>
void expect_copy(const Dims& shape, const Dims& strides, int64_t src_size, int64_t start) {
  SCOPED_TRACE(describe(shape, strides) + " elem_size " + std::to_string(sizeof(T)));
  const std::vector<T> src = values<T>(src_size, 1);
  const int64_t n = numel(shape), ndim = static_cast<int64_t>(shape.size());
  // One sentinel element past the end: it must survive (and keeps dst non-null when n == 0).
  std::vector<T> want(static_cast<size_t>(n + 1), T(-7));
  for (int64_t i = 0; i < n; ++i)
    want[static_cast<size_t>(i)] = src[static_cast<size_t>(start + offset_of(i, shape, strides))];
  std::vector<T> d_fast(want.size(), T(-7)), d_ref(want.size(), T(-7));
  cpu::strided_copy(d_fast.data(), src.data() + start, shape.data(), strides.data(), ndim,
                    sizeof(T));
  ref::strided_copy(d_ref.data(), src.data() + start, shape.data(), strides.data(), ndim,
                    sizeof(T));
  EXPECT_TRUE(all_close(d_fast, want, Tol{0, 0})) << "fast";
  EXPECT_TRUE(all_close(d_ref, want, Tol{0, 0})) << "reference";
}

template <class T>
void copy_cases() {
  // Transposed 2-D view of a contiguous (R, C): shape (C, R), strides (1, C).
  for (const auto& [R, C] : std::vector<std::pair<int64_t, int64_t>>{
           {1, 1}, {3, 5}, {33, 65}, {257, 131}})
    expect_copy<T>({C, R}, {1, C}, R * C, 0);
  // 3-D permutations of a contiguous (A, B, C); (33, 41, 29) crosses kParallelMin.
  for (const auto& [A, B, C] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{
           {2, 3, 4}, {3, 5, 7}, {33, 41, 29}}) {
    expect_copy<T>({C, A, B}, {1, B * C, C}, A * B * C, 0);  // permute (2, 0, 1)
    expect_copy<T>({B, C, A}, {C, 1, B * C}, A * B * C, 0);  // permute (1, 2, 0)
    expect_copy<T>({A, C, B}, {B * C, 1, C}, A * B * C, 0);  // permute (0, 2, 1)
  }
  // Broadcasts: a row (N) to (M, N), a column (M) to (M, N), a middle vector (B) to (A, B, C).
  for (const auto& [M, N] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {3, 7}, {301, 129}}) {
    expect_copy<T>({M, N}, {0, 1}, N, 0);
    expect_copy<T>({M, N}, {1, 0}, M, 0);
  }
  expect_copy<T>({33, 41, 29}, {0, 1, 0}, 41, 0);
  // Every other row and column, starting at (0, 1), of a contiguous (403, 331).
  expect_copy<T>({202, 165}, {2 * 331, 2}, 403 * 331, 1);
  // 1-D with stride 3; and a 0-d scalar.
  expect_copy<T>({40001}, {3}, 3 * 40001, 2);
  expect_copy<T>({}, {}, 5, 4);
  // Empty dimensions copy nothing.
  expect_copy<T>({0, 5}, {1, 0}, 1, 0);
  expect_copy<T>({3, 0}, {1, 1}, 1, 0);
}

TEST(KernelCopy, StridedCopyFloat) { copy_cases<float>(); }
TEST(KernelCopy, StridedCopyDouble) { copy_cases<double>(); }

// Scatters a contiguous src of `shape` into (dst + start) viewed with `strides`, with both
// kernels, and checks them against each other and against a double-precision expectation.
void expect_scatter(const Dims& shape, const Dims& strides, int64_t dst_size, int64_t start,
                    bool accumulate, uint32_t seed) {
  SCOPED_TRACE(describe(shape, strides) + (accumulate ? " accumulate" : " assign"));
  const int64_t n = numel(shape), ndim = static_cast<int64_t>(shape.size());
  const std::vector<float> src = uniform(n, seed, 0.f, 1.f);
  const std::vector<float> dst0 = uniform(dst_size, seed + 1, 0.f, 1.f);
  std::vector<double> acc(dst0.begin(), dst0.end());
  for (int64_t i = 0; i < n; ++i) {
    double& d = acc[static_cast<size_t>(start + offset_of(i, shape, strides))];
    d = accumulate ? d + src[static_cast<size_t>(i)] : src[static_cast<size_t>(i)];
  }
  const std::vector<float> want(acc.begin(), acc.end());
  std::vector<float> d_fast = dst0, d_ref = dst0;
  cpu::strided_scatter(d_fast.data() + start, strides.data(), src.data(), shape.data(), ndim,
                       accumulate);
  ref::strided_scatter(d_ref.data() + start, strides.data(), src.data(), shape.data(), ndim,
                       accumulate);
  // Both add in row-major source order; against the double sums of up to 301 values in [0, 1),
  // float accumulation stays inside abs 1e-5 + rel 1e-5.
  EXPECT_TRUE(all_close(d_fast, d_ref, Tol{1e-6, 1e-6})) << "fast vs reference";
  EXPECT_TRUE(all_close(d_fast, want, Tol{1e-5, 1e-5})) << "fast vs expected";
  EXPECT_TRUE(all_close(d_ref, want, Tol{1e-5, 1e-5})) << "reference vs expected";
}

TEST(KernelCopy, StridedScatterAssign) {
  // Into a transposed view of (R, C): src (C, R), dst strides (1, C).
  for (const auto& [R, C] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {3, 5}, {257, 131}})
    expect_scatter({C, R}, {1, C}, R * C, 0, false, 1);
  // Into a permuted 3-D view, and into every other column (the rest must stay as it was).
  expect_scatter({29, 33, 41}, {1, 41 * 29, 29}, 33 * 41 * 29, 0, false, 2);
  expect_scatter({403, 165}, {331, 2}, 403 * 331, 1, false, 3);
  expect_scatter({}, {}, 3, 2, false, 4);  // 0-d
}

TEST(KernelCopy, StridedScatterAccumulate) {
  // Without overlap: += through a transposed and a permuted view.
  expect_scatter({131, 257}, {1, 131}, 257 * 131, 0, true, 5);
  expect_scatter({29, 33, 41}, {1, 41 * 29, 29}, 33 * 41 * 29, 0, true, 6);
  // Stride 0 sums the broadcast: (M, N) into a row (N), into a column (M), and (A, B, C) into
  // (B, C), into (A, B), and into a single element.
  expect_scatter({301, 129}, {0, 1}, 129, 0, true, 7);
  expect_scatter({301, 129}, {1, 0}, 301, 0, true, 8);
  expect_scatter({33, 41, 29}, {0, 29, 1}, 41 * 29, 0, true, 9);
  expect_scatter({33, 41, 29}, {41, 1, 0}, 33 * 41, 0, true, 10);
  expect_scatter({7, 5, 3}, {0, 0, 0}, 1, 0, true, 11);
  expect_scatter({}, {}, 3, 1, true, 12);  // 0-d
}

TEST(KernelCopy, StridedScatterAccumulateByHand) {
  // src (2, 3) = [[1, 2, 3], [4, 5, 6]] summed over rows into dst (3) = [10, 20, 30]
  const std::vector<float> src = {1, 2, 3, 4, 5, 6};
  const Dims shape = {2, 3};
  std::vector<float> dst = {10, 20, 30};
  const Dims rows = {0, 1};
  cpu::strided_scatter(dst.data(), rows.data(), src.data(), shape.data(), 2, true);
  EXPECT_TRUE(all_close(dst, std::vector<float>{15, 27, 39}, Tol{0, 0}));
  // ... and over columns into dst (2) = [0, 100]
  std::vector<float> col = {0, 100};
  const Dims cols = {1, 0};
  cpu::strided_scatter(col.data(), cols.data(), src.data(), shape.data(), 2, true);
  EXPECT_TRUE(all_close(col, std::vector<float>{6, 115}, Tol{0, 0}));
}

}  // namespace
