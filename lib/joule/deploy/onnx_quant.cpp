// The quantized models of export_onnx, in ONNX Runtime's QDQ form: every uint8 activation is a
// QuantizeLinear -> DequantizeLinear pair under its scale and zero point, every int8 weight a
// DequantizeLinear with one scale per output channel (axis 0), every bias an int32
// DequantizeLinear under input scale x weight scale, and the ops between them are float. A
// runtime that knows the form fuses each DQ -> op -> Q into an int8 kernel; one that does not
// computes the same function in float. That function is Joule's but for the bias: Joule adds
// bias / out_scale in float, the graph adds the bias rounded to its int32 grid (at most
// 0.5 x_scale w_scale per output before requantization; dequantized_bias).
#include "joule/deploy/onnx_graph.h"

#ifdef JOULE_WITH_ONNX

#include <cmath>
#include <limits>
#include "joule/core/check.h"
#include "joule/quant/dynamic.h"
#include "joule/quant/modules.h"

namespace joule::deploy::detail {

namespace {

using joule::detail::str_cat;

// x float -> QuantizeLinear (uint8 under p) -> DequantizeLinear: the float the codes stand for.
std::string quantize_dequantize(OnnxGraph& g, const std::string& x, quant::QParams p) {
  const std::string scale = g.floats("scale", {}, {p.scale});
  const std::string zero = g.uint8s("zero_point", {}, {static_cast<uint8_t>(p.zero_point)});
  const std::string q = g.node("QuantizeLinear", {x, scale, zero}, "q");
  return g.node("DequantizeLinear", {q, scale, zero}, "dq");
}

// int8 weights (one scale per output channel, zero points 0) -> DequantizeLinear, axis 0. Conv
// rows are stored (KH, KW, C) (NHWC taps); ONNX wants (C, KH, KW).
std::string dequantized_weight(OnnxGraph& g, const quant::QWeight& w) {
  const int64_t O = w.shape[0], K = w.shape.numel() / O;
  const bool conv = w.shape.dim() == 4;
  const int64_t C = conv ? w.shape[1] : K, KHW = conv ? w.shape[2] * w.shape[3] : 1;
  std::vector<int8_t> data(static_cast<size_t>(O * K));
  for (int64_t o = 0; o < O; ++o)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t k = 0; k < KHW; ++k)
        data[static_cast<size_t>(o * K + c * KHW + k)] =
            w.data[static_cast<size_t>(o * K + k * C + c)];
  const std::string q = g.int8s("weight_q", w.shape.dims(), data);
  const std::string scale = g.floats("weight_scale", {O}, w.scales);
  const std::string zero = g.int8s("weight_zero_point", {O}, std::vector<int8_t>(O, 0));
  return g.node("DequantizeLinear", {q, scale, zero}, "weight", {attr("axis", int64_t{0})});
}

// Float bias -> int32 codes under scale x_scale * w_scale[o] (zero point 0) -> DequantizeLinear,
// the bias form runtimes fuse into their int8 Gemm and Conv. The codes are rounded to nearest:
// the graph's bias differs from Joule's float bias by at most half a step (0.5 x_scale
// w_scale[o]) per output before requantization. A code beyond int32 is refused (layer `index`),
// never clamped.
std::string dequantized_bias(OnnxGraph& g, const std::vector<float>& bias, float x_scale,
                             const quant::QWeight& w, const std::string& index,
                             const nn::Module& layer) {
  const size_t O = bias.size();
  std::vector<float> scales(O);
  std::vector<int32_t> codes(O);
  const double lo = std::numeric_limits<int32_t>::min();
  const double hi = std::numeric_limits<int32_t>::max();
  for (size_t o = 0; o < O; ++o) {
    scales[o] = x_scale * w.scales[o];
    const double q = std::nearbyint(static_cast<double>(bias[o]) / scales[o]);
    if (!(q >= lo && q <= hi))
      refuse(index, layer,
             str_cat("the bias of output channel ", o, " is ", bias[o], ", which under scale ",
                     scales[o], " (input scale ", x_scale, " x weight scale ", w.scales[o],
                     ") is the code ", q, ", beyond int32 [",
                     std::numeric_limits<int32_t>::min(), ", ",
                     std::numeric_limits<int32_t>::max(), "]"));
    codes[o] = static_cast<int32_t>(q);
  }
  const int64_t n = static_cast<int64_t>(O);
  const std::string q = g.int32s("bias_q", {n}, codes);
  const std::string scale = g.floats("bias_scale", {n}, scales);
  const std::string zero = g.int32s("bias_zero_point", {n}, std::vector<int32_t>(O, 0));
  return g.node("DequantizeLinear", {q, scale, zero}, "bias", {attr("axis", int64_t{0})});
}

void need_input(const Flow& flow, size_t rank, int64_t features, const std::string& index,
                const nn::Module& layer) {
  if (flow.shape.size() != rank || flow.shape[1] != features)
    refuse(index, layer, str_cat("takes a ", rank, "-D input of ", features,
                                 " features in dimension 1, got ", dims_str(flow.shape)));
}

// One layer of a QuantizedModel; `params` is the scale and zero point of flow's codes, updated.
void write_qlayer(OnnxGraph& g, quant::QModule& layer, const std::string& index, Flow& flow,
                  quant::QParams& params) {
  quant::QModule* m = &layer;
  if (auto* l = dynamic_cast<quant::QLinear*>(m)) {
    const quant::QWeight& w = l->weight();
    need_input(flow, 2, w.shape[1], index, layer);
    std::vector<std::string> in = {flow.value, dequantized_weight(g, w)};
    if (!l->bias().empty())
      in.push_back(dequantized_bias(g, l->bias(), params.scale, w, index, layer));
    flow.value = g.node("Gemm", in, "gemm", {attr("transB", int64_t{1})});
    if (l->relu()) flow.value = g.node("Relu", {flow.value}, "relu");
    flow.shape = {flow.shape[0], w.shape[0]};
    params = l->out_params();
  } else if (auto* c = dynamic_cast<quant::QConv2d*>(m)) {
    const quant::QWeight& w = c->weight();
    const Conv2dParams& p = c->params();
    need_input(flow, 4, w.shape[1] * p.groups, index, layer);
    std::vector<std::string> in = {flow.value, dequantized_weight(g, w)};
    if (!c->bias().empty())
      in.push_back(dequantized_bias(g, c->bias(), params.scale, w, index, layer));
    const int64_t KH = w.shape[2], KW = w.shape[3];
    const Dims out = window_shape(index, layer, flow.shape, w.shape[0], Size2{KH, KW}, p.stride,
                                  p.padding, p.dilation);
    flow.value = g.node(
        "Conv", in, "conv",
        {attr("kernel_shape", std::vector<int64_t>{KH, KW}),
         attr("strides", std::vector<int64_t>{p.stride.h, p.stride.w}),
         attr("pads", std::vector<int64_t>{p.padding.h, p.padding.w, p.padding.h, p.padding.w}),
         attr("dilations", std::vector<int64_t>{p.dilation.h, p.dilation.w}),
         attr("group", p.groups)});
    if (c->relu()) flow.value = g.node("Relu", {flow.value}, "relu");
    flow.shape = out;
    params = c->out_params();
  } else if (dynamic_cast<quant::QReLU*>(m)) {
    flow.value = g.node("Relu", {flow.value}, "relu");
  } else if (auto* p = dynamic_cast<quant::QMaxPool2d*>(m)) {
    if (flow.shape.size() != 4)
      refuse(index, layer, str_cat("takes a 4-D input, got ", dims_str(flow.shape)));
    const Size2 k = p->kernel(), s = p->stride(), pad = p->padding();
    const Dims out = window_shape(index, layer, flow.shape, flow.shape[1], k, s, pad, Size2(1));
    flow.value = g.node("MaxPool", {flow.value}, "maxpool",
                        {attr("kernel_shape", std::vector<int64_t>{k.h, k.w}),
                         attr("strides", std::vector<int64_t>{s.h, s.w}),
                         attr("pads", std::vector<int64_t>{pad.h, pad.w, pad.h, pad.w})});
    flow.shape = out;
  } else if (dynamic_cast<quant::QFlatten*>(m)) {
    int64_t features = 1;
    for (size_t i = 1; i < flow.shape.size(); ++i) features *= flow.shape[i];
    flow.value = g.node("Flatten", {flow.value}, "flatten", {attr("axis", int64_t{1})});
    flow.shape = {flow.shape[0], features};
  } else if (auto* u = dynamic_cast<quant::QUnflatten*>(m)) {
    const Shape& chw = u->chw();
    const Dims out = {flow.shape[0], chw[0], chw[1], chw[2]};
    if (flow.shape == out) return;  // the 4-D input [N, C, H, W]: nothing to unflatten
    need_input(flow, 2, chw.numel(), index, layer);
    flow.value = g.node("Reshape", {flow.value, g.int64s("shape", {4}, {0, chw[0], chw[1],
                                                                        chw[2]})},
                        "unflatten");
    flow.shape = out;
  } else {
    refuse(index, layer, "has no ONNX form: a QuantizedModel's layers are QLinear, QConv2d, "
                         "QReLU, QMaxPool2d, QFlatten and QUnflatten");
  }
  flow.value = quantize_dequantize(g, flow.value, params);
}

}  // namespace

