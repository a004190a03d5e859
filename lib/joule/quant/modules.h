// Quantized layers: they take and return QTensor (uint8 codes) and run on the int8 kernels, with
// ReLU fused into Linear and Conv2d. QuantizedModel strings them between a quantize of its float
// input and a dequantize of its output, so that it is a Module like any other: Trainer::evaluate
// and the examples call it with float batches.
//
// Under ops::ReferenceKernelsGuard every layer runs the naive reference kernels instead of the
// fast ones (the outputs are equal to the byte).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "joule/nn/module.h"
#include "joule/ops/conv.h"
#include "joule/quant/qtensor.h"
#include "kernels/cpu/quant.h"

namespace joule::quant {

// A layer of a quantized model. forward() on a float tensor throws: the float ops and the
// quantized ones meet only through quantize() and dequantize().
class QModule : public nn::Module {
 public:
  Tensor forward(const Tensor& x) override;
  virtual QTensor qforward(const QTensor& x) = 0;
  // The layer's kind as checkpoints name it: "Linear", "Conv2d", "ReLU", "MaxPool2d", "Flatten",
  // "Unflatten".
  virtual std::string kind() const = 0;

 protected:
  // The output buffer of the previous call, reused when the caller let go of it (so a layer is
  // for one thread at a time, like the float layers).
  QTensor spare_;
};

// y = requantize(x · wᵀ + bias) (ReLU fused when `relu`), outputs under `out`.
class QLinear : public QModule {
 public:
  QLinear(QWeight weight, std::vector<float> bias, QParams out, bool relu);
  QTensor qforward(const QTensor& x) override;
  std::string repr() const override;
  std::string kind() const override { return "Linear"; }
  const QWeight& weight() const { return w_; }
  const std::vector<float>& bias() const { return bias_; }  // float, empty when none
  QParams out_params() const { return out_; }
  bool relu() const { return relu_; }

 private:
  QWeight w_;
  kernels::cpu::PackedQWeight packed_;
  std::vector<float> bias_;
  QParams out_;
  bool relu_;
};

class QMaxPool2d;

// Convolution on NHWC codes; groups 1.
class QConv2d : public QModule {
 public:
  QConv2d(QWeight weight, std::vector<float> bias, Conv2dParams params, QParams out, bool relu);
  QTensor qforward(const QTensor& x) override;
  // pool.qforward(qforward(x)) in one pass (each image pooled while its convolution is in cache),
  // the same bytes; QuantizedModel calls it for a Conv2d followed by a MaxPool2d
  QTensor qforward_pooled(const QTensor& x, const QMaxPool2d& pool);
  std::string repr() const override;
  std::string kind() const override { return "Conv2d"; }
  const QWeight& weight() const { return w_; }
  const std::vector<float>& bias() const { return bias_; }
  const Conv2dParams& params() const { return params_; }
  QParams out_params() const { return out_; }
  bool relu() const { return relu_; }

 private:
  kernels::Conv2dDims dims(const QTensor& x) const;  // checks x against the weights

  QWeight w_;
  std::vector<float> bias_;
  Conv2dParams params_;
  QParams out_;
  bool relu_;
  kernels::cpu::PackedQWeight packed_;
};

class QReLU : public QModule {
 public:
  QTensor qforward(const QTensor& x) override;
  std::string repr() const override { return "QuantizedReLU()"; }
  std::string kind() const override { return "ReLU"; }
};

class QMaxPool2d : public QModule {
 public:
  QMaxPool2d(Size2 kernel, Size2 stride, Size2 padding);
  QTensor qforward(const QTensor& x) override;
  std::string repr() const override;
  std::string kind() const override { return "MaxPool2d"; }
  Size2 kernel() const { return kernel_; }
  Size2 stride() const { return stride_; }
  Size2 padding() const { return padding_; }
  // The kernel's sizes for an input of shape s (N, C, H, W); throws when the window does not fit.
  kernels::Pool2dDims dims(const Shape& s) const;

 private:
  Size2 kernel_, stride_, padding_;
};

// (N, C, H, W) NHWC -> (N, C * H * W) in NCHW order, as nn::Flatten.
class QFlatten : public QModule {
 public:
  QTensor qforward(const QTensor& x) override;
  std::string repr() const override { return "QuantizedFlatten()"; }
  std::string kind() const override { return "Flatten"; }
};

// (N, C * H * W) -> (N, C, H, W) NHWC, as nn::Unflatten(1, {C, H, W}).
class QUnflatten : public QModule {
 public:
  explicit QUnflatten(Shape chw);
  QTensor qforward(const QTensor& x) override;
  std::string repr() const override { return "QuantizedUnflatten(" + chw_.str() + ")"; }
  std::string kind() const override { return "Unflatten"; }
  const Shape& chw() const { return chw_; }

 private:
  Shape chw_;
};

// quantize(x, input) -> layers -> dequantize: float in, float out.
class QuantizedModel : public nn::Module {
 public:
  explicit QuantizedModel(QParams input);
  void push_back(std::shared_ptr<QModule> layer);
  Tensor forward(const Tensor& x) override;
  QTensor qforward(const QTensor& x);
  std::string repr() const override { return "QuantizedModel"; }
  QParams input_params() const { return input_; }
  const std::vector<std::shared_ptr<QModule>>& layers() const { return layers_; }
  // Bytes of weights, scales and biases held (int8 weights: one byte each).
  int64_t weight_bytes() const;

 private:
  QParams input_;
  std::vector<std::shared_ptr<QModule>> layers_;
};

}  // namespace joule::quant
