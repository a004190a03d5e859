// Sparse-weight (SpMM) kernels: kernels::ref against a dense computation with the (OUT, IN)
// matrix built here from the CSR (the ground truth checked too), and kernels::cpu against
// kernels::ref on random patterns of several densities (empty, 5%, 30%, a full row, uneven rows,
// 100%), batches that are not multiples of 16 or that span several 128-sample tiles, OUT or IN of
// 1, the accumulate flag, and calls from inside an OpenMP region.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/cpu/sparse.h"
#include "kernels/reference/sparse.h"

namespace {

using joule::kernels::test::all_close;
using joule::kernels::test::Tol;
using joule::kernels::test::uniform;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// W (OUT, IN) in CSR with its CSC view, as kernels/sparse.inc describes them.
struct Sparse {
  int64_t out = 0, in = 0;
  std::vector<int64_t> row_ptr, col;
  std::vector<float> val;
  std::vector<int64_t> col_ptr, row, perm;
  int64_t nnz() const { return static_cast<int64_t>(col.size()); }
};

// The CSC view of s's CSR: a counting sort by column, rows visited in order so that they
// increase within each column.
void build_csc(Sparse& s) {
  s.col_ptr.assign(static_cast<size_t>(s.in + 1), 0);
  for (int64_t c : s.col) ++s.col_ptr[static_cast<size_t>(c + 1)];
  for (int64_t i = 0; i < s.in; ++i) s.col_ptr[i + 1] += s.col_ptr[i];
  std::vector<int64_t> next(s.col_ptr.begin(), s.col_ptr.end() - 1);
  s.row.assign(s.col.size(), 0);
  s.perm.assign(s.col.size(), 0);
  for (int64_t o = 0; o < s.out; ++o)
    for (int64_t k = s.row_ptr[o]; k < s.row_ptr[o + 1]; ++k) {
      const int64_t pos = next[static_cast<size_t>(s.col[k])]++;
      s.row[pos] = o;
      s.perm[pos] = k;
    }
}

// Entry (o, i) is stored with probability density_of(o); values uniform in [-1, 1).
template <class Density>
Sparse make_sparse(int64_t out, int64_t in, Density density_of, uint32_t seed) {
  Sparse s;
  s.out = out;
  s.in = in;
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::uniform_real_distribution<float> v(-1.f, 1.f);
  s.row_ptr.push_back(0);
  for (int64_t o = 0; o < out; ++o) {
    const double d = density_of(o);
    for (int64_t i = 0; i < in; ++i)
      if (u(gen) < d) {
        s.col.push_back(i);
        s.val.push_back(v(gen));
      }
    s.row_ptr.push_back(static_cast<int64_t>(s.col.size()));
  }
  build_csc(s);
  return s;
}

Sparse make_sparse(int64_t out, int64_t in, double density, uint32_t seed) {
  return make_sparse(out, in, [density](int64_t) { return density; }, seed);
}

// The patterns every kernel runs on, named for the failure messages.
struct Case {
  std::string name;
  Sparse w;
};

std::vector<Case> patterns(int64_t out, int64_t in, uint32_t seed) {
  std::vector<Case> cases;
  cases.push_back({"empty", make_sparse(out, in, 0.0, seed)});
  cases.push_back({"density 5%", make_sparse(out, in, 0.05, seed + 1)});
  cases.push_back({"density 30%", make_sparse(out, in, 0.3, seed + 2)});
  cases.push_back({"dense 100%", make_sparse(out, in, 1.0, seed + 3)});
  // Row out/2 full, the others at 10%: one row far heavier than the rest.
  cases.push_back({"one full row",
                   make_sparse(out, in, [out](int64_t o) { return o == out / 2 ? 1.0 : 0.1; },
                               seed + 4)});
  // Every seventh row full, the rest nearly empty: threads must split by stored entries.
  cases.push_back({"uneven rows",
                   make_sparse(out, in, [](int64_t o) { return o % 7 == 0 ? 1.0 : 0.01; },
                               seed + 5)});
  return cases;
}

// The dense (OUT, IN) matrix of w.
std::vector<double> dense_of(const Sparse& w) {
  std::vector<double> d(static_cast<size_t>(w.out * w.in), 0.0);
  for (int64_t o = 0; o < w.out; ++o)
    for (int64_t k = w.row_ptr[o]; k < w.row_ptr[o + 1]; ++k) d[o * w.in + w.col[k]] = w.val[k];
  return d;
}

std::vector<float> to_float(const std::vector<double>& v) {
  return std::vector<float>(v.begin(), v.end());
}

// Float sums of `terms` products of values in [-1, 1): about 1e-6 lost per term, plus rel 1e-5.
Tol sum_tol(int64_t terms) { return {1e-6 * static_cast<double>(terms) + 1e-6, 1e-5}; }

std::string describe(const std::string& pattern, int64_t B, int64_t in, int64_t out) {
  std::ostringstream s;
  s << pattern << ": B=" << B << " IN=" << in << " OUT=" << out;
  return s.str();
}

// Outputs of the three kernels for one implementation. Overwritten outputs start all NaN so
// that an entry a kernel forgets to write fails the comparison; the accumulated gradient starts
// from dval0.
struct Outputs {
  std::vector<float> y, y_nobias, dx, dval, dval_acc;
};

template <class Fwd, class BwdIn, class BwdW>
Outputs run(Fwd fwd, BwdIn bwd_in, BwdW bwd_w, const Sparse& w, const std::vector<float>& x,
            const std::vector<float>& dy, const std::vector<float>& bias,
            const std::vector<float>& dval0, int64_t B) {
  Outputs r;
  r.y.assign(static_cast<size_t>(B * w.out), kNaN);
  r.y_nobias = r.y;
  r.dx.assign(static_cast<size_t>(B * w.in), kNaN);
  r.dval.assign(static_cast<size_t>(w.nnz()), kNaN);
  r.dval_acc = dval0;
  fwd(r.y.data(), x.data(), w.row_ptr.data(), w.col.data(), w.val.data(), bias.data(), B, w.in,
      w.out);
  fwd(r.y_nobias.data(), x.data(), w.row_ptr.data(), w.col.data(), w.val.data(), nullptr, B,
      w.in, w.out);
  bwd_in(r.dx.data(), dy.data(), w.col_ptr.data(), w.row.data(), w.perm.data(), w.val.data(), B,
         w.in, w.out);
  bwd_w(r.dval.data(), dy.data(), x.data(), w.row_ptr.data(), w.col.data(), B, w.in, w.out,
        false);
  bwd_w(r.dval_acc.data(), dy.data(), x.data(), w.row_ptr.data(), w.col.data(), B, w.in, w.out,
        true);
  return r;
}

Outputs run_ref(const Sparse& w, const std::vector<float>& x, const std::vector<float>& dy,
                const std::vector<float>& bias, const std::vector<float>& dval0, int64_t B) {
  namespace k = joule::kernels::ref;
  return run(k::spmm_forward, k::spmm_backward_input, k::spmm_backward_weight, w, x, dy, bias,
             dval0, B);
}

Outputs run_cpu(const Sparse& w, const std::vector<float>& x, const std::vector<float>& dy,
                const std::vector<float>& bias, const std::vector<float>& dval0, int64_t B) {
  namespace k = joule::kernels::cpu;
  return run(k::spmm_forward, k::spmm_backward_input, k::spmm_backward_weight, w, x, dy, bias,
             dval0, B);
}

// The same three products computed densely in double from the (OUT, IN) matrix.
Outputs run_dense(const Sparse& w, const std::vector<float>& x, const std::vector<float>& dy,
                  const std::vector<float>& bias, const std::vector<float>& dval0, int64_t B) {
  const std::vector<double> W = dense_of(w);
  const int64_t IN = w.in, OUT = w.out;
  std::vector<double> y(static_cast<size_t>(B * OUT)), yn(y.size());
  std::vector<double> dx(static_cast<size_t>(B * IN));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t o = 0; o < OUT; ++o) {
      double s = 0;
      for (int64_t i = 0; i < IN; ++i) s += W[o * IN + i] * x[b * IN + i];
      yn[b * OUT + o] = s;
      y[b * OUT + o] = s + bias[o];
    }
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < IN; ++i) {
      double s = 0;
      for (int64_t o = 0; o < OUT; ++o) s += dy[b * OUT + o] * W[o * IN + i];
      dx[b * IN + i] = s;
    }
  Outputs r;
  r.y = to_float(y);
  r.y_nobias = to_float(yn);
  r.dx = to_float(dx);
  // dW = dy^T x, read at the stored entries only.
  for (int64_t o = 0; o < OUT; ++o)
    for (int64_t k = w.row_ptr[o]; k < w.row_ptr[o + 1]; ++k) {
      double s = 0;
      for (int64_t b = 0; b < B; ++b)
        s += static_cast<double>(dy[b * OUT + o]) * x[b * IN + w.col[k]];
      r.dval.push_back(static_cast<float>(s));
      r.dval_acc.push_back(dval0[k] + static_cast<float>(s));
    }
  return r;
}

