#include "joule/quant/dynamic.h"

#include <sstream>

#include "joule/core/check.h"
#include "joule/ops/reference_mode.h"
#include "kernels/reference/quant.h"

namespace joule::quant {

DynamicQLinear::DynamicQLinear(const nn::Linear& linear) : w_(quantize_weight(linear.weight())) {
  JOULE_CHECK(w_.shape[1] <= 65536, "DynamicQLinear: at most 65536 inputs (int32 accumulators), ",
              "got ", w_.shape[1]);
  if (linear.bias().defined())
    bias_ = linear.bias().to(Device::cpu()).contiguous().to_vector<float>();
  packed_ = kernels::cpu::pack_qweight(w_.data.data(), w_.shape[0], w_.shape[1]);
}

Tensor DynamicQLinear::forward(const Tensor& x) {
  const int64_t IN = w_.shape[1], OUT = w_.shape[0];
  JOULE_CHECK(x.device().is_cpu() && x.dtype() == DType::Float32 && x.dim() == 2 &&
                  x.size(1) == IN,
              "dynamic quantized Linear: expects a float32 CPU tensor (B, ", IN, "), got ",
              dtype_name(x.dtype()), " ", x.shape(), " on ", x.device().str());
  Tensor xc = x.contiguous();
  const int64_t B = x.size(0);
  const bool reference = ops::reference_kernels_enabled();
  float lo, hi;
  if (reference)
    kernels::ref::min_max_f32(&lo, &hi, xc.data<float>(), xc.numel());
  else
    kernels::cpu::min_max_f32(&lo, &hi, xc.data<float>(), xc.numel());
  const QParams p = choose_qparams(lo, hi);
  std::vector<uint8_t> q(static_cast<size_t>(B * IN));
  std::vector<float> multiplier(static_cast<size_t>(OUT));
  for (int64_t n = 0; n < OUT; ++n)
    multiplier[static_cast<size_t>(n)] = p.scale * w_.scales[static_cast<size_t>(n)];
  Tensor y = Tensor::empty({B, OUT});
  const float* bias = bias_.empty() ? nullptr : bias_.data();
  if (reference) {
    kernels::ref::quantize_u8(q.data(), xc.data<float>(), B * IN, 1.f / p.scale, p.zero_point);
    kernels::ref::qgemm_f32(y.data<float>(), q.data(), p.zero_point, w_.data.data(), B, OUT, IN,
                            {multiplier.data(), bias, 0, false});
  } else {
    kernels::cpu::quantize_u8(q.data(), xc.data<float>(), B * IN, 1.f / p.scale, p.zero_point);
    kernels::cpu::qgemm_packed_f32(y.data<float>(), OUT, q.data(), IN, p.zero_point, packed_, B,
                                   {multiplier.data(), bias, 0, false});
  }
  return y;
}

std::string DynamicQLinear::repr() const {
  std::ostringstream s;
  s << "DynamicQuantizedLinear(in=" << w_.shape[1] << ", out=" << w_.shape[0]
    << ", bias=" << (bias_.empty() ? "false" : "true") << ")";
  return s.str();
}

std::shared_ptr<nn::Sequential> quantize_dynamic(const nn::Sequential& model) {
  auto out = std::make_shared<nn::Sequential>();
  for (size_t i = 0; i < model.size(); ++i) {
    if (auto* l = dynamic_cast<nn::Linear*>(model[i].get()))
      out->push_back(std::make_shared<DynamicQLinear>(*l));
    else
      out->push_back(model[i]);
  }
  return out;
}

}  // namespace joule::quant
