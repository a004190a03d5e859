// GEMM through Eigen's blocked, vectorized, OpenMP-parallel product on mapped row-major memory.
#include "kernels/cpu/gemm.h"

#include <Eigen/Core>

namespace joule::kernels::cpu {

namespace {
using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMat, Eigen::Unaligned, Eigen::OuterStride<>>;
using Map = Eigen::Map<RowMat, Eigen::Unaligned, Eigen::OuterStride<>>;

template <class LhsT, class RhsT>
void product(Map& c, const LhsT& a, const RhsT& b, float alpha, float beta) {
  if (beta == 0.f) {
    c.noalias() = alpha * (a * b);
  } else {
    if (beta != 1.f) c *= beta;
    c.noalias() += alpha * (a * b);
  }
}
}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
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

}  // namespace joule::kernels::cpu