void expect_outputs_close(const Outputs& got, const Outputs& want, int64_t B, int64_t IN,
                          int64_t OUT) {
  EXPECT_TRUE(all_close(got.y, want.y, sum_tol(IN + 1))) << "spmm_forward with bias";
  EXPECT_TRUE(all_close(got.y_nobias, want.y_nobias, sum_tol(IN))) << "spmm_forward, no bias";
  EXPECT_TRUE(all_close(got.dx, want.dx, sum_tol(OUT))) << "spmm_backward_input";
  EXPECT_TRUE(all_close(got.dval, want.dval, sum_tol(B))) << "spmm_backward_weight";
  EXPECT_TRUE(all_close(got.dval_acc, want.dval_acc, sum_tol(B + 1)))
      << "spmm_backward_weight, accumulate";
}

// Shapes (B, IN, OUT): odd batches, several 128-sample tiles (300 = 128 + 128 + 44), a single
// input or output feature, a narrow layer (300 -> 3, whose sparse forward skips the batch-major
// copy), and sizes that reach the kernels' OpenMP threshold.
struct Dims {
  int64_t B, IN, OUT;
};
const std::vector<Dims> kDims = {{1, 37, 53},   {7, 53, 37},    {16, 20, 1},
                                 {129, 1, 20},  {33, 64, 64},   {300, 45, 29},
                                 {33, 300, 3},  {129, 200, 300}};

