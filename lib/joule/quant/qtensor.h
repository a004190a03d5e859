// Quantized tensors: uint8 activations with one scale and zero point per tensor (real value
// = scale * (q - zero_point)), and int8 weights with one scale per output channel (symmetric:
// zero point 0). 4-D activations are stored NHWC (channels last), the layout the int8 kernels
// read; their shape is still given as (N, C, H, W).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "joule/core/shape.h"
#include "joule/core/tensor.h"

namespace joule::quant {

// The affine map of a uint8 tensor: real = scale * (q - zero_point).
struct QParams {
  float scale = 1.f;
  int32_t zero_point = 0;
};

// uint8 parameters covering [lo, hi] widened to hold 0 (so that zero padding and ReLU are exact):
// scale = (hi - lo) / 255, zero_point = round(-lo / scale). A zero-width range gets scale 1.
QParams choose_qparams(float lo, float hi);

// A quantized activation: uint8 codes with their QParams. Holding no float data, it cannot meet a
// float op by accident: dequantize() is the way back.
class QTensor {
 public:
  QTensor() = default;
  // Uninitialised codes of `shape`; 4-D shapes are (N, C, H, W) stored NHWC.
  QTensor(Shape shape, QParams params);

  const Shape& shape() const { return shape_; }
  QParams params() const { return params_; }
  bool nhwc() const { return shape_.dim() == 4; }
  int64_t numel() const { return shape_.numel(); }
  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  bool defined() const { return data_ != nullptr; }
  // The same codes under another shape of as many elements (no copy, no reordering).
  QTensor reshaped(Shape shape) const;
  // A QTensor of `shape` and `params` on `spare`'s buffer when nothing else holds that buffer
  // and it has as many elements (a layer's output of the previous batch), else a new one. The
  // codes are uninitialised either way.
  static QTensor reuse(QTensor& spare, Shape shape, QParams params);
  std::string str() const;  // "QTensor[256, 16, 28, 28] uint8 NHWC scale=0.02 zero_point=0"

 private:
  Shape shape_;
  QParams params_;
  std::shared_ptr<uint8_t[]> data_;
};

// A float CPU tensor (2-D, or 4-D NCHW) -> its uint8 codes under `params` (4-D ones NHWC).
QTensor quantize(const Tensor& x, QParams params);
// Codes -> float (4-D back to NCHW).
Tensor dequantize(const QTensor& q);

// int8 weights with one scale per output channel (dimension 0), zero points 0: w ~ scale[o] * q.
struct QWeight {
  Shape shape;               // the float weight's shape, (OUT, IN) or (OC, C, KH, KW)
  std::vector<int8_t> data;  // OUT rows; conv rows are ordered (KH, KW, C): NHWC taps
  std::vector<float> scales;
};

// Per-channel symmetric quantization: scale[o] = max|w[o]| / 127 (1 for an all-zero row),
// q = clamp(round(w / scale), -127, 127). Conv weights are reordered to (OC, KH, KW, C).
QWeight quantize_weight(const Tensor& w);
// Back to a float tensor of the original shape and layout (NCHW for conv weights).
Tensor dequantize_weight(const QWeight& w);

// Throws naming `op`: a quantized layer was handed a float tensor.
[[noreturn]] void float_input_error(const std::string& op, const Tensor& x);

}  // namespace joule::quant
