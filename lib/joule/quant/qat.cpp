#include "joule/quant/qat.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "joule/autograd/node.h"
#include "joule/core/check.h"
#include "joule/nn/conv.h"
#include "joule/nn/linear.h"
#include "joule/ops/activation.h"
#include "joule/ops/conv.h"
#include "joule/ops/linalg.h"

namespace joule::quant {

namespace {

void check_cpu_float(const Tensor& x, const char* op) {
  JOULE_CHECK(x.device().is_cpu() && x.dtype() == DType::Float32, op,
              ": quantization-aware training runs on the CPU in float32; got ",
              dtype_name(x.dtype()), " on ", x.device().str());
}

// dy where keep[i], else 0
Tensor masked_grad(const Tensor& g, const std::shared_ptr<std::vector<uint8_t>>& keep) {
  Tensor gc = g.contiguous();
  Tensor dx = Tensor::empty(g.shape());
  const float* pg = gc.data<float>();
  float* pd = dx.data<float>();
  for (int64_t i = 0; i < dx.numel(); ++i) pd[i] = (*keep)[static_cast<size_t>(i)] ? pg[i] : 0.f;
  return dx;
}

}  // namespace

Tensor fake_quantize(const Tensor& x, QParams p) {
  check_cpu_float(x, "fake_quantize");
  Tensor xc = x.contiguous();
  Tensor y = Tensor::empty(x.shape());
  const float* px = xc.data<float>();
  float* py = y.data<float>();
  const int64_t n = x.numel();
  auto keep = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(n));
  const float inv = 1.f / p.scale, zp = static_cast<float>(p.zero_point);
  for (int64_t i = 0; i < n; ++i) {
    const float t = std::nearbyint(px[i] * inv) + zp;
    const float q = std::min(std::max(0.f, t), 255.f);
    (*keep)[static_cast<size_t>(i)] = t >= 0.f && t <= 255.f;
    py[i] = (q - zp) * p.scale;
  }
  return record("fake_quantize", y, {x}, [keep](const Tensor& g, const Needs&) {
    return grads{masked_grad(g, keep)};
  });
}

Tensor fake_quantize_weight(const Tensor& w) {
  check_cpu_float(w, "fake_quantize_weight");
  JOULE_CHECK(w.dim() >= 2, "fake_quantize_weight: expects (OUT, ...), got ", w.shape());
  Tensor wc = w.contiguous();
  Tensor y = Tensor::empty(w.shape());
  const int64_t O = w.size(0), K = w.numel() / O;
  const float* pw = wc.data<float>();
  float* py = y.data<float>();
  for (int64_t o = 0; o < O; ++o) {
    float amax = 0.f;
    for (int64_t k = 0; k < K; ++k) amax = std::max(amax, std::abs(pw[o * K + k]));
    const float s = amax > 0 ? amax / 127.f : 1.f;
    for (int64_t k = 0; k < K; ++k) {
      const float v = std::nearbyint(pw[o * K + k] / s);
      py[o * K + k] = std::min(std::max(v, -127.f), 127.f) * s;
    }
  }
  return record("fake_quantize_weight", y, {w},
                [](const Tensor& g, const Needs&) { return grads{g}; });
}

// ---- FakeQuantize ----------------------------------------------------------------------------

FakeQuantize::FakeQuantize(ObserverKind observer) : observer_(make_observer(observer)) {}

Tensor FakeQuantize::forward(const Tensor& x) {
  if (is_training()) observer_->observe(x.detach());
  if (!observer_->seen()) return x;
  return fake_quantize(x, observer_->qparams());
}

std::string FakeQuantize::repr() const {
  std::ostringstream s;
  s << "FakeQuantize(" << observer_->name();
  if (observer_->seen())
    s << ", scale=" << qparams().scale << ", zero_point=" << qparams().zero_point;
  s << ")";
  return s.str();
}

// ---- QatLayer --------------------------------------------------------------------------------

QatLayer::QatLayer(Step step, ObserverKind observer) : step_(std::move(step)) {
  JOULE_CHECK(step_.kind == Step::Kind::Linear || step_.kind == Step::Kind::Conv2d,
              "QatLayer: wraps a Linear or a Conv2d, got ", step_.module->repr());
  if (step_.kind == Step::Kind::Linear) {
    const auto& l = static_cast<const nn::Linear&>(*step_.module);
    weight_ = register_parameter("weight", l.weight());
    if (l.bias().defined()) bias_ = register_parameter("bias", l.bias());
  } else {
    const auto& c = static_cast<const nn::Conv2d&>(*step_.module);
    weight_ = register_parameter("weight", c.weight());
    if (c.bias().defined()) bias_ = register_parameter("bias", c.bias());
  }
  out_ = register_module("output", std::make_shared<FakeQuantize>(observer));
}

Tensor QatLayer::forward(const Tensor& x) {
  const Tensor w = fake_quantize_weight(weight_);
  Tensor y;
  if (step_.kind == Step::Kind::Linear) {
    y = linear(x, w, bias_);
  } else {
    const nn::Conv2dOptions& o = static_cast<const nn::Conv2d&>(*step_.module).options();
    y = conv2d(x, w, bias_, Conv2dParams{o.stride, o.padding, o.dilation, o.groups});
  }
  if (step_.relu) y = relu(y);
  return out_->forward(y);
}

std::string QatLayer::repr() const {
  return "Qat(" + step_.module->repr() + (step_.relu ? ", relu" : "") + ")";
}

// ---- prepare and convert ---------------------------------------------------------------------

std::shared_ptr<nn::Sequential> prepare_qat(const nn::Sequential& model,
                                            const QatOptions& options) {
  auto qat = std::make_shared<nn::Sequential>();
  qat->push_back(std::make_shared<FakeQuantize>(options.observer));
  for (const Step& s : fuse(model)) {
    if (s.kind == Step::Kind::Linear || s.kind == Step::Kind::Conv2d)
      qat->push_back(std::make_shared<QatLayer>(s, options.observer));
    else
      qat->push_back(s.module);
  }
  qat->train(model.is_training());
  return qat;
}

std::shared_ptr<QuantizedModel> convert_qat(const nn::Sequential& qat, const Tensor& sample) {
  auto* in = qat.size() > 0 ? dynamic_cast<const FakeQuantize*>(qat[0].get()) : nullptr;
  JOULE_CHECK(in != nullptr, "convert_qat: expects a prepare_qat() model, whose first layer is ",
              "a FakeQuantize");
  std::vector<Step> steps;
  std::vector<QParams> out;
  for (size_t i = 1; i < qat.size(); ++i) {
    if (auto* l = dynamic_cast<const QatLayer*>(qat[i].get())) {
      steps.push_back(l->step());
      out.push_back(l->output().qparams());
      continue;
    }
    nn::Sequential one;  // the layer's kind, as fuse() names it
    one.push_back(qat[i]);
    steps.push_back(fuse(one).front());
    out.push_back(QParams{});
  }
  return build_quantized(steps, sample, in->qparams(), out);
}

}  // namespace joule::quant
