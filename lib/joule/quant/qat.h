// Quantization-aware training: fake quantization (quantize then dequantize, in float) of the
// weights and activations during training, with the straight-through estimator for gradients,
// so that the model learns weights that survive int8. The model is an nn::Sequential of the
// layers below, trained by train::Trainer like any other, then converted.
//
//   auto qat = quant::prepare_qat(model);            // shares model's weights
//   optim::SGD opt(qat->parameters(), {...});
//   train::Trainer(*qat, opt, {...}).fit(train_loader, &test_loader);
//   std::shared_ptr<quant::QuantizedModel> int8 = quant::convert_qat(*qat, sample_batch);
#pragma once

#include <memory>

#include "joule/nn/sequential.h"
#include "joule/quant/convert.h"
#include "joule/quant/observer.h"

namespace joule::quant {

// x -> scale (clamp(nearbyint(x / scale) + zp, 0, 255) - zp). Gradient (straight through): dy
// where x lies inside the representable range [scale (0 - zp), scale (255 - zp)], 0 where it was
// clipped. CPU only.
Tensor fake_quantize(const Tensor& x, QParams p);
// Per output channel symmetric int8, as quantize_weight rounds: w -> s[o] clamp(nearbyint(w /
// s[o]), -127, 127), s[o] = max|w[o]| / 127. Gradient: dy (the range holds every weight).
Tensor fake_quantize_weight(const Tensor& w);

// Watches its input while training (the observer) and fake-quantizes it under the observed
// range; passes it unchanged until it has seen a batch.
class FakeQuantize : public nn::Module {
 public:
  explicit FakeQuantize(ObserverKind observer = ObserverKind::MovingAverage);
  Tensor forward(const Tensor& x) override;
  std::string repr() const override;
  QParams qparams() const { return observer_->qparams(); }
  const Observer& observer() const { return *observer_; }

 private:
  std::unique_ptr<Observer> observer_;
};

// A Linear or Conv2d (ReLU fused when the step says so) with fake-quantized weights and a
// FakeQuantize on its output; its parameters ARE the float layer's ("weight", "bias").
class QatLayer : public nn::Module {
 public:
  QatLayer(Step step, ObserverKind observer);
  Tensor forward(const Tensor& x) override;
  std::string repr() const override;
  const Step& step() const { return step_; }
  const FakeQuantize& output() const { return *out_; }

 private:
  Step step_;
  Tensor weight_, bias_;
  std::shared_ptr<FakeQuantize> out_;
};

struct QatOptions {
  ObserverKind observer = ObserverKind::MovingAverage;
};

// [FakeQuantize(input), the fused steps with Linear/Conv2d as QatLayers]. The weights are
// `model`'s own tensors: training the result trains them.
std::shared_ptr<nn::Sequential> prepare_qat(const nn::Sequential& model,
                                            const QatOptions& options = {});
// The int8 model of a trained prepare_qat() result; `sample` is a batch shaped as the input.
std::shared_ptr<QuantizedModel> convert_qat(const nn::Sequential& qat, const Tensor& sample);

}  // namespace joule::quant
