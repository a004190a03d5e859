#include "joule/quant/convert.h"

#include <cmath>

#include "joule/autograd/grad_mode.h"
#include "joule/core/check.h"
#include "joule/nn/activation.h"
#include "joule/nn/conv.h"
#include "joule/nn/dropout.h"
#include "joule/nn/linear.h"
#include "joule/nn/norm.h"
#include "joule/nn/pool.h"
#include "joule/ops/activation.h"

namespace joule::quant {

namespace {

bool is_weighted(Step::Kind k) { return k == Step::Kind::Linear || k == Step::Kind::Conv2d; }

// conv followed by bn (eval statistics) -> one conv: w' = w g / sqrt(var + eps),
// b' = (b - mean) g / sqrt(var + eps) + beta.
std::shared_ptr<nn::Module> fold_batchnorm(const nn::Conv2d& conv, const nn::BatchNorm2d& bn) {
  nn::Conv2dOptions o = conv.options();
  o.bias = true;
  Generator gen(0);
  auto folded = std::make_shared<nn::Conv2d>(o, gen);
  folded->weight().copy_(conv.weight().to(Device::cpu()));
  if (conv.bias().defined())
    folded->bias().copy_(conv.bias().to(Device::cpu()));
  else
    folded->bias().fill_(0.f);
  const auto host = [](const Tensor& t) {
    return t.defined() ? t.to(Device::cpu()).contiguous() : Tensor();
  };
  const Tensor gamma = host(bn.weight()), beta = host(bn.bias());
  const Tensor mean = host(bn.running_mean()), var = host(bn.running_var());
  const int64_t OC = folded->weight().size(0);
  nn::fold_batchnorm(folded->weight().data<float>(), folded->bias().data<float>(), OC,
                     folded->weight().numel() / OC,
                     gamma.defined() ? gamma.data<float>() : nullptr,
                     beta.defined() ? beta.data<float>() : nullptr, mean.data<float>(),
                     var.data<float>(), bn.options().eps);
  return folded;
}

}  // namespace

std::vector<Step> fuse(const nn::Sequential& model) {
  std::vector<Step> steps;
  for (size_t i = 0; i < model.size(); ++i) {
    const std::shared_ptr<nn::Module>& m = model[i];
    const std::string where = "quant::fuse: layer " + std::to_string(i) + " (" + m->repr() + ")";
    if (dynamic_cast<nn::Dropout*>(m.get())) continue;  // identity at inference
    if (auto* bn = dynamic_cast<nn::BatchNorm2d*>(m.get())) {
      const bool after_conv = !steps.empty() && steps.back().kind == Step::Kind::Conv2d &&
                              !steps.back().relu;
      JOULE_CHECK(after_conv, where, ": BatchNorm2d folds only into a Conv2d right before it");
      steps.back().module =
          fold_batchnorm(static_cast<const nn::Conv2d&>(*steps.back().module), *bn);
      continue;
    }
    if (dynamic_cast<nn::ReLU*>(m.get())) {
      if (!steps.empty() && is_weighted(steps.back().kind) && !steps.back().relu) {
        steps.back().relu = true;
        continue;
      }
      steps.push_back({Step::Kind::ReLU, m, false});
      continue;
    }
    Step s{Step::Kind::Linear, m, false};
    if (dynamic_cast<nn::Linear*>(m.get()))
      s.kind = Step::Kind::Linear;
    else if (auto* c = dynamic_cast<nn::Conv2d*>(m.get())) {
      JOULE_CHECK(c->options().groups == 1, where, ": grouped convolutions have no int8 kernel");
      s.kind = Step::Kind::Conv2d;
    } else if (dynamic_cast<nn::MaxPool2d*>(m.get()))
      s.kind = Step::Kind::MaxPool2d;
    else if (dynamic_cast<nn::Flatten*>(m.get()))
      s.kind = Step::Kind::Flatten;
    else if (dynamic_cast<nn::Unflatten*>(m.get()))
      s.kind = Step::Kind::Unflatten;
    else
      JOULE_CHECK(false, where, ": no quantized form; supported: Linear, Conv2d, BatchNorm2d ",
                  "(folded), ReLU, MaxPool2d, Flatten, Unflatten, Dropout");
    steps.push_back(s);
  }
  JOULE_CHECK(!steps.empty(), "quant::fuse: the model has no layers");
  return steps;
}

Tensor run_steps(const std::vector<Step>& steps, const Tensor& x,
                 const std::function<void(size_t, const Tensor&)>& each) {
  NoGradGuard no_grad;
  Tensor h = x;
  for (size_t i = 0; i < steps.size(); ++i) {
    h = steps[i].module->forward(h);
    if (steps[i].relu) h = relu(h);
    if (each) each(i, h);
  }
  return h;
}

std::shared_ptr<QuantizedModel> build_quantized(const std::vector<Step>& steps,
                                                const Tensor& sample, QParams input,
                                                const std::vector<QParams>& out) {
  JOULE_CHECK(out.size() == steps.size(), "quant::build_quantized: ", steps.size(), " steps but ",
              out.size(), " output parameters");
  // the shapes each step sees, from one float sample
  std::vector<Shape> shapes;
  run_steps(steps, sample.slice_rows(0, 1), [&](size_t, const Tensor& y) {
    shapes.push_back(y.shape());
  });
  auto model = std::make_shared<QuantizedModel>(input);
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    switch (s.kind) {
      case Step::Kind::Linear: {
        const auto& l = static_cast<const nn::Linear&>(*s.module);
        std::vector<float> bias;
        if (l.bias().defined()) bias = l.bias().to(Device::cpu()).contiguous().to_vector<float>();
        model->push_back(
            std::make_shared<QLinear>(quantize_weight(l.weight()), bias, out[i], s.relu));
        break;
      }
      case Step::Kind::Conv2d: {
        const auto& c = static_cast<const nn::Conv2d&>(*s.module);
        std::vector<float> bias;
        if (c.bias().defined()) bias = c.bias().to(Device::cpu()).contiguous().to_vector<float>();
        const nn::Conv2dOptions& o = c.options();
        model->push_back(std::make_shared<QConv2d>(quantize_weight(c.weight()), bias,
                                                   Conv2dParams{o.stride, o.padding, o.dilation,
                                                                o.groups},
                                                   out[i], s.relu));
        break;
      }
      case Step::Kind::ReLU: model->push_back(std::make_shared<QReLU>()); break;
      case Step::Kind::MaxPool2d: {
        const auto& o = static_cast<const nn::MaxPool2d&>(*s.module).options();
        model->push_back(std::make_shared<QMaxPool2d>(o.kernel, o.stride, o.padding));
        break;
      }
      case Step::Kind::Flatten: model->push_back(std::make_shared<QFlatten>()); break;
      case Step::Kind::Unflatten: {
        const Shape& y = shapes[i];
        JOULE_CHECK(y.dim() == 4, "quant::build_quantized: step ", i, " (Unflatten) makes ", y,
                    "; only (N, C, H, W) has a quantized form");
        model->push_back(std::make_shared<QUnflatten>(Shape{y[1], y[2], y[3]}));
        break;
      }
    }
  }
  return model;
}

