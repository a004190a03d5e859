// Dynamic quantization of Linear layers: int8 weights (per output channel) made once, and each
// batch's activations quantized on the fly over their own min and max; the int8 GEMM's
// accumulators come back as float, so the layers around stay float.
#pragma once

#include <memory>

#include "joule/nn/linear.h"
#include "joule/nn/sequential.h"
#include "joule/quant/qtensor.h"
#include "kernels/cpu/quant.h"

namespace joule::quant {

class DynamicQLinear : public nn::Module {
 public:
  explicit DynamicQLinear(const nn::Linear& linear);
  // x (B, IN) float32 on the CPU -> (B, OUT) float32 (no gradients)
  Tensor forward(const Tensor& x) override;
  std::string repr() const override;
  const QWeight& weight() const { return w_; }
  const std::vector<float>& bias() const { return bias_; }  // float, empty when none

 private:
  QWeight w_;
  kernels::cpu::PackedQWeight packed_;
  std::vector<float> bias_;
};

// A new Sequential: every Linear of `model` replaced by a DynamicQLinear; the other layers are
// shared with `model`.
std::shared_ptr<nn::Sequential> quantize_dynamic(const nn::Sequential& model);

}  // namespace joule::quant
