// 2-D convolution on NCHW tensors (conv2d, as torch.nn.functional.conv2d), and Size2, the
// (height, width) pair that convolution and pooling sizes are given in.
#pragma once

#include <cstdint>
#include <iosfwd>

#include "joule/core/tensor.h"

namespace joule {

// A (height, width) pair; one number means both, as PyTorch's ExpandingArray<2>: `Size2 k = 5;`
// is 5 x 5 and `Size2 k{3, 5}` is 3 high and 5 wide.
struct Size2 {
  int64_t h = 0, w = 0;
  constexpr Size2() = default;
  constexpr Size2(int64_t both) : h(both), w(both) {}  // implicit on purpose: `stride = 2`
  constexpr Size2(int64_t height, int64_t width) : h(height), w(width) {}
  friend constexpr bool operator==(const Size2&, const Size2&) = default;
};
// "5" when square, else "(3, 5)"
std::ostream& operator<<(std::ostream& os, const Size2& s);

struct Conv2dParams {
  Size2 stride = 1;
  Size2 padding = 0;   // zeros on each side
  Size2 dilation = 1;  // spacing between kernel taps
  int64_t groups = 1;  // input and output channels split into this many independent groups
};

// x (N, C, H, W), weight (OC, C / groups, KH, KW), bias (OC) or undefined
//   -> (N, OC, OH, OW) with OH = (H + 2 padding.h - dilation.h (KH - 1) - 1) / stride.h + 1
// (cross-correlation, as PyTorch). Backward computes only the gradients needed.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
              const Conv2dParams& params = {});

}  // namespace joule
