// GEMM on row-major float matrices in device memory, through cuBLAS (FP32, no TF32).
#pragma once

#include <cstdint>

namespace joule::kernels::cuda {

// C (M, N) = alpha * op(A) op(B) + beta * C, row-major; op(A) is (M, K), op(B) is (K, N).
// A is (M, K) with row stride lda, or (K, M) when trans_a; B is (K, N) with ldb, or (N, K) when
// trans_b. beta == 0 ignores C's old contents. Same contract as kernels/cpu/gemm.h.
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

}  // namespace joule::kernels::cuda
