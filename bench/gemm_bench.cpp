// gemm_bench: times joule::kernels::cpu::gemm at 2048^3 and at the GEMM shapes of one training
// step of the Fashion-MNIST MLP (784-256-128-10, batch 128), times the naive kernels::ref::gemm
// on the MLP shapes, and first checks cpu against ref on small odd shapes. key=value lines:
//   gemm_bench threads=2 samples=7 kernel=joule::kernels::cpu::gemm
//   check shapes=37x29x41 transposes=all max_abs_err=1.91e-06
//   gemm name=square m=2048 n=2048 k=2048 ta=0 tb=0 gflops=96.86 ms=177.3756
//   gemm name=fc1.forward m=128 n=256 k=784 ta=0 tb=1 gflops=... ms=...   (one per MLP shape)
//   ref name=fc1.forward m=128 n=256 k=784 ta=0 tb=1 gflops=1.83 ms=28.1400
//   mlp_step kernel=gemm batch=128 gflop=0.1289 ms=... gflops=...   (all MLP shapes of a step)
// Exits 1 if cpu and ref disagree, 2 on a bad flag. Usage: gemm_bench [--threads N] [--samples N]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/cli.h"
#include "kernels/cpu/gemm.h"
#include "kernels/reference/gemm.h"

namespace {

using GemmFn = void (*)(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                        const float*, int64_t, float, float*, int64_t);

struct Shape {
  const char* name;
  bool trans_a, trans_b;
  int64_t m, n, k;
};

// One training step of Linear(784,256) -> ReLU -> Linear(256,128) -> ReLU -> Linear(128,10) on a
// batch of 128. A Linear keeps w as (OUT, IN): forward y = x wᵀ (B,OUT), weight gradient
// dw = gᵀ x (OUT,IN), input gradient dx = g w (B,IN); layer 1 needs no input gradient.
constexpr int64_t kBatch = 128;
const std::vector<Shape> kMlpShapes = {
    {"fc1.forward", false, true, kBatch, 256, 784},
    {"fc2.forward", false, true, kBatch, 128, 256},
    {"fc3.forward", false, true, kBatch, 10, 128},
    {"fc3.weight_grad", true, false, 10, 128, kBatch},
    {"fc3.input_grad", false, false, kBatch, 128, 10},
    {"fc2.weight_grad", true, false, 128, 256, kBatch},
    {"fc2.input_grad", false, false, kBatch, 256, 128},
    {"fc1.weight_grad", true, false, 256, 784, kBatch},
};

// Deterministic values in [-1, 1).
std::vector<float> random_values(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t state = seed;
  for (float& x : v) {
    state = state * 1664525u + 1013904223u;
    x = static_cast<float>(state >> 8) / static_cast<float>(1u << 23) - 1.f;
  }
  return v;
}

// Operands of one shape, row-major and tightly packed (lda = columns of A as stored).
struct Operands {
  std::vector<float> a, b, c;
  int64_t lda, ldb, ldc;
  explicit Operands(const Shape& s)
      : a(random_values(static_cast<size_t>(s.m * s.k), 1)),
        b(random_values(static_cast<size_t>(s.k * s.n), 2)),
        c(static_cast<size_t>(s.m * s.n), 0.f),
        lda(s.trans_a ? s.m : s.k),
        ldb(s.trans_b ? s.k : s.n),
        ldc(s.n) {}
  void call(GemmFn fn, const Shape& s) {
    fn(s.trans_a, s.trans_b, s.m, s.n, s.k, 1.f, a.data(), lda, b.data(), ldb, 0.f, c.data(), ldc);
  }
};

// Seconds for `calls` back-to-back calls.
double time_calls(GemmFn fn, Operands& ops, const Shape& s, int calls) {
  const auto start = std::chrono::steady_clock::now();
  for (int j = 0; j < calls; ++j) ops.call(fn, s);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Median seconds per call over `samples` samples. Warm-up doubles the number of calls per sample
// until a sample lasts at least 20 ms (page faults, the thread pool and caches settle meanwhile).
double time_gemm(GemmFn fn, const Shape& s, int samples) {
  Operands ops(s);
  int calls = 1;
  while (time_calls(fn, ops, s, calls) < 0.02 && calls < (1 << 20)) calls *= 2;

  std::vector<double> per_call;
  for (int i = 0; i < samples; ++i) per_call.push_back(time_calls(fn, ops, s, calls) / calls);
  std::sort(per_call.begin(), per_call.end());
  return per_call[per_call.size() / 2];
}

double flop(const Shape& s) { return 2.0 * static_cast<double>(s.m) * s.n * s.k; }

void report(const char* kernel, const Shape& s, double sec) {
  std::printf("%s name=%s m=%lld n=%lld k=%lld ta=%d tb=%d gflops=%.2f ms=%.4f\n", kernel, s.name,
              static_cast<long long>(s.m), static_cast<long long>(s.n),
              static_cast<long long>(s.k), s.trans_a ? 1 : 0, s.trans_b ? 1 : 0,
              flop(s) / sec / 1e9, sec * 1e3);
  std::fflush(stdout);
}

// Largest |cpu - ref| over every transpose combination on odd sizes, with padded leading
// dimensions, alpha != 1 and beta != 0 (so C's old contents matter).
float check_against_reference() {
  const int64_t m = 37, n = 29, k = 41, pad = 3;
  float worst = 0.f;
  for (int ta = 0; ta < 2; ++ta) {
    for (int tb = 0; tb < 2; ++tb) {
      const int64_t a_rows = ta ? k : m, a_cols = ta ? m : k;
      const int64_t b_rows = tb ? n : k, b_cols = tb ? k : n;
      const int64_t lda = a_cols + pad, ldb = b_cols + pad, ldc = n + pad;
      const auto a = random_values(static_cast<size_t>(a_rows * lda), 3);
      const auto b = random_values(static_cast<size_t>(b_rows * ldb), 4);
      auto c_cpu = random_values(static_cast<size_t>(m * ldc), 5);
      auto c_ref = c_cpu;
      joule::kernels::cpu::gemm(ta, tb, m, n, k, 1.5f, a.data(), lda, b.data(), ldb, 0.5f,
                                c_cpu.data(), ldc);
      joule::kernels::ref::gemm(ta, tb, m, n, k, 1.5f, a.data(), lda, b.data(), ldb, 0.5f,
                                c_ref.data(), ldc);
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
          const float d = std::fabs(c_cpu[i * ldc + j] - c_ref[i * ldc + j]);
          worst = std::max(worst, std::isnan(d) ? INFINITY : d);
        }
      }
    }
  }
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  joule::examples::Cli cli("gemm_bench", "Time kernels::cpu::gemm against kernels::ref::gemm.");
  joule::examples::add_threads_flag(cli);
  cli.int_flag("samples", "7", "timed runs per shape (the median is reported)",
               {.min = 1, .max = 1000});
  cli.parse_or_exit(argc, argv);
  const int threads = joule::examples::set_threads(cli.i64("threads"));
  const int samples = static_cast<int>(cli.i64("samples"));
  std::printf("gemm_bench threads=%d samples=%d kernel=joule::kernels::cpu::gemm\n", threads,
              samples);

