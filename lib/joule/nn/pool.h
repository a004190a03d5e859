// Pooling modules (no parameters): MaxPool2d, AvgPool2d, GlobalAvgPool2d.
#pragma once

#include "joule/nn/module.h"
#include "joule/ops/conv.h"  // Size2

namespace joule::nn {

struct Pool2dOptions {
  Size2 kernel = 0;
  Size2 stride = 0;   // 0: the kernel size
  Size2 padding = 0;  // at most half the kernel
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(const Pool2dOptions& options);
  Tensor forward(const Tensor& x) override;
  std::string repr() const override;
  const Pool2dOptions& options() const { return options_; }

 private:
  Pool2dOptions options_;
};

// Padding counts as zeros in the mean (PyTorch's count_include_pad=True).
class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(const Pool2dOptions& options);
  Tensor forward(const Tensor& x) override;
  std::string repr() const override;
  const Pool2dOptions& options() const { return options_; }

 private:
  Pool2dOptions options_;
};

// (N, C, H, W) -> (N, C): the mean of each channel's plane.
class GlobalAvgPool2d : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string repr() const override { return "GlobalAvgPool2d()"; }
};

}  // namespace joule::nn