template <class Check>
void for_each_case(uint32_t seed, Check check) {
  for (const Dims& d : kDims) {
    for (const Case& c : patterns(d.OUT, d.IN, seed)) {
      SCOPED_TRACE(describe(c.name, d.B, d.IN, d.OUT));
      const std::vector<float> x = uniform(d.B * d.IN, seed + 10);
      const std::vector<float> dy = uniform(d.B * d.OUT, seed + 11);
      const std::vector<float> bias = uniform(d.OUT, seed + 12);
      const std::vector<float> dval0 = uniform(c.w.nnz(), seed + 13);
      check(c.w, x, dy, bias, dval0, d.B);
    }
    seed += 100;
  }
}

TEST(KernelSparse, ReferenceMatchesDenseProducts) {
  for_each_case(1, [](const Sparse& w, const auto& x, const auto& dy, const auto& bias,
                      const auto& dval0, int64_t B) {
    expect_outputs_close(run_ref(w, x, dy, bias, dval0, B), run_dense(w, x, dy, bias, dval0, B),
                         B, w.in, w.out);
  });
}

TEST(KernelSparse, CpuMatchesReference) {
  for_each_case(2, [](const Sparse& w, const auto& x, const auto& dy, const auto& bias,
                      const auto& dval0, int64_t B) {
    expect_outputs_close(run_cpu(w, x, dy, bias, dval0, B), run_ref(w, x, dy, bias, dval0, B), B,
                         w.in, w.out);
  });
}

// Called from inside an OpenMP region, each thread on its own inputs: the kernels then run on
// one thread each with per-thread scratch buffers, and must give every thread its own answer.
TEST(KernelSparse, CpuFromInsideAParallelRegionMatchesReference) {
  const int64_t B = 45, IN = 150, OUT = 120;
  constexpr int kThreads = 4;
  std::vector<Sparse> ws;
  std::vector<std::vector<float>> xs, dys, biases, dval0s;
  for (int t = 0; t < kThreads; ++t) {
    ws.push_back(make_sparse(OUT, IN, 0.1 + 0.2 * t, 40 + t));
    xs.push_back(uniform(B * IN, 50 + t));
    dys.push_back(uniform(B * OUT, 60 + t));
    biases.push_back(uniform(OUT, 70 + t));
    dval0s.push_back(uniform(ws.back().nnz(), 80 + t));
  }
  std::vector<Outputs> got(kThreads);
#pragma omp parallel for num_threads(kThreads) schedule(static, 1)
  for (int t = 0; t < kThreads; ++t)
    got[t] = run_cpu(ws[t], xs[t], dys[t], biases[t], dval0s[t], B);
  for (int t = 0; t < kThreads; ++t) {
    SCOPED_TRACE("thread " + std::to_string(t));
    expect_outputs_close(got[t], run_ref(ws[t], xs[t], dys[t], biases[t], dval0s[t], B), B, IN,
                         OUT);
  }
}

// An empty batch writes nothing in the forward and input-gradient kernels; the weight gradient
// of an empty batch is zero (overwrite) or leaves dval as it was (accumulate).
TEST(KernelSparse, EmptyBatch) {
  const Sparse w = make_sparse(9, 11, 0.5, 3);
  ASSERT_GT(w.nnz(), 0);
  const std::vector<float> bias = uniform(w.out, 4);
  std::vector<float> y(4, 7.f), dx(4, 7.f), dval(static_cast<size_t>(w.nnz()), kNaN);
  const std::vector<float> dval0 = uniform(w.nnz(), 5);
  std::vector<float> dval_acc = dval0;
  namespace k = joule::kernels::cpu;
  k::spmm_forward(y.data(), nullptr, w.row_ptr.data(), w.col.data(), w.val.data(), bias.data(), 0,
                  w.in, w.out);
  k::spmm_backward_input(dx.data(), nullptr, w.col_ptr.data(), w.row.data(), w.perm.data(),
                         w.val.data(), 0, w.in, w.out);
  k::spmm_backward_weight(dval.data(), nullptr, nullptr, w.row_ptr.data(), w.col.data(), 0, w.in,
                          w.out, false);
  k::spmm_backward_weight(dval_acc.data(), nullptr, nullptr, w.row_ptr.data(), w.col.data(), 0,
                          w.in, w.out, true);
  EXPECT_EQ(y, std::vector<float>(4, 7.f));
  EXPECT_EQ(dx, std::vector<float>(4, 7.f));
  EXPECT_EQ(dval, std::vector<float>(dval.size(), 0.f));
  EXPECT_EQ(dval_acc, dval0);
}

}  // namespace
