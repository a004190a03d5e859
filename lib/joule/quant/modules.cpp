#include "joule/quant/modules.h"

#include <sstream>

#include "joule/core/check.h"
#include "joule/ops/reference_mode.h"
#include "kernels/reference/quant.h"

namespace joule::quant {

namespace {

namespace cpu = kernels::cpu;
namespace ref = kernels::ref;

// The requantization vectors of one call: multiplier[n] = s_x s_w[n] / s_y, bias[n] / s_y.
struct Requant {
  std::vector<float> multiplier, bias;
  int32_t zp = 0;
  bool relu = false;
  kernels::Requant view() const {
    return {multiplier.data(), bias.empty() ? nullptr : bias.data(), zp, relu};
  }
};

Requant requant(QParams in, const QWeight& w, const std::vector<float>& bias, QParams out,
                bool relu) {
  Requant r;
  r.multiplier.resize(w.scales.size());
  for (size_t n = 0; n < w.scales.size(); ++n)
    r.multiplier[n] = in.scale * w.scales[n] / out.scale;
  r.bias.resize(bias.size());
  for (size_t n = 0; n < bias.size(); ++n) r.bias[n] = bias[n] / out.scale;
  r.zp = out.zero_point;
  r.relu = relu;
  return r;
}

void check_bias(const std::vector<float>& bias, int64_t out, const char* who) {
  JOULE_CHECK(bias.empty() || static_cast<int64_t>(bias.size()) == out, who, ": bias has ",
              bias.size(), " entries for ", out, " outputs");
}

std::string params_str(QParams p) {
  std::ostringstream s;
  s << "scale=" << p.scale << ", zero_point=" << p.zero_point;
  return s.str();
}

}  // namespace

Tensor QModule::forward(const Tensor& x) { float_input_error("quantized " + kind(), x); }

// ---- Linear ----------------------------------------------------------------------------------

QLinear::QLinear(QWeight weight, std::vector<float> bias, QParams out, bool relu)
    : w_(std::move(weight)), bias_(std::move(bias)), out_(out), relu_(relu) {
  JOULE_CHECK(w_.shape.dim() == 2, "QLinear: weight must be (OUT, IN), got ", w_.shape);
  JOULE_CHECK(w_.shape[1] <= 65536, "QLinear: at most 65536 inputs (int32 accumulators), got ",
              w_.shape[1]);
  check_bias(bias_, w_.shape[0], "QLinear");
  packed_ = cpu::pack_qweight(w_.data.data(), w_.shape[0], w_.shape[1]);
}

QTensor QLinear::qforward(const QTensor& x) {
  const int64_t IN = w_.shape[1], OUT = w_.shape[0];
  JOULE_CHECK(x.shape().dim() == 2 && x.shape()[1] == IN, "quantized Linear: expects (B, ", IN,
              "), got ", x.str());
  const int64_t B = x.shape()[0];
  QTensor y = QTensor::reuse(spare_, Shape{B, OUT}, out_);
  const Requant r = requant(x.params(), w_, bias_, out_, relu_);
  const int32_t zp = x.params().zero_point;
  if (ops::reference_kernels_enabled())
    ref::qgemm_u8(y.data(), x.data(), zp, w_.data.data(), B, OUT, IN, r.view());
  else
    cpu::qgemm_packed_u8(y.data(), OUT, x.data(), IN, zp, packed_, B, r.view());
  return y;
}

std::string QLinear::repr() const {
  std::ostringstream s;
  s << "QuantizedLinear(in=" << w_.shape[1] << ", out=" << w_.shape[0]
    << ", bias=" << (bias_.empty() ? "false" : "true") << ", relu=" << (relu_ ? "true" : "false")
    << ", " << params_str(out_) << ")";
  return s.str();
}

// ---- Conv2d ----------------------------------------------------------------------------------

QConv2d::QConv2d(QWeight weight, std::vector<float> bias, Conv2dParams params, QParams out,
                 bool relu)
    : w_(std::move(weight)), bias_(std::move(bias)), params_(params), out_(out), relu_(relu) {
  JOULE_CHECK(w_.shape.dim() == 4, "QConv2d: weight must be (OC, C, KH, KW), got ", w_.shape);
  JOULE_CHECK(params_.groups == 1, "QConv2d: grouped convolutions are not supported, got groups=",
              params_.groups);
  JOULE_CHECK(params_.stride.h > 0 && params_.stride.w > 0, "QConv2d: stride must be positive, got ",
              params_.stride);
  JOULE_CHECK(params_.dilation.h > 0 && params_.dilation.w > 0,
              "QConv2d: dilation must be positive, got ", params_.dilation);
  JOULE_CHECK(params_.padding.h >= 0 && params_.padding.w >= 0,
              "QConv2d: padding must be >= 0, got ", params_.padding);
  JOULE_CHECK(w_.shape.numel() / w_.shape[0] <= 65536, "QConv2d: at most 65536 inputs per ",
              "output (int32 accumulators), got ", w_.shape.numel() / w_.shape[0]);
  check_bias(bias_, w_.shape[0], "QConv2d");
  kernels::Conv2dDims d;
  d.OC = w_.shape[0], d.C = w_.shape[1], d.KH = w_.shape[2], d.KW = w_.shape[3];
  packed_ = cpu::pack_qconv_weight(w_.data.data(), d);
}

kernels::Conv2dDims QConv2d::dims(const QTensor& x) const {
  const Shape& s = x.shape();
  JOULE_CHECK(s.dim() == 4 && s[1] == w_.shape[1], "quantized Conv2d: expects (N, ", w_.shape[1],
              ", H, W), got ", x.str());
  kernels::Conv2dDims d;
  d.N = s[0], d.C = s[1], d.H = s[2], d.W = s[3];
  d.OC = w_.shape[0], d.KH = w_.shape[2], d.KW = w_.shape[3];
  d.SH = params_.stride.h, d.SW = params_.stride.w, d.PH = params_.padding.h;
  d.PW = params_.padding.w, d.DH = params_.dilation.h, d.DW = params_.dilation.w;
  d.OH = (d.H + 2 * d.PH - d.DH * (d.KH - 1) - 1) / d.SH + 1;
  d.OW = (d.W + 2 * d.PW - d.DW * (d.KW - 1) - 1) / d.SW + 1;
  JOULE_CHECK(d.OH > 0 && d.OW > 0, "quantized Conv2d: input ", s, " is smaller than the kernel");
  return d;
}

QTensor QConv2d::qforward(const QTensor& x) {
  const kernels::Conv2dDims d = dims(x);
  QTensor y = QTensor::reuse(spare_, Shape{d.N, d.OC, d.OH, d.OW}, out_);
  const Requant r = requant(x.params(), w_, bias_, out_, relu_);
  const int32_t zp = x.params().zero_point;
  if (ops::reference_kernels_enabled())
    ref::qconv2d_u8(y.data(), x.data(), zp, w_.data.data(), d, r.view());
  else
    cpu::qconv2d_packed_u8(y.data(), x.data(), zp, packed_, d, r.view());
  return y;
}

QTensor QConv2d::qforward_pooled(const QTensor& x, const QMaxPool2d& pool) {
  const kernels::Conv2dDims d = dims(x);
  const kernels::Pool2dDims p = pool.dims(Shape{d.N, d.OC, d.OH, d.OW});
  QTensor y = QTensor::reuse(spare_, Shape{p.N, p.C, p.OH, p.OW}, out_);
  const Requant r = requant(x.params(), w_, bias_, out_, relu_);
  const int32_t zp = x.params().zero_point;
  if (ops::reference_kernels_enabled())
    ref::qconv2d_pool_u8(y.data(), x.data(), zp, w_.data.data(), d, r.view(), p);
  else
    cpu::qconv2d_pool_packed_u8(y.data(), x.data(), zp, packed_, d, r.view(), p);
  return y;
}

std::string QConv2d::repr() const {
  std::ostringstream s;
  s << "QuantizedConv2d(in=" << w_.shape[1] << ", out=" << w_.shape[0] << ", kernel="
    << Size2(w_.shape[2], w_.shape[3]) << ", stride=" << params_.stride
    << ", padding=" << params_.padding << ", relu=" << (relu_ ? "true" : "false") << ", "
    << params_str(out_) << ")";
  return s.str();
}

// ---- ReLU, MaxPool2d, Flatten, Unflatten -----------------------------------------------------

QTensor QReLU::qforward(const QTensor& x) {
  QTensor y = QTensor::reuse(spare_, x.shape(), x.params());
  if (ops::reference_kernels_enabled())
    ref::relu_u8(y.data(), x.data(), x.numel(), x.params().zero_point);
  else
    cpu::relu_u8(y.data(), x.data(), x.numel(), x.params().zero_point);
  return y;
}

QMaxPool2d::QMaxPool2d(Size2 kernel, Size2 stride, Size2 padding)
    : kernel_(kernel), stride_(stride.h == 0 ? kernel : stride), padding_(padding) {
  JOULE_CHECK(kernel_.h > 0 && kernel_.w > 0, "QMaxPool2d: kernel must be positive, got ",
              kernel_);
  JOULE_CHECK(stride_.h > 0 && stride_.w > 0, "QMaxPool2d: stride must be positive, got ", stride_);
  JOULE_CHECK(padding_.h >= 0 && padding_.w >= 0, "QMaxPool2d: padding must be >= 0, got ",
              padding_);
  JOULE_CHECK(2 * padding_.h <= kernel_.h && 2 * padding_.w <= kernel_.w,
              "QMaxPool2d: padding is at most half the kernel, got padding ", padding_,
              " for kernel ", kernel_);
}

kernels::Pool2dDims QMaxPool2d::dims(const Shape& s) const {
  JOULE_CHECK(s.dim() == 4, "quantized MaxPool2d: expects (N, C, H, W), got ", s);
  kernels::Pool2dDims d;
  d.N = s[0], d.C = s[1], d.H = s[2], d.W = s[3], d.KH = kernel_.h, d.KW = kernel_.w;
  d.SH = stride_.h, d.SW = stride_.w, d.PH = padding_.h, d.PW = padding_.w;
  d.OH = (d.H + 2 * d.PH - d.KH) / d.SH + 1;
  d.OW = (d.W + 2 * d.PW - d.KW) / d.SW + 1;
  JOULE_CHECK(d.OH > 0 && d.OW > 0, "quantized MaxPool2d: input ", s, " is smaller than the ",
              "window ", kernel_);
  return d;
}

QTensor QMaxPool2d::qforward(const QTensor& x) {
  const kernels::Pool2dDims d = dims(x.shape());
  QTensor y = QTensor::reuse(spare_, Shape{d.N, d.C, d.OH, d.OW}, x.params());
  if (ops::reference_kernels_enabled())
    ref::max_pool2d_u8(y.data(), x.data(), d);
  else
    cpu::max_pool2d_u8(y.data(), x.data(), d);
  return y;
}

std::string QMaxPool2d::repr() const {
  std::ostringstream s;
  s << "QuantizedMaxPool2d(kernel=" << kernel_ << ", stride=" << stride_ << ", padding="
    << padding_ << ")";
  return s.str();
}

QTensor QFlatten::qforward(const QTensor& x) {
  const Shape& s = x.shape();
  if (s.dim() == 2) return x;
  JOULE_CHECK(s.dim() == 4, "quantized Flatten: expects (N, C, H, W), got ", x.str());
  const Shape flat{s[0], s[1] * s[2] * s[3]};
  if (s[1] == 1) return x.reshaped(flat);  // NHWC and NCHW orders agree
  QTensor y = QTensor::reuse(spare_, flat, x.params());
  if (ops::reference_kernels_enabled())
    ref::transpose_u8(y.data(), x.data(), s[0], s[2] * s[3], s[1]);
  else
    cpu::transpose_u8(y.data(), x.data(), s[0], s[2] * s[3], s[1]);
  return y;
}

QUnflatten::QUnflatten(Shape chw) : chw_(std::move(chw)) {
  JOULE_CHECK(chw_.dim() == 3, "QUnflatten: expects the (C, H, W) of one sample, got ", chw_);
}

QTensor QUnflatten::qforward(const QTensor& x) {
  const Shape& s = x.shape();
  JOULE_CHECK(s.dim() == 2 && s[1] == chw_.numel(), "quantized Unflatten: expects (N, ",
              chw_.numel(), ") to make (N, ", chw_[0], ", ", chw_[1], ", ", chw_[2], "), got ",
              x.str());
  const Shape nchw{s[0], chw_[0], chw_[1], chw_[2]};
  if (chw_[0] == 1) return x.reshaped(nchw);
  QTensor y = QTensor::reuse(spare_, nchw, x.params());
  if (ops::reference_kernels_enabled())
    ref::transpose_u8(y.data(), x.data(), s[0], chw_[0], chw_[1] * chw_[2]);
  else
    cpu::transpose_u8(y.data(), x.data(), s[0], chw_[0], chw_[1] * chw_[2]);
  return y;
}

// ---- the model -------------------------------------------------------------------------------

QuantizedModel::QuantizedModel(QParams input) : input_(input) {}

void QuantizedModel::push_back(std::shared_ptr<QModule> layer) {
  layers_.push_back(layer);
  register_module(std::to_string(layers_.size() - 1), std::move(layer));
}

QTensor QuantizedModel::qforward(const QTensor& x) {
  QTensor h = x;
  for (size_t i = 0; i < layers_.size(); ++i) {
    // a Conv2d and the MaxPool2d after it run as one pass: the same bytes, pooled in cache
    auto* conv = dynamic_cast<QConv2d*>(layers_[i].get());
    auto* pool = i + 1 < layers_.size() ? dynamic_cast<QMaxPool2d*>(layers_[i + 1].get())
                                        : nullptr;
    if (conv && pool) {
      h = conv->qforward_pooled(h, *pool);
      ++i;
    } else {
      h = layers_[i]->qforward(h);
    }
  }
  return h;
}

Tensor QuantizedModel::forward(const Tensor& x) {
  return dequantize(qforward(quantize(x, input_)));
}

int64_t QuantizedModel::weight_bytes() const {
  int64_t bytes = 0;
  for (const auto& layer : layers_) {
    const QWeight* w = nullptr;
    size_t bias = 0;
    if (auto* l = dynamic_cast<const QLinear*>(layer.get())) {
      w = &l->weight();
      bias = l->bias().size();
    }
    if (auto* c = dynamic_cast<const QConv2d*>(layer.get())) {
      w = &c->weight();
      bias = c->bias().size();
    }
    if (w) bytes += static_cast<int64_t>(w->data.size() + 4 * (w->scales.size() + bias));
  }
  return bytes;
}

}  // namespace joule::quant
