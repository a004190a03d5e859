// kernels::cuda against kernels::cpu on the same inputs: elementwise, activations, reductions,
// strided copies and the fused optimizer updates, on the sizes the CPU tests use (both sides of
// the OpenMP threshold, none a multiple of a vector width). Tolerances, per family:
//   +, -, *, /, fill, copies, argmax, ReLU: exact (IEEE operations, no reordering);
//   affine, axpy, optimizer updates: abs 1e-6 + rel 1e-6 (nvcc fuses a*b+c into one FMA);
//   exp, log, tanh, sigmoid, GELU: abs 1e-6 + rel 1e-6 (CUDA's libm is within 2 ulp);
//   sums (double on both sides, other order): rel 1e-6 + abs 1e-6 * sqrt(n).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "cuda_test_util.h"

#ifdef JOULE_WITH_CUDA

#include "../kernels/kernel_test_util.h"
#include "kernels/cpu/activation.h"
#include "kernels/cpu/copy.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/optim.h"
#include "kernels/cpu/reduce.h"
#include "kernels/cuda/activation.h"
#include "kernels/cuda/copy.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/optim.h"
#include "kernels/cuda/reduce.h"

namespace {

namespace cpu = joule::kernels::cpu;
namespace gpu = joule::kernels::cuda;
using joule::kernels::test::all_close;
using joule::kernels::test::away_from_zero;
using joule::kernels::test::kSizes;
using joule::kernels::test::Tol;
using joule::kernels::test::uniform;
using namespace joule::cuda_test;

constexpr Tol kExact{0, 0};
constexpr Tol kFma{1e-6, 1e-6};
constexpr Tol kLibm{1e-6, 1e-6};

using Binary = void (*)(float*, const float*, const float*, int64_t);
using GpuBinary = void (*)(float*, const float*, const float*, int64_t, cudaStream_t);

TEST(CudaKernelElementwise, BinaryOpsMatchTheCpu) {
  JOULE_REQUIRE_CUDA();
  const Binary cpus[] = {cpu::add, cpu::sub, cpu::mul, cpu::div};
  const GpuBinary gpus[] = {gpu::add, gpu::sub, gpu::mul, gpu::div};
  for (int64_t n : kSizes)
    for (int op = 0; op < 4; ++op) {
      const auto a = uniform(n, 1), b = away_from_zero(n, 2);
      std::vector<float> want(a.size());
      cpus[op](want.data(), a.data(), b.data(), n);
      const auto da = on_gpu(a), db = on_gpu(b);
      const auto y = gpu_buffer(n);
      gpus[op](f(y), f(da), f(db), n, stream());
      EXPECT_TRUE(all_close(host(y), want, kExact)) << "op " << op << " n=" << n;
      gpus[op](f(da), f(da), f(db), n, stream());  // in place: y aliases a
      EXPECT_TRUE(all_close(host(da), want, kExact)) << "op " << op << " in place, n=" << n;
    }
}

TEST(CudaKernelElementwise, RowBroadcastsMatchTheCpu) {
  JOULE_REQUIRE_CUDA();
  using Row = void (*)(float*, const float*, const float*, int64_t, int64_t);
  using GpuRow = void (*)(float*, const float*, const float*, int64_t, int64_t, cudaStream_t);
  const Row cpus[] = {cpu::add_row, cpu::sub_row, cpu::mul_row, cpu::div_row};
  const GpuRow gpus[] = {gpu::add_row, gpu::sub_row, gpu::mul_row, gpu::div_row};
  for (auto [M, N] : {std::pair<int64_t, int64_t>{1, 1}, {7, 33}, {129, 257}, {300, 301}})
    for (int op = 0; op < 4; ++op) {
      const auto a = uniform(M * N, 3), row = away_from_zero(N, 4);
      std::vector<float> want(a.size());
      cpus[op](want.data(), a.data(), row.data(), M, N);
      const auto da = on_gpu(a), dr = on_gpu(row);
      const auto y = gpu_buffer(M * N);
      gpus[op](f(y), f(da), f(dr), M, N, stream());
      EXPECT_TRUE(all_close(host(y), want, kExact)) << "op " << op << " " << M << "x" << N;
    }
}

TEST(CudaKernelElementwise, ScalarsFillsAndMathMatchTheCpu) {
  JOULE_REQUIRE_CUDA();
  for (int64_t n : kSizes) {
    const auto a = uniform(n, 5), x = uniform(n, 6);
    const auto da = on_gpu(a), dx = on_gpu(x);
    std::vector<float> want(a.size());
    const auto y = gpu_buffer(n);

    cpu::affine(want.data(), a.data(), -1.5f, 0.25f, n);
    gpu::affine(f(y), f(da), -1.5f, 0.25f, n, stream());
    EXPECT_TRUE(all_close(host(y), want, kFma)) << "affine n=" << n;

    want = a;
    cpu::axpy(want.data(), x.data(), 0.3f, n);
    const auto dy = on_gpu(a);
    gpu::axpy(f(dy), f(dx), 0.3f, n, stream());
    EXPECT_TRUE(all_close(host(dy), want, kFma)) << "axpy n=" << n;

    cpu::fill(want.data(), 2.75f, n);
    gpu::fill(f(y), 2.75f, n, stream());
    EXPECT_TRUE(all_close(host(y), want, kExact)) << "fill n=" << n;

    cpu::exp(want.data(), a.data(), n);
    gpu::exp(f(y), f(da), n, stream());
    EXPECT_TRUE(all_close(host(y), want, kLibm)) << "exp n=" << n;

    const auto pos = uniform(n, 7, 0.01f, 10.f);
    cpu::log(want.data(), pos.data(), n);
    gpu::log(f(y), f(on_gpu(pos)), n, stream());
    EXPECT_TRUE(all_close(host(y), want, kLibm)) << "log n=" << n;
  }
  const auto row = uniform(37, 8);
  std::vector<float> want(37 * 11);
  cpu::fill_rows(want.data(), row.data(), 11, 37);
  const auto y = gpu_buffer(37 * 11);
  gpu::fill_rows(f(y), f(on_gpu(row)), 11, 37, stream());
  EXPECT_TRUE(all_close(host(y), want, kExact));
}

TEST(CudaKernelActivation, ForwardAndBackwardMatchTheCpu) {
  JOULE_REQUIRE_CUDA();
  using Fwd = void (*)(float*, const float*, int64_t);
  using Bwd = void (*)(float*, const float*, const float*, int64_t);
  using GpuFwd = void (*)(float*, const float*, int64_t, cudaStream_t);
  using GpuBwd = void (*)(float*, const float*, const float*, int64_t, cudaStream_t);
  struct Act {
    const char* name;
    Fwd cpu_f;
    GpuFwd gpu_f;
    Bwd cpu_b;
    GpuBwd gpu_b;
    bool backward_uses_input;
    Tol tol;
  };
  const Act acts[] = {
      {"relu", cpu::relu_forward, gpu::relu_forward, cpu::relu_backward, gpu::relu_backward, false,
       kExact},
      {"tanh", cpu::tanh_forward, gpu::tanh_forward, cpu::tanh_backward, gpu::tanh_backward, false,
       kLibm},
      {"sigmoid", cpu::sigmoid_forward, gpu::sigmoid_forward, cpu::sigmoid_backward,
       gpu::sigmoid_backward, false, kLibm},
      {"gelu", cpu::gelu_forward, gpu::gelu_forward, cpu::gelu_backward, gpu::gelu_backward, true,
       kLibm},
  };
  for (const Act& act : acts)
    for (int64_t n : kSizes) {
      const auto x = uniform(n, 9, -4.f, 4.f), dy = uniform(n, 10);
      std::vector<float> y(x.size()), dx(x.size());
      act.cpu_f(y.data(), x.data(), n);
      act.cpu_b(dx.data(), dy.data(), act.backward_uses_input ? x.data() : y.data(), n);
      const auto dx_gpu = on_gpu(x), ddy = on_gpu(dy);
      const auto gy = gpu_buffer(n), gdx = gpu_buffer(n);
      act.gpu_f(f(gy), f(dx_gpu), n, stream());
      // the backward is fed the CPU's saved tensor, so that it is compared on its own
      const auto saved = on_gpu(act.backward_uses_input ? x : y);
      act.gpu_b(f(gdx), f(ddy), f(saved), n, stream());
      EXPECT_TRUE(all_close(host(gy), y, act.tol)) << act.name << " forward n=" << n;
      EXPECT_TRUE(all_close(host(gdx), dx, act.tol)) << act.name << " backward n=" << n;
    }
}

TEST(CudaKernelReduce, SumsAndArgmaxMatchTheCpu) {
  JOULE_REQUIRE_CUDA();
  for (int64_t n : kSizes) {
    const auto x = uniform(n, 11);
    float want = 0;
    cpu::sum(&want, x.data(), n);
    const Tol tol{1e-6 * std::sqrt(static_cast<double>(n)), 1e-6};
    const auto out = gpu_buffer(1);
    gpu::sum(f(out), f(on_gpu(x)), n, stream());  // the sum stays on the GPU
    EXPECT_TRUE(all_close(host(out).data(), &want, 1, tol)) << "sum n=" << n;
  }
  struct Dims {
    int64_t outer, D, inner;
  };
  for (Dims d : {Dims{1, 1, 1}, Dims{1, 128, 256}, Dims{3, 70, 1}, Dims{300, 7, 1}, Dims{5, 9, 33},
                 Dims{2, 1000, 17}}) {
    const auto x = uniform(d.outer * d.D * d.inner, 12);
    std::vector<float> want(static_cast<size_t>(d.outer * d.inner));
    cpu::sum_dim(want.data(), x.data(), d.outer, d.D, d.inner);
    const auto y = gpu_buffer(d.outer * d.inner);
    gpu::sum_dim(f(y), f(on_gpu(x)), d.outer, d.D, d.inner, stream());
    EXPECT_TRUE(all_close(host(y), want, Tol{1e-6 * std::sqrt(static_cast<double>(d.D)), 1e-6}))
        << "sum_dim " << d.outer << "x" << d.D << "x" << d.inner;
  }
  for (auto [M, N] : {std::pair<int64_t, int64_t>{1, 1}, {7, 10}, {1000, 10}, {33, 1001}}) {
    const auto x = uniform(M * N, 13);
    std::vector<int64_t> want(static_cast<size_t>(M));
    cpu::argmax_rows(want.data(), x.data(), M, N);
    const auto idx = gpu_buffer(M, joule::DType::Int64);
    gpu::argmax_rows(i64(idx), f(on_gpu(x)), M, N, stream());
    EXPECT_EQ(host_i64(idx), want) << "argmax " << M << "x" << N;
  }
}

TEST(CudaKernelCopy, StridedCopyAndScatterMatchTheCpu) {
  JOULE_REQUIRE_CUDA();
  // a (4, 5, 6) tensor read transposed (dims 0 and 2 swapped) and through a broadcast
  const std::vector<int64_t> shape = {6, 5, 4}, strides = {1, 6, 30};
  const auto src = uniform(120, 14);
  std::vector<float> want(120);
  cpu::strided_copy(want.data(), src.data(), shape.data(), strides.data(), 3, 4);
  const auto y = gpu_buffer(120);
  gpu::strided_copy(f(y), f(on_gpu(src)), shape.data(), strides.data(), 3, 4, stream());
  EXPECT_TRUE(all_close(host(y), want, kExact)) << "float transpose";

  const std::vector<int64_t> labels = {5, -2, 7, 11, 0, 3};
  const std::vector<int64_t> rshape = {3}, rstride = {2};
  std::vector<int64_t> every_other(3);
  cpu::strided_copy(every_other.data(), labels.data(), rshape.data(), rstride.data(), 1, 8);
  const auto yi = gpu_buffer(3, joule::DType::Int64);
  gpu::strided_copy(i64(yi), i64(on_gpu(labels)), rshape.data(), rstride.data(), 1, 8, stream());
  EXPECT_EQ(host_i64(yi), every_other) << "int64, stride 2";

  // scatter with accumulation over a stride-0 dimension: the column sums of a (50, 7) matrix
  const std::vector<int64_t> gshape = {50, 7}, dst_strides = {0, 1};
  const auto g = uniform(350, 15);
  std::vector<float> sums(7, 0.f);
  cpu::strided_scatter(sums.data(), dst_strides.data(), g.data(), gshape.data(), 2, true);
  const auto dsum = on_gpu(std::vector<float>(7, 0.f));
  gpu::strided_scatter(f(dsum), dst_strides.data(), f(on_gpu(g)), gshape.data(), 2, true, stream());
  EXPECT_TRUE(all_close(host(dsum), sums, Tol{1e-5, 1e-6})) << "accumulate (atomic, any order)";

  std::vector<float> scattered(120, 0.f);
  cpu::strided_scatter(scattered.data(), strides.data(), src.data(), shape.data(), 3, false);
  const auto dsc = on_gpu(std::vector<float>(120, 0.f));
  gpu::strided_scatter(f(dsc), strides.data(), f(on_gpu(src)), shape.data(), 3, false, stream());
  EXPECT_TRUE(all_close(host(dsc), scattered, kExact)) << "scatter";
}

TEST(CudaKernelOptim, SgdAndAdamMatchTheCpu) {
  JOULE_REQUIRE_CUDA();
  for (int64_t n : kSizes) {
    const auto w0 = uniform(n, 16), g = uniform(n, 17), buf0 = uniform(n, 18);
    for (bool nesterov : {false, true})
      for (bool first : {false, true}) {
        auto w = w0, buf = buf0;
        cpu::sgd_step(w.data(), g.data(), buf.data(), n, 0.05f, 0.9f, 0.f, 1e-3f, nesterov, first);
        const auto dw = on_gpu(w0), dbuf = on_gpu(buf0);
        gpu::sgd_step(f(dw), f(on_gpu(g)), f(dbuf), n, 0.05f, 0.9f, 0.f, 1e-3f, nesterov, first,
                      stream());
        EXPECT_TRUE(all_close(host(dw), w, kFma)) << "sgd w n=" << n << " nesterov=" << nesterov;
        EXPECT_TRUE(all_close(host(dbuf), buf, kFma)) << "sgd buf n=" << n;
      }
    auto w = w0;  // momentum 0: no buffer
    cpu::sgd_step(w.data(), g.data(), nullptr, n, 0.1f, 0.f, 0.f, 0.f, false, true);
    const auto dw = on_gpu(w0);
    gpu::sgd_step(f(dw), f(on_gpu(g)), nullptr, n, 0.1f, 0.f, 0.f, 0.f, false, true, stream());
    EXPECT_TRUE(all_close(host(dw), w, kFma)) << "plain sgd n=" << n;

    for (bool decoupled : {false, true}) {
      auto wa = w0, m = uniform(n, 19), v = uniform(n, 20, 0.f, 1.f);
      const auto dwa = on_gpu(wa), dm = on_gpu(m), dv = on_gpu(v);
      cpu::adam_step(wa.data(), g.data(), m.data(), v.data(), n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f,
                     decoupled, 7);
      gpu::adam_step(f(dwa), f(on_gpu(g)), f(dm), f(dv), n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f,
                     decoupled, 7, stream());
      EXPECT_TRUE(all_close(host(dwa), wa, kFma)) << "adam w n=" << n << " decoupled=" << decoupled;
      EXPECT_TRUE(all_close(host(dm), m, kFma)) << "adam m n=" << n;
      EXPECT_TRUE(all_close(host(dv), v, kFma)) << "adam v n=" << n;
    }
  }
}

}  // namespace

#endif  // JOULE_WITH_CUDA
