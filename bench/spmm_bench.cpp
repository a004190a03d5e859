// spmm_bench: the sparse-weight kernels (kernels/cpu/sparse.h) on the layers of the MLPs
// 784-2048-2048-10 and 784-256-128-10 at batch 128 and sparsity 0 (every entry stored), 50, 80,
// 90, 95 and 99% (random patterns, each entry kept with probability 1 - sparsity), beside
//  - Eigen 3.4, W as Eigen::SparseMatrix<float, RowMajor> on the same pattern, with the same
//    inputs and outputs as Joule's kernels (row-major x, dy, y, dx), two ways:
//      eigen_rowmajor:   the plain expressions y = x W^T and dx = dy W on row-major maps;
//      eigen_transposed: Eigen's fast row-major sparse x row-major dense product on transposed
//                        copies, the transposes timed: y = (W x^T)^T, dx = (W^T dy^T)^T with
//                        W^T stored as its own RowMajor matrix (built untimed);
//    and eigen-kernel: that product alone, its operands transposed beforehand (untimed), a
//    lower bound for Eigen. Eigen runs the row-major products on its OpenMP threads.
//  - dense: kernels::cpu::gemm on the dense shape (time independent of sparsity).
//  - ref: the naive kernels::ref twins (one thread), whose outputs also check joule's.
// Eigen has no sampled product (SDDMM): backward_weight is joule, ref and dense only.
// The implementations of one shape and op are timed in alternation, medians reported.
// GFLOP/s are effective: 2 nnz B per call for the sparse kernels, 2 IN OUT B for dense.
//
// Output, key=value lines:
//   spmm_bench threads=2 samples=7 batch=128 eigen=3.4.0
//   check net=... layer=fc2 sparsity=0.90 nnz=... max_rel_err=...   (joule vs ref, all 3 ops)
//   spmm net=... layer=fc2 in=2048 out=2048 sparsity=0.90 nnz=... op=forward impl=joule
//        ms=... gflops=...
//   step net=... sparsity=0.90 joule_ms=... dense_ms=... speedup=...   (the three kernels of
//        every layer of one training step; no input gradient for the first layer)
// Exits 1 when joule and ref disagree, 2 on a bad flag. Usage: spmm_bench [--threads N]
//   [--samples N] [--ref-samples N] [--batch N] [--csv PATH] [--no-ref]
#include <omp.h>

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "common/cli.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/sparse.h"
#include "kernels/reference/sparse.h"

namespace {

namespace cpu = joule::kernels::cpu;
namespace ref = joule::kernels::ref;

struct Layer {
  const char* net;
  const char* name;
  int64_t in, out;
};
const std::vector<Layer> kLayers = {
    {"784-2048-2048-10", "fc1", 784, 2048}, {"784-2048-2048-10", "fc2", 2048, 2048},
    {"784-2048-2048-10", "fc3", 2048, 10},  {"784-256-128-10", "fc1", 784, 256},
    {"784-256-128-10", "fc2", 256, 128},    {"784-256-128-10", "fc3", 128, 10}};
const std::vector<double> kSparsities = {0.0, 0.5, 0.8, 0.9, 0.95, 0.99};
const char* const kOps[] = {"forward", "backward_input", "backward_weight"};

// W (OUT, IN) in CSR and its CSC view, as kernels/sparse.inc describes them.
struct Pattern {
  int64_t out = 0, in = 0;
  std::vector<int64_t> row_ptr, col, col_ptr, row, perm;
  std::vector<float> val;
  int64_t nnz() const { return static_cast<int64_t>(col.size()); }
};

Pattern random_pattern(int64_t out, int64_t in, double density, uint32_t seed) {
  Pattern p;
  p.out = out;
  p.in = in;
  std::mt19937 gen(seed);
  std::bernoulli_distribution keep(density);
  std::uniform_real_distribution<float> value(-0.1f, 0.1f);
  p.row_ptr.push_back(0);
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t i = 0; i < in; ++i)
      if (keep(gen)) {
        p.col.push_back(i);
        p.val.push_back(value(gen));
      }
    p.row_ptr.push_back(p.nnz());
  }
  p.col_ptr.assign(static_cast<size_t>(in + 1), 0);
  for (int64_t c : p.col) ++p.col_ptr[c + 1];
  for (int64_t i = 0; i < in; ++i) p.col_ptr[i + 1] += p.col_ptr[i];
  std::vector<int64_t> next(p.col_ptr.begin(), p.col_ptr.end() - 1);
  p.row.resize(p.col.size());
  p.perm.resize(p.col.size());
  for (int64_t o = 0; o < out; ++o)
    for (int64_t k = p.row_ptr[o]; k < p.row_ptr[o + 1]; ++k) {
      const int64_t at = next[p.col[k]]++;
      p.row[at] = o;
      p.perm[at] = k;
    }
  return p;
}

