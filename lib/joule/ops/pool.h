// 2-D pooling on NCHW tensors: max, average and global average (as torch.nn.functional's
// max_pool2d, avg_pool2d and adaptive_avg_pool2d(x, 1) flattened).
#pragma once

#include "joule/core/tensor.h"
#include "joule/ops/conv.h"  // Size2

namespace joule {

// x (N, C, H, W) -> (N, C, OH, OW) with OH = (H + 2 padding.h - kernel.h) / stride.h + 1; a stride
// of 0 means the kernel size (PyTorch's default). Padding is at most half the kernel. The backward
// routes each gradient to the window's largest input (the first one on ties), kept as indices.
Tensor max_pool2d(const Tensor& x, Size2 kernel, Size2 stride = 0, Size2 padding = 0);
// The mean of each window, padding counted as zeros (PyTorch's count_include_pad=True).
Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride = 0, Size2 padding = 0);
// x (N, C, H, W) -> (N, C): the mean of each channel's plane.
Tensor global_avg_pool2d(const Tensor& x);

}  // namespace joule
