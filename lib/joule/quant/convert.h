// From a float nn::Sequential to a QuantizedModel.
//
//   fuse       BatchNorm folded into the convolution before it; a ReLU right after a Linear or
//              Conv2d fused into it; Dropout dropped (inference); the result is a list of Steps.
//   calibrate  float batches run through the fused steps while observers watch the input and
//              every Linear/Conv2d output (StaticQuantizer).
//   convert    each Step becomes its quantized layer with the observed output parameters
//              (weights int8 per output channel).
//
//   quant::StaticQuantizer q(model, {.observer = quant::ObserverKind::Histogram});
//   for (auto& batch : calibration) q.calibrate(batch.x);
//   std::shared_ptr<quant::QuantizedModel> int8 = q.convert();
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "joule/nn/sequential.h"
#include "joule/quant/modules.h"
#include "joule/quant/observer.h"

namespace joule::quant {

// One layer as quantization sees it.
struct Step {
  enum class Kind { Linear, Conv2d, ReLU, MaxPool2d, Flatten, Unflatten };
  Kind kind = Kind::Linear;
  std::shared_ptr<nn::Module> module;  // the float layer (a new Conv2d when BatchNorm was folded)
  bool relu = false;                   // a ReLU fused after a Linear or Conv2d
};

// The fused steps of `model` (its layers are shared, except folded convolutions, which are
// copies). Throws naming the layer for one that has no quantized form (Tanh, AvgPool2d, ...), or
// a BatchNorm2d that does not follow a Conv2d.
std::vector<Step> fuse(const nn::Sequential& model);
// Runs x through the steps in float (no gradients); `each` sees every step's output.
Tensor run_steps(const std::vector<Step>& steps, const Tensor& x,
                 const std::function<void(size_t, const Tensor&)>& each = {});
// The quantized model of `steps` for inputs shaped like `sample` (a batch of any size): `input`
// quantizes the model's input and out[i] the output of step i (used by Linear and Conv2d steps;
// the others keep their input's parameters).
std::shared_ptr<QuantizedModel> build_quantized(const std::vector<Step>& steps,
                                                const Tensor& sample, QParams input,
                                                const std::vector<QParams>& out);

struct PtqOptions {
  ObserverKind observer = ObserverKind::Histogram;
};

// Post-training static quantization.
class StaticQuantizer {
 public:
  StaticQuantizer(const nn::Sequential& model, const PtqOptions& options = {});
  // One calibration batch (float, as the model takes it).
  void calibrate(const Tensor& x);
  int64_t batches() const { return batches_; }
  // Throws when no batch was calibrated.
  std::shared_ptr<QuantizedModel> convert() const;
  const std::vector<Step>& steps() const { return steps_; }

 private:
  std::vector<Step> steps_;
  std::unique_ptr<Observer> input_;
  std::vector<std::unique_ptr<Observer>> outputs_;  // null for steps that keep their input's
  Tensor sample_;
  int64_t batches_ = 0;
};

}  // namespace joule::quant