  const float err = check_against_reference();
  std::printf("check shapes=37x29x41 transposes=all max_abs_err=%.3g\n", err);
  if (!(err <= 1e-4f)) {
    std::fprintf(stderr, "gemm_bench: kernels::cpu::gemm differs from kernels::ref::gemm by %g\n",
                 static_cast<double>(err));
    return 1;
  }

  report("gemm", {"square", false, false, 2048, 2048, 2048},
         time_gemm(joule::kernels::cpu::gemm, {"square", false, false, 2048, 2048, 2048},
                   samples));

  double step_flop = 0, step_gemm = 0, step_ref = 0;
  for (const Shape& s : kMlpShapes) {
    const double sec = time_gemm(joule::kernels::cpu::gemm, s, samples);
    report("gemm", s, sec);
    step_flop += flop(s);
    step_gemm += sec;
  }
  for (const Shape& s : kMlpShapes) {
    const double sec = time_gemm(joule::kernels::ref::gemm, s, std::min(samples, 3));
    report("ref", s, sec);
    step_ref += sec;
  }
  std::printf("mlp_step kernel=gemm batch=%lld gflop=%.4f ms=%.4f gflops=%.2f\n",
              static_cast<long long>(kBatch), step_flop / 1e9, step_gemm * 1e3,
              step_flop / step_gemm / 1e9);
  std::printf("mlp_step kernel=ref batch=%lld gflop=%.4f ms=%.4f gflops=%.2f\n",
              static_cast<long long>(kBatch), step_flop / 1e9, step_ref * 1e3,
              step_flop / step_ref / 1e9);
  return 0;
}
