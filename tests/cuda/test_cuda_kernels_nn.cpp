// kernels::cuda against kernels::cpu on the same inputs: softmax and the losses, GEMM, 2-D
// convolution, pooling and batch normalization (the cases of the CPU kernel tests, odd sizes,
// strides, paddings, dilations and groups). Tolerances, per family:
//   softmax, log-softmax, losses (double inside on both sides): abs 1e-6 + rel 1e-6;
//   GEMM, convolution (float sums of up to ~1000 products in another order): abs 1e-4 + rel 1e-4,
//   the weight gradient (sums of N*OH*OW products) abs 3e-5 * sqrt(N*OH*OW) + rel 1e-4;
//   max pooling: exact (values and indices); average pooling: abs 1e-6 + rel 1e-6;
//   batch normalization (double inside on both sides): abs 1e-5 + rel 1e-5.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cuda_test_util.h"

#ifdef JOULE_WITH_CUDA

#include "../kernels/kernel_test_util.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/norm.h"
#include "kernels/cpu/pool.h"
#include "kernels/cpu/softmax.h"
#include "kernels/cuda/conv.h"
#include "kernels/cuda/gemm.h"
#include "kernels/cuda/norm.h"
#include "kernels/cuda/pool.h"
#include "kernels/cuda/softmax.h"

