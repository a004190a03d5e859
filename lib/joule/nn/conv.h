// Conv2d: 2-D convolution over NCHW inputs, with PyTorch's initialisation (Kaiming-uniform weight,
// a = sqrt(5); bias uniform in ±1/sqrt(fan_in), fan_in = in / groups * kernel height * width).
#pragma once

#include "joule/nn/module.h"
#include "joule/ops/conv.h"

namespace joule::nn {

struct Conv2dOptions {
  int64_t in = 0, out = 0;  // channels
  Size2 kernel = 0;
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 dilation = 1;
  int64_t groups = 1;
  bool bias = true;
};

// Parameters "weight" (out, in / groups, kh, kw) and "bias" (out).
class Conv2d : public Module {
 public:
  Conv2d(const Conv2dOptions& options, Generator& gen);
  Tensor forward(const Tensor& x) override;
  std::string repr() const override;

  const Conv2dOptions& options() const { return options_; }
  Tensor weight() const { return weight_; }
  Tensor bias() const { return bias_; }

 private:
  Conv2dOptions options_;
  Tensor weight_, bias_;
};

}  // namespace joule::nn
