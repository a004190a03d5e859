// kernels::cpu::gemm against kernels::ref::gemm: all four transpose combinations, alpha != 1,
// beta in {0, 1, 0.5}, padded leading dimensions, odd shapes, and empty M, N or K.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/cpu/gemm.h"
#include "kernels/reference/gemm.h"

namespace {

using joule::kernels::test::all_close;
using joule::kernels::test::Tol;
using joule::kernels::test::uniform;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// A (rows, cols) matrix of values in [-1, 1) stored with row stride ld >= cols. The padding is
// NaN: a kernel that reads it poisons its result, one that writes it no longer matches.
std::vector<float> padded(int64_t rows, int64_t cols, int64_t ld, uint32_t seed) {
  const std::vector<float> v = uniform(rows * cols, seed);
  std::vector<float> out(static_cast<size_t>(rows * ld), kNaN);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      out[static_cast<size_t>(r * ld + c)] = v[static_cast<size_t>(r * cols + c)];
  return out;
}

// Tolerance: op(A), op(B) entries are in [-1, 1), so each of the K products is at most 1 in
// magnitude and float accumulation may lose about 1e-6 per term: abs 1e-6 * K * |alpha|, plus
// 1e-6 for the beta * C term, plus rel 1e-5.
Tol gemm_tol(int64_t K, float alpha) {
  return {1e-6 * static_cast<double>(K) * std::abs(alpha) + 1e-6, 1e-5};
}

// Runs both kernels on the same inputs (C starts all NaN when beta == 0) and compares the whole
// C buffer, padding included.
void expect_gemm_matches(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
                         float beta, int64_t pad, uint32_t seed) {
  const int64_t a_rows = ta ? K : M, a_cols = ta ? M : K;
  const int64_t b_rows = tb ? N : K, b_cols = tb ? K : N;
  const int64_t lda = a_cols + pad, ldb = b_cols + pad, ldc = N + pad;
  std::ostringstream what;
  what << "trans_a=" << ta << " trans_b=" << tb << " M=" << M << " N=" << N << " K=" << K
       << " alpha=" << alpha << " beta=" << beta << " lda=" << lda << " ldb=" << ldb
       << " ldc=" << ldc;
  SCOPED_TRACE(what.str());

  const std::vector<float> A = padded(a_rows, a_cols, lda, seed);
  const std::vector<float> B = padded(b_rows, b_cols, ldb, seed + 1);
  std::vector<float> c_ref = beta == 0.f ? std::vector<float>(static_cast<size_t>(M * ldc), kNaN)
                                         : padded(M, N, ldc, seed + 2);
  std::vector<float> c_fast = c_ref;
  joule::kernels::ref::gemm(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta,
                            c_ref.data(), ldc);
  joule::kernels::cpu::gemm(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta,
                            c_fast.data(), ldc);
  EXPECT_TRUE(all_close(c_fast, c_ref, gemm_tol(K, alpha)));
  // The reference must produce finite values where C is defined (a NaN there would make the
  // comparison above vacuous).
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j)
      ASSERT_TRUE(std::isfinite(c_ref[static_cast<size_t>(i * ldc + j)]))
          << "reference C(" << i << ", " << j << ") is not finite";
}

struct Shape3 {
  int64_t M, N, K;
};

TEST(KernelGemm, AllTransposesAlphasBetasAndPaddingMatchReference) {
  // (1, 300, 77) and (77, 1, 300) are matrix-vector shapes; (3, 5, 7) stays under Eigen's
  // coefficient-wise threshold. The last three reach kernels/cpu/gemm.cpp's 2^20 multiply-adds
  // and, with more than one OpenMP thread, are split into slabs of C: by columns when N > M,
  // by rows otherwise, with a ragged last slab.
  const std::vector<Shape3> shapes = {{1, 1, 1},    {3, 5, 7},      {17, 33, 65},
                                      {1, 300, 77}, {77, 1, 300},   {64, 63, 1},
                                      {128, 257, 129}, {257, 128, 65}, {1000, 33, 40}};
  uint32_t seed = 1;
  for (const Shape3& s : shapes)
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (float beta : {0.f, 1.f, 0.5f})
          for (float alpha : {1.5f, -0.75f})
            for (int64_t pad : {0, 3}) {
              expect_gemm_matches(ta, tb, s.M, s.N, s.K, alpha, beta, pad, seed);
              seed += 3;
            }
}