namespace {

namespace cpu = joule::kernels::cpu;
namespace gpu = joule::kernels::cuda;
using joule::DType;
using joule::kernels::Conv2dDims;
using joule::kernels::Pool2dDims;
using joule::kernels::test::all_close;
using joule::kernels::test::normal;
using joule::kernels::test::Tol;
using joule::kernels::test::uniform;
using namespace joule::cuda_test;

constexpr Tol kDouble{1e-6, 1e-6};
constexpr Tol kSums{1e-4, 1e-4};
constexpr Tol kNorm{1e-5, 1e-5};

size_t sz(int64_t n) { return static_cast<size_t>(n); }

TEST(CudaKernelSoftmax, RowOpsMatchTheCpu) {
  JOULE_REQUIRE_CUDA();
  using Fwd = void (*)(float*, const float*, int64_t, int64_t);
  using Bwd = void (*)(float*, const float*, const float*, int64_t, int64_t);
  using GpuFwd = void (*)(float*, const float*, int64_t, int64_t, cudaStream_t);
  using GpuBwd = void (*)(float*, const float*, const float*, int64_t, int64_t, cudaStream_t);
  const Fwd cf[] = {cpu::softmax_forward, cpu::log_softmax_forward};
  const GpuFwd gf[] = {gpu::softmax_forward, gpu::log_softmax_forward};
  const Bwd cb[] = {cpu::softmax_backward, cpu::log_softmax_backward};
  const GpuBwd gb[] = {gpu::softmax_backward, gpu::log_softmax_backward};
  for (auto [M, N] : {std::pair<int64_t, int64_t>{1, 1}, {128, 10}, {33, 31}, {7, 1001}})
    for (int op = 0; op < 2; ++op) {
      const auto x = uniform(M * N, 21, -8.f, 8.f), dy = uniform(M * N, 22);
      std::vector<float> y(sz(M * N)), dx(sz(M * N));
      cf[op](y.data(), x.data(), M, N);
      cb[op](dx.data(), dy.data(), y.data(), M, N);
      const auto gy = gpu_buffer(M * N), gdx = gpu_buffer(M * N);
      gf[op](f(gy), f(on_gpu(x)), M, N, stream());
      gb[op](f(gdx), f(on_gpu(dy)), f(on_gpu(y)), M, N, stream());
      EXPECT_TRUE(all_close(host(gy), y, kDouble)) << "op " << op << " " << M << "x" << N;
      EXPECT_TRUE(all_close(host(gdx), dx, kDouble)) << "op " << op << " bwd " << M << "x" << N;
    }
}

TEST(CudaKernelSoftmax, CrossEntropyAndMseMatchTheCpu) {
  JOULE_REQUIRE_CUDA();
  for (auto [M, N] : {std::pair<int64_t, int64_t>{1, 2}, {128, 10}, {1000, 10}, {9, 100}}) {
    const auto logits = uniform(M * N, 23, -5.f, 5.f);
    std::vector<int64_t> labels(sz(M));
    for (int64_t i = 0; i < M; ++i) labels[sz(i)] = (i * 7 + 3) % N;
    std::vector<float> probs(sz(M * N)), d(sz(M * N));
    float loss = 0;
    int64_t cpu_bad = -1;
    cpu::cross_entropy_forward(&loss, &cpu_bad, probs.data(), logits.data(), labels.data(), M, N);
    cpu::cross_entropy_backward(d.data(), probs.data(), labels.data(), nullptr, 0.5f / M, M, N);

    // the loss, the first bad label and the upstream gradient stay on the GPU
    const auto gl = on_gpu(logits);
    const auto glab = on_gpu(labels);
    const auto gprobs = gpu_buffer(M * N), gd = gpu_buffer(M * N);
    const auto dloss = gpu_buffer(1), first_bad = gpu_buffer(1, DType::Int64);
    gpu::cross_entropy_forward(f(dloss), i64(first_bad), f(gprobs), f(gl), i64(glab), M, N,
                               stream());
    EXPECT_TRUE(all_close(host(dloss).data(), &loss, 1, kDouble)) << M << "x" << N;
    EXPECT_EQ(host_i64(first_bad)[0], M) << "no bad label";
    EXPECT_TRUE(all_close(host(gprobs), probs, kDouble));
    gpu::cross_entropy_backward(f(gd), f(gprobs), i64(glab), nullptr, 0.5f / M, M, N, stream());
    EXPECT_TRUE(all_close(host(gd), d, kDouble));
    gpu::cross_entropy_backward(f(gd), f(gprobs), i64(glab), f(on_gpu(std::vector<float>{0.5f})),
                                1.f / M, M, N, stream());
    EXPECT_TRUE(all_close(host(gd), d, kDouble));
  }
  // bad labels are reported (the first one) and never read out of bounds
  const auto bad = on_gpu(std::vector<int64_t>{1, 5, -1, 9});
  const auto dloss = gpu_buffer(1), first_bad = gpu_buffer(1, DType::Int64);
  gpu::cross_entropy_forward(f(dloss), i64(first_bad), f(gpu_buffer(12)),
                             f(on_gpu(uniform(12, 24))), i64(bad), 4, 3, stream());
  EXPECT_EQ(host_i64(first_bad)[0], 1);

  for (int64_t n : {1, 1000, 70003}) {
    const auto a = uniform(n, 25), b = uniform(n, 26);
    float want = 0;
    cpu::mse_forward(&want, a.data(), b.data(), n);
    std::vector<float> da(sz(n));
    cpu::mse_backward(da.data(), a.data(), b.data(), nullptr, 2.f / n, n);
    const auto ga = on_gpu(a), gb = on_gpu(b);
    const auto gloss = gpu_buffer(1);
    gpu::mse_forward(f(gloss), f(ga), f(gb), n, stream());
    EXPECT_TRUE(all_close(host(gloss).data(), &want, 1, kDouble)) << "mse n=" << n;
    const auto gda = gpu_buffer(n);
    gpu::mse_backward(f(gda), f(ga), f(gb), nullptr, 2.f / n, n, stream());
    EXPECT_TRUE(all_close(host(gda), da, kDouble)) << "mse backward n=" << n;
    gpu::mse_backward(f(gda), f(ga), f(gb), f(on_gpu(std::vector<float>{2.f})), 1.f / n, n,
                      stream());
    EXPECT_TRUE(all_close(host(gda), da, kDouble)) << "mse backward, device scale, n=" << n;
  }
}

TEST(CudaKernelGemm, EveryTransposeAndStrideMatchesTheCpu) {
  JOULE_REQUIRE_CUDA();
  struct Case {
    int64_t M, N, K;
  };
  for (Case c :
       {Case{1, 1, 1}, Case{128, 256, 784}, Case{33, 17, 1000}, Case{10, 128, 128}, Case{5, 7, 0}})
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (float beta : {0.f, 1.f}) {
          // operands with padded rows (ld larger than the row) to check leading dimensions
          const int64_t a_rows = ta ? c.K : c.M, a_cols = ta ? c.M : c.K;
          const int64_t b_rows = tb ? c.N : c.K, b_cols = tb ? c.K : c.N;
          const int64_t lda = a_cols + 3, ldb = b_cols + 2, ldc = c.N + 1;
          const auto A = uniform(std::max<int64_t>(a_rows * lda, 1), 27);
          const auto B = uniform(std::max<int64_t>(b_rows * ldb, 1), 28);
          const auto C0 = uniform(c.M * ldc, 29);
          auto want = C0;
          cpu::gemm(ta, tb, c.M, c.N, c.K, 0.7f, A.data(), lda, B.data(), ldb, beta, want.data(),
                    ldc);
          const auto gc = on_gpu(C0);
          gpu::gemm(ta, tb, c.M, c.N, c.K, 0.7f, f(on_gpu(A)), lda, f(on_gpu(B)), ldb, beta, f(gc),
                    ldc, stream());
          EXPECT_TRUE(all_close(host(gc), want, kSums))
              << c.M << "x" << c.N << "x" << c.K << " ta=" << ta << " tb=" << tb
              << " beta=" << beta;
        }
}

struct ConvCase {
  const char* name;
  int64_t N, C, H, W, OC, KH, KW, SH, SW, PH, PW, DH, DW, G;
};

template <class Dims>
Dims conv_dims(const ConvCase& c) {
  Dims d;
  d.N = c.N, d.C = c.C, d.H = c.H, d.W = c.W, d.OC = c.OC, d.KH = c.KH, d.KW = c.KW;
  d.SH = c.SH, d.SW = c.SW, d.PH = c.PH, d.PW = c.PW, d.DH = c.DH, d.DW = c.DW, d.G = c.G;
  d.OH = (c.H + 2 * c.PH - c.DH * (c.KH - 1) - 1) / c.SH + 1;
  d.OW = (c.W + 2 * c.PW - c.DW * (c.KW - 1) - 1) / c.SW + 1;
  return d;
}

TEST(CudaKernelConv, ForwardAndBackwardsMatchTheCpu) {
  JOULE_REQUIRE_CUDA();
  const ConvCase cases[] = {
      {"3x3 pad 1", 2, 3, 7, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1},
      {"stride 2x1, pad 1x0, groups 2", 3, 4, 11, 10, 6, 3, 2, 2, 1, 1, 0, 1, 1, 2},
      {"dilation 2x3, stride 1x2, groups 3", 2, 6, 9, 13, 3, 3, 2, 1, 2, 2, 1, 2, 3, 3},
      {"1x1 stride 2", 3, 5, 6, 7, 7, 1, 1, 2, 2, 0, 0, 1, 1, 1},
      {"depthwise 3x3 stride 2", 2, 4, 9, 8, 4, 3, 3, 2, 2, 1, 1, 1, 1, 4},
      {"kernel larger than input", 2, 2, 3, 2, 3, 5, 4, 1, 1, 2, 2, 1, 1, 1},
      {"example conv1 (1->16, 5x5, pad 2)", 64, 1, 28, 28, 16, 5, 5, 1, 1, 2, 2, 1, 1, 1},
      {"example conv2 (16->32, 5x5, pad 2)", 64, 16, 14, 14, 32, 5, 5, 1, 1, 2, 2, 1, 1, 1},
  };
  for (const ConvCase& c : cases) {
    const auto d = conv_dims<Conv2dDims>(c);
    const auto gd = conv_dims<Conv2dDims>(c);
    const auto x = uniform(d.N * d.C * d.H * d.W, 30);
    const auto w = uniform(d.OC * (d.C / d.G) * d.KH * d.KW, 31);
    const auto bias = uniform(d.OC, 32), dy = uniform(d.N * d.OC * d.OH * d.OW, 33);
    std::vector<float> y(dy.size()), dx(x.size()), dw(w.size()), db(bias.size());
    cpu::conv2d_forward(y.data(), x.data(), w.data(), bias.data(), d);
    cpu::conv2d_backward_input(dx.data(), dy.data(), w.data(), d);
    cpu::conv2d_backward_weight(dw.data(), dy.data(), x.data(), d);
    cpu::conv2d_backward_bias(db.data(), dy.data(), d);
    const auto gx = on_gpu(x), gw = on_gpu(w), gdy = on_gpu(dy);
    const auto gy = gpu_buffer(static_cast<int64_t>(y.size()));
    const auto gdx = gpu_buffer(static_cast<int64_t>(x.size()));
    const auto gdw = gpu_buffer(static_cast<int64_t>(w.size()));
    const auto gdb = gpu_buffer(d.OC);
    gpu::conv2d_forward(f(gy), f(gx), f(gw), f(on_gpu(bias)), gd, stream());
    gpu::conv2d_backward_input(f(gdx), f(gdy), f(gw), gd, stream());
    gpu::conv2d_backward_weight(f(gdw), f(gdy), f(gx), gd, stream());
    gpu::conv2d_backward_bias(f(gdb), f(gdy), gd, stream());
    EXPECT_TRUE(all_close(host(gy), y, kSums)) << c.name << ": forward";
    EXPECT_TRUE(all_close(host(gdx), dx, kSums)) << c.name << ": input gradient";
    // the weight gradient sums N*OH*OW products (12544 for conv2): abs 3e-5 * sqrt(count)
    const double count = static_cast<double>(d.N * d.OH * d.OW);
    EXPECT_TRUE(all_close(host(gdw), dw, Tol{3e-5 * std::sqrt(count), 1e-4}))
        << c.name << ": weight gradient";
    EXPECT_TRUE(all_close(host(gdb), db, kSums)) << c.name << ": bias gradient";
    const auto no_bias = gpu_buffer(static_cast<int64_t>(y.size()));
    cpu::conv2d_forward(y.data(), x.data(), w.data(), nullptr, d);
    gpu::conv2d_forward(f(no_bias), f(gx), f(gw), nullptr, gd, stream());
    EXPECT_TRUE(all_close(host(no_bias), y, kSums)) << c.name << ": forward without bias";
  }
}

struct PoolCase {
  const char* name;
  int64_t N, C, H, W, KH, KW, SH, SW, PH, PW;
};

template <class Dims>
Dims pool_dims(const PoolCase& c) {
  Dims d;
  d.N = c.N, d.C = c.C, d.H = c.H, d.W = c.W, d.KH = c.KH, d.KW = c.KW;
  d.SH = c.SH, d.SW = c.SW, d.PH = c.PH, d.PW = c.PW;
  d.OH = (c.H + 2 * c.PH - c.KH) / c.SH + 1;
  d.OW = (c.W + 2 * c.PW - c.KW) / c.SW + 1;
  return d;
}

TEST(CudaKernelPool, MaxAndAverageMatchTheCpu) {
  JOULE_REQUIRE_CUDA();
  const PoolCase cases[] = {
      {"2x2 stride 2, odd sizes", 2, 3, 7, 9, 2, 2, 2, 2, 0, 0},
      {"3x3 stride 2 pad 1", 3, 2, 11, 10, 3, 3, 2, 2, 1, 1},
      {"3x2 stride 1x2 pad 1x0", 2, 2, 8, 9, 3, 2, 1, 2, 1, 0},
      {"2x2 stride 1 (overlapping)", 1, 4, 5, 6, 2, 2, 1, 1, 0, 0},
      {"window = plane", 2, 3, 5, 4, 5, 4, 5, 4, 0, 0},
      {"example pool", 64, 16, 28, 28, 2, 2, 2, 2, 0, 0},
  };
  for (const PoolCase& c : cases) {
    const auto d = pool_dims<Pool2dDims>(c);
    const auto gd = pool_dims<Pool2dDims>(c);
    auto x = uniform(d.N * d.C * d.H * d.W, 34);
    x[1] = x[0];                                                // a tie
    x[x.size() / 2] = std::numeric_limits<float>::quiet_NaN();  // NaN wins its window
    const auto dy = uniform(d.N * d.C * d.OH * d.OW, 35);
    std::vector<float> y(dy.size()), dx(x.size()), ay(dy.size()), adx(x.size());
    std::vector<int64_t> idx(dy.size());
    cpu::max_pool2d_forward(y.data(), idx.data(), x.data(), d);
    cpu::max_pool2d_backward(dx.data(), dy.data(), idx.data(), d);
    cpu::avg_pool2d_forward(ay.data(), x.data(), d);
    cpu::avg_pool2d_backward(adx.data(), dy.data(), d);
    const auto gx = on_gpu(x), gdy = on_gpu(dy);
    const int64_t ny = static_cast<int64_t>(y.size()), nx = static_cast<int64_t>(x.size());
    const auto gy = gpu_buffer(ny), gidx = gpu_buffer(ny, DType::Int64), gdx = gpu_buffer(nx);
    const auto gay = gpu_buffer(ny), gadx = gpu_buffer(nx);
    gpu::max_pool2d_forward(f(gy), i64(gidx), f(gx), gd, stream());
    gpu::max_pool2d_backward(f(gdx), f(gdy), i64(gidx), gd, stream());
    gpu::avg_pool2d_forward(f(gay), f(gx), gd, stream());
    gpu::avg_pool2d_backward(f(gadx), f(gdy), gd, stream());
    EXPECT_TRUE(all_close(host(gy), y, Tol{0, 0})) << c.name << ": max forward";
    EXPECT_EQ(host_i64(gidx), idx) << c.name << ": max indices";
    EXPECT_TRUE(all_close(host(gdx), dx, kDouble)) << c.name << ": max backward";
    EXPECT_TRUE(all_close(host(gay), ay, kDouble)) << c.name << ": average forward";
    EXPECT_TRUE(all_close(host(gadx), adx, kDouble)) << c.name << ": average backward";
  }
}

TEST(CudaKernelNorm, StatisticsForwardBackwardAndRunningMatchTheCpu) {
  JOULE_REQUIRE_CUDA();
  struct Case {
    int64_t N, C, S;
  };
  for (Case c :
       {Case{4, 3, 1}, Case{64, 128, 1}, Case{5, 7, 13}, Case{16, 32, 196}, Case{2, 1, 40001}}) {
    const int64_t n = c.N * c.C * c.S;
    const auto x = normal(n, 36, 0.5f, 2.f), dy = uniform(n, 37);
    const auto weight = uniform(c.C, 38, 0.5f, 1.5f), bias = uniform(c.C, 39);
    std::vector<float> mean(sz(c.C)), var(sz(c.C)), y(sz(n)), dx(sz(n)), dw(sz(c.C)), db(sz(c.C));
    auto rmean = uniform(c.C, 40), rvar = uniform(c.C, 41, 0.5f, 1.5f);
    const auto gx = on_gpu(x), gdy = on_gpu(dy), gw = on_gpu(weight), gb = on_gpu(bias);
    const auto gmean = gpu_buffer(c.C), gvar = gpu_buffer(c.C), grm = on_gpu(rmean),
               grv = on_gpu(rvar);
    cpu::batch_norm_stats(mean.data(), var.data(), x.data(), c.N, c.C, c.S);
    gpu::batch_norm_stats(f(gmean), f(gvar), f(gx), c.N, c.C, c.S, stream());
    const std::string where =
        "N=" + std::to_string(c.N) + " C=" + std::to_string(c.C) + " S=" + std::to_string(c.S);
    EXPECT_TRUE(all_close(host(gmean), mean, kNorm)) << where << ": mean";
    EXPECT_TRUE(all_close(host(gvar), var, kNorm)) << where << ": var";
    // the rest is fed the CPU's statistics, so that each kernel is compared on its own
    const auto cm = on_gpu(mean), cv = on_gpu(var);
    cpu::batch_norm_update_running(rmean.data(), rvar.data(), mean.data(), var.data(), 0.1,
                                   c.N * c.S, c.C);
    gpu::batch_norm_update_running(f(grm), f(grv), f(cm), f(cv), 0.1, c.N * c.S, c.C, stream());
    EXPECT_TRUE(all_close(host(grm), rmean, kNorm)) << where << ": running mean";
    EXPECT_TRUE(all_close(host(grv), rvar, kNorm)) << where << ": running var";
    cpu::batch_norm_forward(y.data(), x.data(), mean.data(), var.data(), weight.data(), bias.data(),
                            1e-5, c.N, c.C, c.S);
    const auto gy = gpu_buffer(n);
    gpu::batch_norm_forward(f(gy), f(gx), f(cm), f(cv), f(gw), f(gb), 1e-5, c.N, c.C, c.S,
                            stream());
    EXPECT_TRUE(all_close(host(gy), y, kNorm)) << where << ": forward";
    for (bool batch_stats : {true, false}) {
      cpu::batch_norm_backward(dx.data(), dw.data(), db.data(), dy.data(), x.data(), mean.data(),
                               var.data(), weight.data(), 1e-5, batch_stats, c.N, c.C, c.S);
      const auto gdx = gpu_buffer(n), gdw = gpu_buffer(c.C), gdb = gpu_buffer(c.C);
      gpu::batch_norm_backward(f(gdx), f(gdw), f(gdb), f(gdy), f(gx), f(cm), f(cv), f(gw), 1e-5,
                               batch_stats, c.N, c.C, c.S, stream());
      EXPECT_TRUE(all_close(host(gdx), dx, kNorm)) << where << " batch_stats=" << batch_stats;
      EXPECT_TRUE(all_close(host(gdw), dw, Tol{1e-4, 1e-5})) << where << ": weight gradient";
      EXPECT_TRUE(all_close(host(gdb), db, Tol{1e-4, 1e-5})) << where << ": bias gradient";
    }
  }
}

}  // namespace

#endif  // JOULE_WITH_CUDA