std::vector<float> random_values(int64_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(gen);
  return v;
}

using Clock = std::chrono::steady_clock;

double seconds(const std::function<void()>& f, int calls) {
  const auto start = Clock::now();
  for (int i = 0; i < calls; ++i) f();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Median seconds per call of each function, timed in alternation: each first warms up by doubling
// its calls per sample until a sample lasts 20 ms, then `samples` rounds time each in turn.
std::vector<double> time_alternating(const std::vector<std::function<void()>>& fns, int samples) {
  std::vector<int> calls(fns.size(), 1);
  for (size_t j = 0; j < fns.size(); ++j)
    while (seconds(fns[j], calls[j]) < 0.02 && calls[j] < (1 << 20)) calls[j] *= 2;
  std::vector<std::vector<double>> per_call(fns.size());
  for (int s = 0; s < samples; ++s)
    for (size_t j = 0; j < fns.size(); ++j)
      per_call[j].push_back(seconds(fns[j], calls[j]) / calls[j]);
  std::vector<double> out;
  for (const auto& v : per_call) out.push_back(median(v));
  return out;
}

// Largest |got - want| over the largest |want| (1 if all zero).
double rel_err(const std::vector<float>& got, const std::vector<float>& want) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double d = std::fabs(static_cast<double>(got[i]) - want[i]);
    diff = std::isnan(d) ? INFINITY : std::max(diff, d);
    scale = std::max(scale, std::fabs(static_cast<double>(want[i])));
  }
  return diff / (scale > 0 ? scale : 1.0);
}

struct Options {
  int threads = omp_get_max_threads();
  int samples = 7;
  int ref_samples = 1;
  int64_t batch = 128;
  bool ref = true;
  const char* csv = nullptr;
};

struct Row {
  std::string net, layer;
  int64_t in, out, batch;
  double sparsity;
  int64_t nnz;
  std::string op, impl;
  double ms, gflops;
};

class Report {
 public:
  explicit Report(const char* csv_path) : csv_path_(csv_path) {}

  void add(const Layer& l, int64_t batch, double sparsity, int64_t nnz, const char* op,
           const char* impl, double sec, double flop) {
    rows_.push_back({l.net, l.name, l.in, l.out, batch, sparsity, nnz, op, impl, sec * 1e3,
                     flop / sec / 1e9});
    const Row& r = rows_.back();
    std::printf(
        "spmm net=%s layer=%s in=%lld out=%lld sparsity=%.2f nnz=%lld op=%s impl=%s ms=%.4f "
        "gflops=%.2f\n",
        r.net.c_str(), r.layer.c_str(), static_cast<long long>(r.in),
        static_cast<long long>(r.out), r.sparsity, static_cast<long long>(r.nnz), r.op.c_str(),
        r.impl.c_str(), r.ms, r.gflops);
    std::fflush(stdout);
  }

  // Milliseconds of impl for (net, layer, sparsity, op); negative when not measured.
  double ms(const std::string& net, const std::string& layer, double sparsity,
            const std::string& op, const std::string& impl) const {
    for (const Row& r : rows_)
      if (r.net == net && r.layer == layer && r.sparsity == sparsity && r.op == op &&
          r.impl == impl)
        return r.ms;
    return -1;
  }

  bool write_csv() const {
    if (!csv_path_) return true;
    FILE* f = std::fopen(csv_path_, "w");
    if (!f) return false;
    std::fprintf(f, "net,layer,in,out,batch,sparsity,nnz,op,impl,ms,gflops\n");
    for (const Row& r : rows_)
      std::fprintf(f, "%s,%s,%lld,%lld,%lld,%.2f,%lld,%s,%s,%.5f,%.3f\n", r.net.c_str(),
                   r.layer.c_str(), static_cast<long long>(r.in), static_cast<long long>(r.out),
                   static_cast<long long>(r.batch), r.sparsity, static_cast<long long>(r.nnz),
                   r.op.c_str(), r.impl.c_str(), r.ms, r.gflops);
    return std::fclose(f) == 0;
  }

 private:
  const char* csv_path_;
  std::vector<Row> rows_;
};

using SpMat = Eigen::SparseMatrix<float, Eigen::RowMajor>;
using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

SpMat to_eigen(const Pattern& p) {
  std::vector<Eigen::Triplet<float>> t;
  t.reserve(static_cast<size_t>(p.nnz()));
  for (int64_t o = 0; o < p.out; ++o)
    for (int64_t k = p.row_ptr[o]; k < p.row_ptr[o + 1]; ++k)
      t.emplace_back(static_cast<int>(o), static_cast<int>(p.col[k]), p.val[k]);
  SpMat m(p.out, p.in);
  m.setFromTriplets(t.begin(), t.end());
  m.makeCompressed();
  return m;
}

