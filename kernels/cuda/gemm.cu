// Row-major GEMM through cuBLAS, which is column-major: a row-major (R, C) matrix is the
// column-major (C, R) one, so C = op(A) op(B) is computed as C^T = op(B)^T op(A)^T with the
// operands swapped and the same transpose flags.
#include <climits>
#include <string>

#include "cuda/common.cuh"
#include "cuda/gemm.h"

namespace joule::kernels::cuda {

namespace {
int as_int(int64_t v, const char* what) {
  if (v < 0 || v > INT_MAX) {
    const std::string msg =
        std::string(what) + " = " + std::to_string(v) + " is outside cuBLAS's 32-bit range";
    fail("gemm", msg.c_str(), __FILE__, __LINE__);
  }
  return static_cast<int>(v);
}
}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
          cudaStream_t stream) {
  if (M <= 0 || N <= 0) return;
  const int m = as_int(M, "M"), n = as_int(N, "N"), k = as_int(K, "K");
  // cuBLAS wants every leading dimension >= 1 even when K == 0.
  const int ld_a = std::max(as_int(lda, "lda"), 1), ld_b = std::max(as_int(ldb, "ldb"), 1);
  const int ld_c = std::max(as_int(ldc, "ldc"), 1);
  cublasHandle_t handle = context().cublas();
  CUBLAS_CHECK(cublasSetStream(handle, stream));
  CUBLAS_CHECK(cublasSgemm(handle, trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                           trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, &alpha, B, ld_b, A, ld_a,
                           &beta, C, ld_c));
}

}  // namespace joule::kernels::cuda