// ---- static PTQ ------------------------------------------------------------------------------

StaticQuantizer::StaticQuantizer(const nn::Sequential& model, const PtqOptions& options)
    : steps_(fuse(model)), input_(make_observer(options.observer)) {
  for (const Step& s : steps_)
    outputs_.push_back(is_weighted(s.kind) ? make_observer(options.observer) : nullptr);
}

void StaticQuantizer::calibrate(const Tensor& x) {
  JOULE_CHECK(x.device().is_cpu(), "StaticQuantizer::calibrate: calibration runs on the CPU; the ",
              "batch is on ", x.device().str());
  if (!sample_.defined()) sample_ = x.slice_rows(0, 1).clone();
  input_->observe(x);
  run_steps(steps_, x, [&](size_t i, const Tensor& y) {
    if (outputs_[i]) outputs_[i]->observe(y);
  });
  ++batches_;
}

std::shared_ptr<QuantizedModel> StaticQuantizer::convert() const {
  JOULE_CHECK(batches_ > 0, "StaticQuantizer::convert: calibrate on at least one batch first");
  std::vector<QParams> out;
  for (const auto& o : outputs_) out.push_back(o ? o->qparams() : QParams{});
  return build_quantized(steps_, sample_, input_->qparams(), out);
}

}  // namespace joule::quant