// The three kernels of one layer at one sparsity: check joule against ref, then time them.
// Returns false when the check fails.
bool bench_layer(const Layer& l, double sparsity, const Options& opt, Report& report) {
  const int64_t B = opt.batch, IN = l.in, OUT = l.out;
  const Pattern p = random_pattern(OUT, IN, 1.0 - sparsity, 7);
  const int64_t nnz = p.nnz();
  const std::vector<float> x = random_values(B * IN, 1), dy = random_values(B * OUT, 2);
  const std::vector<float> bias = random_values(OUT, 3);
  std::vector<float> y(static_cast<size_t>(B * OUT)), dx(static_cast<size_t>(B * IN));
  std::vector<float> dval(static_cast<size_t>(nnz));
  std::vector<float> y_ref = y, dx_ref = dx, dval_ref = dval;

  // Each returns a call of kernel f writing into out (a pointer, captured by value).
  auto fwd = [&](auto* f, std::vector<float>& out_vec) {
    float* out = out_vec.data();
    return [&, f, out] { f(out, x.data(), p.row_ptr.data(), p.col.data(), p.val.data(),
                      bias.data(), B, IN, OUT); };
  };
  auto bwd_in = [&](auto* f, std::vector<float>& out_vec) {
    float* out = out_vec.data();
    return [&, f, out] { f(out, dy.data(), p.col_ptr.data(), p.row.data(), p.perm.data(),
                      p.val.data(), B, IN, OUT); };
  };
  auto bwd_w = [&](auto* f, std::vector<float>& out_vec) {
    float* out = out_vec.data();
    return [&, f, out] { f(out, dy.data(), x.data(), p.row_ptr.data(), p.col.data(), B, IN,
                      OUT, false); };
  };
  const std::function<void()> joule[3] = {fwd(cpu::spmm_forward, y),
                                          bwd_in(cpu::spmm_backward_input, dx),
                                          bwd_w(cpu::spmm_backward_weight, dval)};
  const std::function<void()> naive[3] = {fwd(ref::spmm_forward, y_ref),
                                          bwd_in(ref::spmm_backward_input, dx_ref),
                                          bwd_w(ref::spmm_backward_weight, dval_ref)};
  for (int op = 0; op < 3; ++op) {
    joule[op]();
    naive[op]();
  }
  const double err =
      std::max({rel_err(y, y_ref), rel_err(dx, dx_ref), rel_err(dval, dval_ref)});
  std::printf("check net=%s layer=%s sparsity=%.2f nnz=%lld max_rel_err=%.3g\n", l.net, l.name,
              sparsity, static_cast<long long>(nnz), err);
  if (!(err <= 1e-5)) return false;

  // Eigen's operands: maps of the row-major buffers, and batch-major copies.
  const SpMat W = to_eigen(p);
  const SpMat Wt = W.transpose();
  using Map = Eigen::Map<RowMat>;
  using ConstMap = Eigen::Map<const RowMat>;
  const ConstMap xm(x.data(), B, IN), dym(dy.data(), B, OUT);
  Map ym(y.data(), B, OUT), dxm(dx.data(), B, IN);
  RowMat xt = xm.transpose(), dyt = dym.transpose(), yt(OUT, B), dxt(IN, B);
  // Dense twins: W (OUT, IN) dense, dW (OUT, IN).
  std::vector<float> wd(static_cast<size_t>(OUT * IN), 0.f), dwd(wd.size());
  for (int64_t o = 0; o < OUT; ++o)
    for (int64_t k = p.row_ptr[o]; k < p.row_ptr[o + 1]; ++k) wd[o * IN + p.col[k]] = p.val[k];
  const std::function<void()> dense[3] = {
      [&] { cpu::gemm(false, true, B, OUT, IN, 1.f, x.data(), IN, wd.data(), IN, 0.f, y.data(),
                      OUT); },
      [&] { cpu::gemm(false, false, B, IN, OUT, 1.f, dy.data(), OUT, wd.data(), IN, 0.f,
                      dx.data(), IN); },
      [&] { cpu::gemm(true, false, OUT, IN, B, 1.f, dy.data(), OUT, x.data(), IN, 0.f,
                      dwd.data(), IN); }};
  const std::function<void()> eigen_rowmajor[2] = {[&] { ym.noalias() = xm * W.transpose(); },
                                                   [&] { dxm.noalias() = dym * W; }};
  const std::function<void()> eigen_transposed[2] = {[&] {
                                                       xt = xm.transpose();
                                                       yt.noalias() = W * xt;
                                                       ym = yt.transpose();
                                                     },
                                                     [&] {
                                                       dyt = dym.transpose();
                                                       dxt.noalias() = Wt * dyt;
                                                       dxm = dxt.transpose();
                                                     }};
  const std::function<void()> eigen_kernel[2] = {[&] { yt.noalias() = W * xt; },
                                                 [&] { dxt.noalias() = Wt * dyt; }};

  const double sparse_flop = 2.0 * static_cast<double>(nnz) * B;
  const double dense_flop = 2.0 * static_cast<double>(IN) * OUT * B;
  for (int op = 0; op < 3; ++op) {
    std::vector<std::function<void()>> fns = {joule[op]};
    std::vector<const char*> names = {"joule"};
    if (op < 2) {
      fns.insert(fns.end(), {eigen_rowmajor[op], eigen_transposed[op], eigen_kernel[op]});
      names.insert(names.end(), {"eigen_rowmajor", "eigen_transposed", "eigen-kernel"});
    }
    if (sparsity == 0.0) {
      fns.push_back(dense[op]);
      names.push_back("dense");
    }
    const std::vector<double> sec = time_alternating(fns, opt.samples);
    for (size_t j = 0; j < fns.size(); ++j)
      report.add(l, B, sparsity, nnz, kOps[op], names[j], sec[j],
                 std::strcmp(names[j], "dense") == 0 ? dense_flop : sparse_flop);
    if (opt.ref) {
      std::vector<double> ref_sec;
      for (int s = 0; s < opt.ref_samples; ++s) ref_sec.push_back(seconds(naive[op], 1));
      report.add(l, B, sparsity, nnz, kOps[op], "ref", median(ref_sec), sparse_flop);
    }
  }
  return true;
}

