#include "joule/quant/qtensor.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "joule/core/check.h"
#include "joule/ops/reference_mode.h"
#include "kernels/cpu/quant.h"
#include "kernels/reference/quant.h"

namespace joule::quant {

QParams choose_qparams(float lo, float hi) {
  JOULE_CHECK(std::isfinite(lo) && std::isfinite(hi) && lo <= hi,
              "choose_qparams: the range must be finite with lo <= hi, got [", lo, ", ", hi, "]");
  lo = std::min(lo, 0.f);
  hi = std::max(hi, 0.f);
  QParams p;
  if (hi - lo <= 0.f) return p;  // all zeros: any scale; zero_point 0
  p.scale = (hi - lo) / 255.f;
  const float zp = std::nearbyint(-lo / p.scale);
  p.zero_point = static_cast<int32_t>(std::min(std::max(zp, 0.f), 255.f));
  return p;
}

QTensor::QTensor(Shape shape, QParams params)
    : shape_(std::move(shape)),
      params_(params),
      data_(new uint8_t[static_cast<size_t>(shape_.numel())]) {  // uninitialised, not zeroed
  JOULE_CHECK(params.scale > 0 && std::isfinite(params.scale),
              "QTensor: scale must be positive and finite, got ", params.scale);
  JOULE_CHECK(params.zero_point >= 0 && params.zero_point <= 255,
              "QTensor: a uint8 zero point lies in [0, 255], got ", params.zero_point);
}

QTensor QTensor::reshaped(Shape shape) const {
  JOULE_CHECK(shape.numel() == numel(), "QTensor::reshaped: ", shape_, " has ", numel(),
              " elements, ", shape, " has ", shape.numel());
  QTensor q = *this;
  q.shape_ = std::move(shape);
  return q;
}

QTensor QTensor::reuse(QTensor& spare, Shape shape, QParams params) {
  if (!spare.defined() || spare.data_.use_count() != 1 || spare.numel() != shape.numel()) {
    spare = QTensor(std::move(shape), params);
    return spare;
  }
  QTensor q(spare);
  q.shape_ = std::move(shape);
  q.params_ = params;
  JOULE_CHECK(params.scale > 0 && std::isfinite(params.scale) && params.zero_point >= 0 &&
                  params.zero_point <= 255,
              "QTensor: bad parameters scale=", params.scale, " zero_point=", params.zero_point);
  return q;
}

std::string QTensor::str() const {
  std::ostringstream s;
  s << "QTensor" << shape_.str() << " uint8" << (nhwc() ? " NHWC" : "") << " scale="
    << params_.scale << " zero_point=" << params_.zero_point;
  return s.str();
}

QTensor quantize(const Tensor& x, QParams params) {
  JOULE_CHECK(x.device().is_cpu(), "quantize: int8 inference runs on the CPU; the tensor is on ",
              x.device().str());
  JOULE_CHECK(x.dtype() == DType::Float32, "quantize: expects float32, got ",
              dtype_name(x.dtype()));
  JOULE_CHECK(x.dim() == 2 || x.dim() == 4, "quantize: expects a 2-D (B, F) or 4-D (N, C, H, W)",
              " tensor, got ", x.shape());
  Tensor xc = x.contiguous();
  QTensor q(x.shape(), params);
  const int64_t n = x.numel();
  const bool reference = ops::reference_kernels_enabled();
  const float inv = 1.f / params.scale;
  std::vector<uint8_t> nchw;
  uint8_t* codes = q.data();
  const bool transpose = x.dim() == 4 && x.size(1) > 1;
  if (transpose) {
    nchw.resize(static_cast<size_t>(n));
    codes = nchw.data();
  }
  if (reference)
    kernels::ref::quantize_u8(codes, xc.data<float>(), n, inv, params.zero_point);
  else
    kernels::cpu::quantize_u8(codes, xc.data<float>(), n, inv, params.zero_point);
  if (transpose) {  // (N, C, HW) -> (N, HW, C)
    const int64_t N = x.size(0), C = x.size(1), HW = x.size(2) * x.size(3);
    if (reference)
      kernels::ref::transpose_u8(q.data(), codes, N, C, HW);
    else
      kernels::cpu::transpose_u8(q.data(), codes, N, C, HW);
  }
  return q;
}

Tensor dequantize(const QTensor& q) {
  JOULE_CHECK(q.defined(), "dequantize: the QTensor is empty");
  const Shape& s = q.shape();
  const int64_t n = q.numel();
  const bool reference = ops::reference_kernels_enabled();
  const uint8_t* codes = q.data();
  std::vector<uint8_t> nchw;
  if (q.nhwc() && s[1] > 1) {  // (N, HW, C) -> (N, C, HW)
    nchw.resize(static_cast<size_t>(n));
    if (reference)
      kernels::ref::transpose_u8(nchw.data(), codes, s[0], s[2] * s[3], s[1]);
    else
      kernels::cpu::transpose_u8(nchw.data(), codes, s[0], s[2] * s[3], s[1]);
    codes = nchw.data();
  }
  Tensor y = Tensor::empty(s);
  const QParams p = q.params();
  if (reference)
    kernels::ref::dequantize_u8(y.data<float>(), codes, n, p.scale, p.zero_point);
  else
    kernels::cpu::dequantize_u8(y.data<float>(), codes, n, p.scale, p.zero_point);
  return y;
}

QWeight quantize_weight(const Tensor& w) {
  JOULE_CHECK(w.dtype() == DType::Float32 && (w.dim() == 2 || w.dim() == 4),
              "quantize_weight: expects a float32 (OUT, IN) or (OC, C, KH, KW) weight, got ",
              dtype_name(w.dtype()), " ", w.shape());
  Tensor wc = w.to(Device::cpu()).contiguous();
  const float* src = wc.data<float>();
  QWeight q;
  q.shape = w.shape();
  const int64_t O = w.size(0), K = w.numel() / O;
  const bool conv = w.dim() == 4;
  const int64_t C = conv ? w.size(1) : K, KHW = conv ? w.size(2) * w.size(3) : 1;
  q.data.resize(static_cast<size_t>(O * K));
  q.scales.resize(static_cast<size_t>(O));
  for (int64_t o = 0; o < O; ++o) {
    float amax = 0.f;
    for (int64_t k = 0; k < K; ++k) amax = std::max(amax, std::abs(src[o * K + k]));
    JOULE_CHECK(std::isfinite(amax), "quantize_weight: output channel ", o, " holds a non-finite",
                " value");
    const float scale = amax > 0 ? amax / 127.f : 1.f;
    q.scales[static_cast<size_t>(o)] = scale;
    for (int64_t c = 0; c < C; ++c)
      for (int64_t t = 0; t < KHW; ++t) {  // float (c, t) -> int8 (t, c)
        const float v = std::nearbyint(src[o * K + c * KHW + t] / scale);
        q.data[static_cast<size_t>(o * K + t * C + c)] =
            static_cast<int8_t>(std::min(std::max(v, -127.f), 127.f));
      }
  }
  return q;
}

Tensor dequantize_weight(const QWeight& w) {
  Tensor t = Tensor::empty(w.shape);
  float* dst = t.data<float>();
  const int64_t O = w.shape[0], K = w.shape.numel() / O;
  const bool conv = w.shape.dim() == 4;
  const int64_t C = conv ? w.shape[1] : K, KHW = conv ? w.shape[2] * w.shape[3] : 1;
  for (int64_t o = 0; o < O; ++o)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t k = 0; k < KHW; ++k)
        dst[o * K + c * KHW + k] =
            w.scales[static_cast<size_t>(o)] * w.data[static_cast<size_t>(o * K + k * C + c)];
  return t;
}

void float_input_error(const std::string& op, const Tensor& x) {
  detail::throw_error(__FILE__, __LINE__,
                      detail::str_cat(op, ": a quantized layer takes a QTensor (uint8 codes), ",
                                      "not the float32 tensor ", x.shape(), " it was given: call ",
                                      "it through QuantizedModel, whose input is quantized first, ",
                                      "or quantize(x, params) and qforward()"));
}

}  // namespace joule::quant