TEST(KernelGemm, BetaZeroIgnoresNaNAlreadyInC) {
  const int64_t M = 17, N = 33, K = 65;
  const std::vector<float> A = uniform(M * K, 11), B = uniform(K * N, 12);
  std::vector<float> c(static_cast<size_t>(M * N), kNaN);
  joule::kernels::cpu::gemm(false, false, M, N, K, 2.f, A.data(), K, B.data(), N, 0.f, c.data(),
                            N);
  EXPECT_TRUE(joule::kernels::test::all_finite(c));
  // Also with an infinity in C (0 * inf would be NaN if C were scaled by beta).
  std::vector<float> c_inf(static_cast<size_t>(M * N), std::numeric_limits<float>::infinity());
  joule::kernels::cpu::gemm(true, true, M, N, K, 2.f, A.data(), M, B.data(), K, 0.f,
                            c_inf.data(), N);
  EXPECT_TRUE(joule::kernels::test::all_finite(c_inf));
}

TEST(KernelGemm, EmptyInnerDimensionScalesC) {
  // K == 0: op(A) op(B) is the zero matrix, so C = beta * C (and exactly 0 when beta == 0, even
  // over NaN). A and B are never read: pass null.
  const int64_t M = 5, N = 7, pad = 2, ldc = N + pad;
  for (float beta : {0.f, 0.5f, 1.f}) {
    SCOPED_TRACE("beta=" + std::to_string(beta));
    std::vector<float> c0 = beta == 0.f ? std::vector<float>(M * ldc, kNaN) : padded(M, N, ldc, 21);
    std::vector<float> want = c0;
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        float& w = want[static_cast<size_t>(i * ldc + j)];
        w = beta == 0.f ? 0.f : beta * w;
      }
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        std::vector<float> c_fast = c0, c_ref = c0;
        joule::kernels::cpu::gemm(ta, tb, M, N, 0, 1.5f, nullptr, 1, nullptr, 1, beta,
                                  c_fast.data(), ldc);
        joule::kernels::ref::gemm(ta, tb, M, N, 0, 1.5f, nullptr, 1, nullptr, 1, beta,
                                  c_ref.data(), ldc);
        EXPECT_TRUE(all_close(c_fast, want, Tol{0, 0})) << "fast, ta=" << ta << " tb=" << tb;
        EXPECT_TRUE(all_close(c_ref, want, Tol{0, 0})) << "reference, ta=" << ta << " tb=" << tb;
      }
  }
}

TEST(KernelGemm, EmptyOutputTouchesNothing) {
  // M == 0 or N == 0: no element of C exists, so the buffer after it must stay as it was.
  const std::vector<float> A = uniform(64, 31), B = uniform(64, 32);
  const std::vector<Shape3> shapes = {{0, 5, 3}, {4, 0, 3}, {0, 0, 0}, {0, 5, 0}};
  for (const Shape3& s : shapes)
    for (float beta : {0.f, 0.5f}) {
      std::vector<float> c(16, 42.f);
      const int64_t ldc = s.N > 0 ? s.N : 1;
      joule::kernels::cpu::gemm(false, false, s.M, s.N, s.K, 1.f, A.data(), s.K > 0 ? s.K : 1,
                                B.data(), ldc, beta, c.data(), ldc);
      EXPECT_TRUE(all_close(c, std::vector<float>(16, 42.f), Tol{0, 0}))
          << "M=" << s.M << " N=" << s.N << " K=" << s.K << " beta=" << beta;
    }
}

TEST(KernelGemm, HandComputed) {
  // [[1, 2], [3, 4]] [[5, 6], [7, 8]] = [[19, 22], [43, 50]]; alpha 2, beta 0.5 over ones.
  const std::vector<float> A = {1, 2, 3, 4}, B = {5, 6, 7, 8};
  const std::vector<float> want = {38.5f, 44.5f, 86.5f, 100.5f};
  std::vector<float> c_fast(4, 1.f), c_ref(4, 1.f);
  joule::kernels::cpu::gemm(false, false, 2, 2, 2, 2.f, A.data(), 2, B.data(), 2, 0.5f,
                            c_fast.data(), 2);
  joule::kernels::ref::gemm(false, false, 2, 2, 2, 2.f, A.data(), 2, B.data(), 2, 0.5f,
                            c_ref.data(), 2);
  EXPECT_TRUE(all_close(c_fast, want, Tol{0, 0}));
  EXPECT_TRUE(all_close(c_ref, want, Tol{0, 0}));
  // A^T B^T = (B A)^T: [[5, 6], [7, 8]] [[1, 2], [3, 4]] = [[23, 34], [31, 46]], transposed.
  std::vector<float> t(4, kNaN);
  joule::kernels::cpu::gemm(true, true, 2, 2, 2, 1.f, A.data(), 2, B.data(), 2, 0.f, t.data(), 2);
  EXPECT_TRUE(all_close(t, std::vector<float>{23, 31, 34, 46}, Tol{0, 0}));
}

}  // namespace