// One training step's kernel time per net and sparsity: forward and weight gradient of every
// layer, input gradient of every layer but the first.
void print_steps(const Report& report) {
  std::map<std::string, std::vector<const Layer*>> nets;
  for (const Layer& l : kLayers) nets[l.net].push_back(&l);
  for (const auto& [net, layers] : nets) {
    double dense = 0;
    for (size_t i = 0; i < layers.size(); ++i)
      for (int op = 0; op < 3; ++op)
        if (op != 1 || i > 0) dense += report.ms(net, layers[i]->name, 0.0, kOps[op], "dense");
    for (double s : kSparsities) {
      double joule = 0;
      for (size_t i = 0; i < layers.size(); ++i)
        for (int op = 0; op < 3; ++op)
          if (op != 1 || i > 0) joule += report.ms(net, layers[i]->name, s, kOps[op], "joule");
      std::printf("step net=%s sparsity=%.2f joule_ms=%.4f dense_ms=%.4f speedup=%.2f\n",
                  net.c_str(), s, joule, dense, dense / joule);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  joule::examples::Cli cli("spmm_bench", "The sparse-weight kernels against Eigen, dense GEMM and "
                                         "the naive reference on the MLP layers.");
  joule::examples::add_threads_flag(cli);
  cli.int_flag("samples", "7", "timed runs per kernel (the median is reported)",
               {.min = 1, .max = 1000})
      .int_flag("ref-samples", "1", "timed runs of the naive reference", {.min = 1, .max = 1000})
      .int_flag("batch", "128", "rows of the activations", {.min = 1, .max = 1 << 20})
      .flag("csv", "", "write the rows as CSV here ('' writes none)")
      .toggle("no-ref", "skip timing the naive reference");
  cli.parse_or_exit(argc, argv);
  Options opt;
  opt.threads = joule::examples::set_threads(cli.i64("threads"));
  opt.samples = static_cast<int>(cli.i64("samples"));
  opt.ref_samples = static_cast<int>(cli.i64("ref-samples"));
  opt.batch = cli.i64("batch");
  opt.ref = !cli.on("no-ref");
  const std::string csv = cli.str("csv");
  opt.csv = csv.empty() ? nullptr : csv.c_str();
  Eigen::setNbThreads(opt.threads);
  std::printf("spmm_bench threads=%d samples=%d batch=%lld eigen=%d.%d.%d\n", opt.threads,
              opt.samples, static_cast<long long>(opt.batch), EIGEN_WORLD_VERSION,
              EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION);

  Report report(opt.csv);
  for (const Layer& l : kLayers)
    for (double s : kSparsities)
      if (!bench_layer(l, s, opt, report)) {
        std::fprintf(stderr, "spmm_bench: joule and ref disagree on %s %s at sparsity %.2f\n",
                     l.net, l.name, s);
        return 1;
      }
  print_steps(report);
  if (!report.write_csv()) {
    std::fprintf(stderr, "spmm_bench: cannot write %s\n", opt.csv);
    return 1;
  }
  return 0;
}
