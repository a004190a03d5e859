// Types and macros the kernel signatures (kernels/*.inc) share, defined once in
// namespace joule::kernels so that the reference, CPU and CUDA families use the same structs.
//
// Each family header (reference/x.h, cpu/x.h, cuda/x.h) includes x.inc inside its own namespace
// with JOULE_KERNEL_STREAM defined: empty for reference/ and cpu/, `, cudaStream_t stream` for
// cuda/, so a CUDA kernel takes the stream to run on as its last argument and the others do not.
#pragma once

#include <cstdint>

namespace joule::kernels {

// The sizes of one convolution: input x (N, C, H, W), weight w (OC, C/G, KH, KW), output
// y (N, OC, OH, OW) with OH = (H + 2 PH - DH (KH - 1) - 1) / SH + 1 and OW likewise; stride
// (SH, SW), zero padding (PH, PW), dilation (DH, DW); G groups, C and OC both divisible by G.
struct Conv2dDims {
  int64_t N = 0, C = 0, H = 0, W = 0;
  int64_t OC = 0, KH = 0, KW = 0;
  int64_t OH = 0, OW = 0;
  int64_t SH = 1, SW = 1, PH = 0, PW = 0, DH = 1, DW = 1;
  int64_t G = 1;
};

// The sizes of one pooling: input x (N, C, H, W), window (KH, KW), stride (SH, SW), padding
// (PH, PW), output (N, C, OH, OW) with OH = (H + 2 PH - KH) / SH + 1 and OW likewise. The padding
// is at most half the window, so every window holds at least one input element.
struct Pool2dDims {
  int64_t N = 0, C = 0, H = 0, W = 0;
  int64_t KH = 0, KW = 0;
  int64_t OH = 0, OW = 0;
  int64_t SH = 1, SW = 1, PH = 0, PW = 0;
};

// How the int8 kernels (quant.inc) turn int32 accumulators into outputs. multiplier (N):
// s_x * s_w[n] / s_y for uint8 outputs, s_x * s_w[n] for float outputs; bias (N) or null:
// bias[n] / s_y, or bias[n] for float outputs.
struct Requant {
  const float* multiplier = nullptr;
  const float* bias = nullptr;
  int32_t out_zero_point = 0;  // uint8 outputs only
  bool relu = false;
};

}  // namespace joule::kernels