bool write_quantized_model(OnnxGraph& g, nn::Module& model, Flow& flow) {
  auto* q = dynamic_cast<quant::QuantizedModel*>(&model);
  if (!q) return false;
  quant::QParams params = q->input_params();
  flow.value = quantize_dequantize(g, flow.value, params);
  for (size_t i = 0; i < q->layers().size(); ++i)
    write_qlayer(g, *q->layers()[i], std::to_string(i), flow, params);
  return true;
}

bool write_dynamic_linear(OnnxGraph& g, nn::Module& layer, const std::string& index, Flow& flow) {
  auto* d = dynamic_cast<quant::DynamicQLinear*>(&layer);
  if (!d) return false;
  const quant::QWeight& w = d->weight();
  need_input(flow, 2, w.shape[1], index, layer);
  // uint8 codes over the batch's own range (holding 0), as DynamicQLinear quantizes.
  const std::string codes = g.node("DynamicQuantizeLinear", {flow.value}, "xq");
  onnx::NodeProto& dq = g.last_node();
  const std::string scale = g.fresh("xq_scale"), zero = g.fresh("xq_zero_point");
  dq.add_output(scale);
  dq.add_output(zero);
  const std::string x = g.node("DequantizeLinear", {codes, scale, zero}, "x");
  std::vector<std::string> in = {x, dequantized_weight(g, w)};
  if (!d->bias().empty())
    in.push_back(g.floats("bias", {static_cast<int64_t>(d->bias().size())}, d->bias()));
  flow.value = g.node("Gemm", in, "gemm", {attr("transB", int64_t{1})});
  flow.shape = {flow.shape[0], w.shape[0]};
  return true;
}

}  // namespace joule::deploy::detail

#endif  // JOULE_WITH_ONNX
