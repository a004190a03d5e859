// CPU quantized kernels (AVX-512 VNNI where the CPU has it, a portable path elsewhere):
// signatures in kernels/quant.inc, plus weights packed once for the GEMM.
#pragma once

#include <cstdint>
#include <vector>

#include "types.h"

namespace joule::kernels::cpu {
#define JOULE_KERNEL_STREAM
#include "quant.inc"
#undef JOULE_KERNEL_STREAM

// Whether this CPU executes AVX-512 VNNI (vpdpbusd), asked of the CPU at run time.
bool has_vnni();

// Below this many multiply-adds (M * N * K) a quantized GEMM or convolution runs on the calling
// thread; from it on, OpenMP threads share the rows (or the images).
constexpr int64_t kQuantParallelMin = int64_t{1} << 20;

// Weights w (N, K) int8 packed for the GEMM: columns in blocks of 16 (one 512-bit register of
// int32 lanes), each block holding, for every group of 4 consecutive k, 16 x 4 bytes:
// data[((nb * KG + g) * 16 + j) * 4 + t] = w[nb * 16 + j, 4 g + t], zero past N and K. row_sums
// (N) holds sum_k w[n, k], for the zero-point correction acc = dot(x, w) - x_zp * row_sums[n].
// vnni: whether the GEMM takes the VNNI path (has_vnni() by default; false forces the portable
// one, e.g. to test it on a VNNI machine). The packed bytes are the same for both paths.
struct PackedQWeight {
  int64_t N = 0, K = 0, KG = 0, NB = 0;
  std::vector<int8_t> data;
  std::vector<int32_t> row_sums;
  bool vnni = false;
};
PackedQWeight pack_qweight(const int8_t* w, int64_t N, int64_t K);

// x (M, K) uint8, row stride ldx, zero point x_zp; packed w (N, K) -> y (M, N), row stride ldy,
// requantized by r (see kernels/quant.inc)
void qgemm_packed_u8(uint8_t* y, int64_t ldy, const uint8_t* x, int64_t ldx, int32_t x_zp,
                     const PackedQWeight& w, int64_t M, const Requant& r);
// as qgemm_packed_u8, float outputs
void qgemm_packed_f32(float* y, int64_t ldy, const uint8_t* x, int64_t ldx, int32_t x_zp,
                      const PackedQWeight& w, int64_t M, const Requant& r);
// x (N, H, W, C) uint8 NHWC, w packed from (OC, KH * KW * C) by pack_qconv_weight ->
// y (N, OH, OW, OC) uint8 NHWC: im2col (uint8, padding = x_zp) of one image at a time and the GEMM
void qconv2d_packed_u8(uint8_t* y, const uint8_t* x, int32_t x_zp, const PackedQWeight& w,
                       const Conv2dDims& d, const Requant& r);
// as qconv2d_packed_u8, then max_pool2d_u8 by p (see qconv2d_pool_u8 in kernels/quant.inc): each
// image is convolved into a buffer of the thread's and pooled from there
void qconv2d_pool_packed_u8(uint8_t* y, const uint8_t* x, int32_t x_zp, const PackedQWeight& w,
                            const Conv2dDims& d, const Requant& r, const Pool2dDims& p);
// w (OC, KH, KW, C) int8 packed for qconv2d_packed_u8: each window row (KW * C weights) padded
// with zero weights to a multiple of 4, K = KH * round_up(KW * C, 4), so that a window row is read
// in whole groups of 4 bytes (the bytes past it meet zero weights)
PackedQWeight pack_qconv_weight(const int8_t* w, const Conv2dDims& d);
// One image's convolution y (OH, OW, OC) read in place, without im2col, from `padded`, its copy
// bordered with x_zp: (H + 2 PH, W + 2 PW, C) and at least 3 more bytes. For w.vnni and DW == 1
// (a window row is then KW * C contiguous bytes); OpenMP threads share the pixels when the work
// reaches kQuantParallelMin outside any parallel region.
void qconv2d_direct_vnni(uint8_t* y, const uint8_t* padded, int32_t x_zp, const PackedQWeight& w,
                         const Conv2dDims& d, const Requant& r);

}  // namespace joule::kernels::cpu
