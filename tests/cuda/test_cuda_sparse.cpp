// kernels::cuda SpMM (SparseLinear's kernels, kernels/sparse.inc) against plain double loops over
// the dense equivalent of the same random pattern: forward, input gradient through the CSC view,
// weight gradient on the stored pattern (overwritten and accumulated). Tolerance: abs 1e-5 +
// rel 1e-5 (float sums of at most B or IN products against double ones).
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "cuda_test_util.h"

#ifdef JOULE_WITH_CUDA

#include "../kernels/kernel_test_util.h"
#include "kernels/cuda/sparse.h"

namespace {

namespace gpu = joule::kernels::cuda;
using joule::kernels::test::all_close;
using joule::kernels::test::Tol;
using joule::kernels::test::uniform;
using namespace joule::cuda_test;

constexpr Tol kTol{1e-5, 1e-5};

size_t sz(int64_t n) { return static_cast<size_t>(n); }

// A random (OUT, IN) pattern of the given density in CSR, and its CSC view.
struct Pattern {
  std::vector<int64_t> row_ptr, col, col_ptr, row, perm;
  std::vector<float> val;
};

Pattern random_pattern(int64_t OUT, int64_t IN, double density, uint32_t seed) {
  std::mt19937 gen(seed);
  std::bernoulli_distribution keep(density);
  Pattern p;
  p.row_ptr.push_back(0);
  for (int64_t o = 0; o < OUT; ++o) {
    for (int64_t i = 0; i < IN; ++i)
      if (keep(gen)) p.col.push_back(i);
    p.row_ptr.push_back(static_cast<int64_t>(p.col.size()));
  }
  p.val = uniform(static_cast<int64_t>(p.col.size()), seed + 1);
  p.col_ptr.assign(sz(IN + 1), 0);
  for (int64_t c : p.col) ++p.col_ptr[sz(c + 1)];
  for (int64_t i = 0; i < IN; ++i) p.col_ptr[sz(i + 1)] += p.col_ptr[sz(i)];
  p.row.resize(p.col.size());
  p.perm.resize(p.col.size());
  std::vector<int64_t> fill(p.col_ptr.begin(), p.col_ptr.end() - 1);
  for (int64_t o = 0; o < OUT; ++o)  // rows in increasing order, so rows increase within a column
    for (int64_t k = p.row_ptr[sz(o)]; k < p.row_ptr[sz(o + 1)]; ++k) {
      const int64_t at = fill[sz(p.col[sz(k)])]++;
      p.row[sz(at)] = o;
      p.perm[sz(at)] = k;
    }
  return p;
}

TEST(CudaKernelSparse, SpmmMatchesDenseLoops) {
  JOULE_REQUIRE_CUDA();
  struct Case {
    int64_t B, IN, OUT;
    double density;
  };
  for (Case c : {Case{1, 1, 1, 1.0}, Case{128, 784, 256, 0.1}, Case{7, 33, 65, 0.5},
                 Case{64, 300, 10, 0.02}}) {
    const Pattern p = random_pattern(c.OUT, c.IN, c.density, 42);
    const auto x = uniform(c.B * c.IN, 43), dy = uniform(c.B * c.OUT, 44),
               bias = uniform(c.OUT, 45);
    const size_t nnz = p.val.size();
    std::vector<float> y(sz(c.B * c.OUT)), dx(sz(c.B * c.IN)), dval(nnz);
    for (int64_t b = 0; b < c.B; ++b)
      for (int64_t o = 0; o < c.OUT; ++o) {
        double s = bias[sz(o)];
        for (int64_t k = p.row_ptr[sz(o)]; k < p.row_ptr[sz(o + 1)]; ++k)
          s += static_cast<double>(p.val[sz(k)]) * x[sz(b * c.IN + p.col[sz(k)])];
        y[sz(b * c.OUT + o)] = static_cast<float>(s);
      }
    for (int64_t b = 0; b < c.B; ++b)
      for (int64_t i = 0; i < c.IN; ++i) {
        double s = 0;
        for (int64_t o = 0; o < c.OUT; ++o)
          for (int64_t k = p.row_ptr[sz(o)]; k < p.row_ptr[sz(o + 1)]; ++k)
            if (p.col[sz(k)] == i) s += static_cast<double>(p.val[sz(k)]) * dy[sz(b * c.OUT + o)];
        dx[sz(b * c.IN + i)] = static_cast<float>(s);
      }
    for (int64_t o = 0; o < c.OUT; ++o)
      for (int64_t k = p.row_ptr[sz(o)]; k < p.row_ptr[sz(o + 1)]; ++k) {
        double s = 0;
        for (int64_t b = 0; b < c.B; ++b)
          s += static_cast<double>(dy[sz(b * c.OUT + o)]) * x[sz(b * c.IN + p.col[sz(k)])];
        dval[sz(k)] = static_cast<float>(s);
      }

    const auto grp = on_gpu(p.row_ptr), gcol = on_gpu(p.col), gval = on_gpu(p.val);
    const auto gcp = on_gpu(p.col_ptr), grow = on_gpu(p.row), gperm = on_gpu(p.perm);
    const auto gx = on_gpu(x), gdy = on_gpu(dy);
    const auto gy = gpu_buffer(c.B * c.OUT), gdx = gpu_buffer(c.B * c.IN);
    const auto gdval = on_gpu(std::vector<float>(nnz, 1.f));
    gpu::spmm_forward(f(gy), f(gx), i64(grp), i64(gcol), f(gval), f(on_gpu(bias)), c.B, c.IN, c.OUT,
                      stream());
    gpu::spmm_backward_input(f(gdx), f(gdy), i64(gcp), i64(grow), i64(gperm), f(gval), c.B, c.IN,
                             c.OUT, stream());
    gpu::spmm_backward_weight(f(gdval), f(gdy), f(gx), i64(grp), i64(gcol), c.B, c.IN, c.OUT, false,
                              stream());
    EXPECT_TRUE(all_close(host(gy), y, kTol)) << "forward B=" << c.B << " OUT=" << c.OUT;
    EXPECT_TRUE(all_close(host(gdx), dx, kTol)) << "input gradient B=" << c.B << " IN=" << c.IN;
    EXPECT_TRUE(all_close(host(gdval), dval, kTol)) << "weight gradient B=" << c.B;
    gpu::spmm_backward_weight(f(gdval), f(gdy), f(gx), i64(grp), i64(gcol), c.B, c.IN, c.OUT, true,
                              stream());
    for (float& v : dval) v *= 2.f;
    EXPECT_TRUE(all_close(host(gdval), dval, kTol)) << "accumulated weight gradient B=" << c.B;
    gpu::spmm_forward(f(gy), f(gx), i64(grp), i64(gcol), f(gval), nullptr, c.B, c.IN, c.OUT,
                      stream());
    for (int64_t b = 0; b < c.B; ++b)
      for (int64_t o = 0; o < c.OUT; ++o) y[sz(b * c.OUT + o)] -= bias[sz(o)];
    EXPECT_TRUE(all_close(host(gy), y, kTol)) << "forward without bias B=" << c.B;
  }
}

}  // namespace

#endif  // JOULE_WITH_CUDA
