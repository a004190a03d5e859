// GEMM: Eigen's blocked, vectorized product on mapped row-major memory, run single-threaded on
// one slab of C per OpenMP thread. Splitting C ourselves keeps threads independent until the one
// barrier at the end (Eigen's own parallel GEMM spin-waits between blocks, which costs whole
// scheduler time slices when another process shares the cores).
#include "cpu/gemm.h"

#include <omp.h>

// Eigen packs each product's blocks into scratch buffers it allocates per call: on the stack up
// to EIGEN_STACK_ALLOCATION_LIMIT bytes each (128 KiB by default), else with malloc. The MLP's
// training shapes need 256-512 KiB, so every GEMM went to malloc and back (about 2,400 times an
// epoch). 512 KiB keeps those on the thread's stack: at most 1 MiB for the two buffers, against
// the 8 MiB stacks of the main thread and of libgomp's workers by default (OMP_STACKSIZE below
// 2 MiB is not supported). This is the only translation unit of libjoule that instantiates
// Eigen's products.
#define EIGEN_STACK_ALLOCATION_LIMIT 524288
#include <Eigen/Core>
#include <algorithm>

namespace joule::kernels::cpu {

namespace {
using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMat, Eigen::Unaligned, Eigen::OuterStride<>>;
using Map = Eigen::Map<RowMat, Eigen::Unaligned, Eigen::OuterStride<>>;

// Below this many multiply-adds one thread is faster than two.
constexpr double kParallelMacs = 1 << 20;

template <class LhsT, class RhsT>
void product(Map& c, const LhsT& a, const RhsT& b, float alpha, float beta) {
  if (beta == 0.f) {
    c.noalias() = alpha * (a * b);
  } else {
    if (beta != 1.f) c *= beta;
    c.noalias() += alpha * (a * b);
  }
}

void gemm_serial(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                 const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                 int64_t ldc) {
  if (M == 0 || N == 0) return;
  Map c(C, M, N, Eigen::OuterStride<>(ldc));
  if (K == 0) {
    if (beta == 0.f) c.setZero(); else c *= beta;
    return;
  }
  ConstMap a(A, trans_a ? K : M, trans_a ? M : K, Eigen::OuterStride<>(lda));
  ConstMap b(B, trans_b ? N : K, trans_b ? K : N, Eigen::OuterStride<>(ldb));
  if (!trans_a && !trans_b) product(c, a, b, alpha, beta);
  else if (!trans_a && trans_b) product(c, a, b.transpose(), alpha, beta);
  else if (trans_a && !trans_b) product(c, a.transpose(), b, alpha, beta);
  else product(c, a.transpose(), b.transpose(), alpha, beta);
}
}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
          int64_t ldc) {
  const double macs = static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  if (threads <= 1 || macs < kParallelMacs) {
    gemm_serial(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  // Split the longer side of C into one slab per thread, in multiples of 16 (one AVX-512 row).
  const bool split_rows = M >= N;
  const int64_t len = split_rows ? M : N;
  const int64_t slab = ((len + threads - 1) / threads + 15) / 16 * 16;
  const int64_t slabs = (len + slab - 1) / slab;
#pragma omp parallel for num_threads(static_cast<int>(slabs)) schedule(static)
  for (int64_t s = 0; s < slabs; ++s) {
    const int64_t o = s * slab, n = std::min(slab, len - o);
    if (split_rows)
      gemm_serial(trans_a, trans_b, n, N, K, alpha, trans_a ? A + o : A + o * lda, lda, B, ldb,
                  beta, C + o * ldc, ldc);
    else
      gemm_serial(trans_a, trans_b, M, n, K, alpha, A, lda, trans_b ? B + o * ldb : B + o, ldb,
                  beta, C + o, ldc);
  }
}

}  // namespace joule::kernels::cpu
