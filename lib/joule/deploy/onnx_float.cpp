// The float layers of export_onnx: one ONNX node (or a few) per layer, the shapes checked and
// carried along so that a mismatch is reported at the layer that causes it.
#include "joule/deploy/onnx_graph.h"

#ifdef JOULE_WITH_ONNX

#include <cmath>
#include "joule/core/check.h"
#include "joule/nn/activation.h"
#include "joule/nn/conv.h"
#include "joule/nn/dropout.h"
#include "joule/nn/linear.h"
#include "joule/nn/norm.h"
#include "joule/nn/pool.h"
#include "joule/nn/sequential.h"
#include "joule/sparse/sparse_linear.h"

namespace joule::deploy::detail {

// Defined in onnx_quant.cpp: writes a quant::DynamicQLinear and returns true, else false.
bool write_dynamic_linear(OnnxGraph& g, nn::Module& layer, const std::string& index, Flow& flow);

namespace {

using joule::detail::str_cat;

void need_rank(const Flow& flow, size_t rank, const std::string& index, const nn::Module& layer) {
  if (flow.shape.size() != rank)
    refuse(index, layer, str_cat("takes a ", rank, "-D input, got ", dims_str(flow.shape)));
}

void need_size(const Flow& flow, size_t dim, int64_t size, const std::string& index,
               const nn::Module& layer) {
  if (flow.shape[dim] != size)
    refuse(index, layer, str_cat("takes ", size, " features in dimension ", dim, ", got input ",
                                 dims_str(flow.shape)));
}

// x (N, IN), weight (OUT, IN), bias (OUT) or undefined -> Gemm(x, weight, bias, transB) (N, OUT)
void gemm(OnnxGraph& g, Flow& flow, const std::string& index, const nn::Module& layer,
          const Tensor& weight, const Tensor& bias) {
  need_rank(flow, 2, index, layer);
  need_size(flow, 1, weight.size(1), index, layer);
  std::vector<std::string> inputs = {flow.value, g.tensor("weight", weight)};
  if (bias.defined()) inputs.push_back(g.tensor("bias", bias));
  flow.value = g.node("Gemm", inputs, "gemm", {attr("transB", int64_t{1})});
  flow.shape = {flow.shape[0], weight.size(0)};
}

void conv(OnnxGraph& g, Flow& flow, const std::string& index, const nn::Conv2d& c) {
  const nn::Conv2dOptions& o = c.options();
  need_rank(flow, 4, index, c);
  need_size(flow, 1, o.in, index, c);
  const Dims out = window_shape(index, c, flow.shape, o.out, o.kernel, o.stride, o.padding,
                                o.dilation);
  std::vector<std::string> inputs = {flow.value, g.tensor("weight", c.weight())};
  if (c.bias().defined()) inputs.push_back(g.tensor("bias", c.bias()));
  flow.value = g.node("Conv", inputs, "conv",
                      {attr("kernel_shape", std::vector<int64_t>{o.kernel.h, o.kernel.w}),
                       attr("strides", std::vector<int64_t>{o.stride.h, o.stride.w}),
                       attr("pads", std::vector<int64_t>{o.padding.h, o.padding.w, o.padding.h,
                                                         o.padding.w}),
                       attr("dilations", std::vector<int64_t>{o.dilation.h, o.dilation.w}),
                       attr("group", o.groups)});
  flow.shape = out;
}

// Evaluation-mode batch norm with the running statistics: BatchNormalization over (N, C, ...).
void batchnorm(OnnxGraph& g, Flow& flow, const std::string& index, const nn::BatchNorm& bn) {
  const bool two_d = dynamic_cast<const nn::BatchNorm2d*>(&bn) != nullptr;
  if (two_d) need_rank(flow, 4, index, bn);
  else if (flow.shape.size() != 2 && flow.shape.size() != 3)
    refuse(index, bn, str_cat("takes a 2-D or 3-D input, got ", dims_str(flow.shape)));
  need_size(flow, 1, bn.features(), index, bn);
  if (!bn.running_mean().defined())
    refuse(index, bn, "has no running statistics (track_running_stats=false): it normalises "
                      "each batch by its own statistics, which BatchNormalization cannot");
  const int64_t C = bn.features();
  const std::string scale = bn.weight().defined() ? g.tensor("bn_scale", bn.weight())
                                                  : g.floats("bn_scale", {C}, std::vector(C, 1.f));
  const std::string shift = bn.bias().defined() ? g.tensor("bn_bias", bn.bias())
                                                : g.floats("bn_bias", {C}, std::vector(C, 0.f));
  flow.value = g.node("BatchNormalization",
                      {flow.value, scale, shift, g.tensor("bn_mean", bn.running_mean()),
                       g.tensor("bn_var", bn.running_var())},
                      "batchnorm", {attr("epsilon", static_cast<float>(bn.options().eps))});
}

// MaxPool / AveragePool (padding counted in the mean, as AvgPool2d does).
void pool(OnnxGraph& g, Flow& flow, const std::string& index, const nn::Module& layer,
          const nn::Pool2dOptions& o, bool max) {
  need_rank(flow, 4, index, layer);
  const Size2 stride = o.stride.h == 0 ? o.kernel : o.stride;
  const Dims out = window_shape(index, layer, flow.shape, flow.shape[1], o.kernel, stride,
                                o.padding, Size2(1));
  std::vector<onnx::AttributeProto> attrs = {
      attr("kernel_shape", std::vector<int64_t>{o.kernel.h, o.kernel.w}),
      attr("strides", std::vector<int64_t>{stride.h, stride.w}),
      attr("pads", std::vector<int64_t>{o.padding.h, o.padding.w, o.padding.h, o.padding.w})};
  if (!max) attrs.push_back(attr("count_include_pad", int64_t{1}));
  flow.value = g.node(max ? "MaxPool" : "AveragePool", {flow.value}, max ? "maxpool" : "avgpool",
                      attrs);
  flow.shape = out;
}

// 0.5 x (1 + erf(x / sqrt 2)): GELU's exact form (ONNX has no Gelu before opset 20).
void gelu(OnnxGraph& g, Flow& flow) {
  const std::string x = flow.value;
  const std::string scaled =
      g.node("Mul", {x, g.floats("inv_sqrt2", {}, {static_cast<float>(M_SQRT1_2)})}, "gelu");
  const std::string erf = g.node("Erf", {scaled}, "gelu");
  const std::string one_plus = g.node("Add", {erf, g.floats("one", {}, {1.f})}, "gelu");
  const std::string times_x = g.node("Mul", {x, one_plus}, "gelu");
  flow.value = g.node("Mul", {times_x, g.floats("half", {}, {0.5f})}, "gelu");
}

// Unflatten(dim, sizes) as Reshape; a no-op when the input's dimensions from `dim` on are exactly
// `sizes` (a CNN's leading Unflatten(1, {1, 28, 28}) given the 4-D input [N, 1, 28, 28]).
// Otherwise dimension `dim` must hold prod(sizes) elements, as Unflatten::forward requires.
void unflatten(OnnxGraph& g, Flow& flow, const std::string& index, const nn::Unflatten& u) {
  const Dims& sizes = u.sizes().dims();
  const int64_t rank = static_cast<int64_t>(flow.shape.size());
  const int64_t d = u.dim() < 0 ? u.dim() + rank : u.dim();
  if (d <= 0 || d >= rank)
    refuse(index, u, str_cat("dimension ", u.dim(), " is the batch or not one of input ",
                             dims_str(flow.shape)));
  const Dims rest(flow.shape.begin() + d, flow.shape.end());
  if (rest == sizes) return;
  if (flow.shape[static_cast<size_t>(d)] != u.sizes().numel())
    refuse(index, u, str_cat("sizes ", u.sizes(), " do not hold the ",
                             flow.shape[static_cast<size_t>(d)], " elements of dimension ", d,
                             " of input ", dims_str(flow.shape)));
  Dims out(flow.shape.begin(), flow.shape.begin() + d);
  out.insert(out.end(), sizes.begin(), sizes.end());
  out.insert(out.end(), flow.shape.begin() + d + 1, flow.shape.end());
  Dims target = out;
  target[0] = 0;  // Reshape's "copy this dimension": the symbolic batch
  flow.value = g.node("Reshape", {flow.value, g.int64s("shape", {rank - 1 + int64_t(sizes.size())},
                                                       target)},
                      "unflatten");
  flow.shape = out;
}

void flatten(OnnxGraph& g, Flow& flow, const std::string& index, const nn::Module& layer) {
  if (flow.shape.size() < 2) refuse(index, layer, "takes an input of 2 or more dimensions");
  int64_t features = 1;
  for (size_t i = 1; i < flow.shape.size(); ++i) features *= flow.shape[i];
  flow.value = g.node("Flatten", {flow.value}, "flatten", {attr("axis", int64_t{1})});
  flow.shape = {flow.shape[0], features};
}

std::string child_index(const std::string& prefix, size_t k) {
  return prefix.empty() ? std::to_string(k) : prefix + "." + std::to_string(k);
}

}  // namespace

void write_float_layer(OnnxGraph& g, nn::Module& layer, const std::string& index, Flow& flow) {
  nn::Module* m = &layer;
  if (auto* s = dynamic_cast<nn::Sequential*>(m)) {
    for (size_t k = 0; k < s->size(); ++k)
      write_float_layer(g, *(*s)[k], child_index(index, k), flow);
    return;
  }
  if (auto* l = dynamic_cast<nn::Linear*>(m))
    return gemm(g, flow, index, *l, l->weight(), l->bias());
  if (auto* s = dynamic_cast<nn::SparseLinear*>(m))
    return gemm(g, flow, index, *s, s->dense_weight(), s->bias());
  if (write_dynamic_linear(g, layer, index, flow)) return;
  if (auto* c = dynamic_cast<nn::Conv2d*>(m)) return conv(g, flow, index, *c);
  if (auto* b = dynamic_cast<nn::BatchNorm*>(m)) return batchnorm(g, flow, index, *b);
  if (auto* p = dynamic_cast<nn::MaxPool2d*>(m))
    return pool(g, flow, index, *p, p->options(), true);
  if (auto* p = dynamic_cast<nn::AvgPool2d*>(m))
    return pool(g, flow, index, *p, p->options(), false);
  if (dynamic_cast<nn::GlobalAvgPool2d*>(m)) {
    need_rank(flow, 4, index, layer);
    const std::string pooled = g.node("GlobalAveragePool", {flow.value}, "gap");
    flow.value = g.node("Flatten", {pooled}, "gap", {attr("axis", int64_t{1})});
    flow.shape = {flow.shape[0], flow.shape[1]};
    return;
  }
  const char* unary = dynamic_cast<nn::ReLU*>(m)      ? "Relu"
                      : dynamic_cast<nn::Tanh*>(m)    ? "Tanh"
                      : dynamic_cast<nn::Sigmoid*>(m) ? "Sigmoid"
                                                      : nullptr;
  if (unary) {
    flow.value = g.node(unary, {flow.value}, "act");
    return;
  }
  if (dynamic_cast<nn::GELU*>(m)) return gelu(g, flow);
  if (dynamic_cast<nn::Softmax*>(m)) {
    flow.value = g.node("Softmax", {flow.value}, "softmax", {attr("axis", int64_t{-1})});
    return;
  }
  if (dynamic_cast<nn::Flatten*>(m)) return flatten(g, flow, index, layer);
  if (auto* u = dynamic_cast<nn::Unflatten*>(m)) return unflatten(g, flow, index, *u);
  if (dynamic_cast<nn::Dropout*>(m)) return;  // the identity in evaluation mode
  refuse(index, layer,
         "has no ONNX form; export_onnx writes Linear, SparseLinear, DynamicQLinear, Conv2d, "
         "BatchNorm1d/2d, MaxPool2d, AvgPool2d, GlobalAvgPool2d, ReLU, Tanh, Sigmoid, GELU, "
         "Softmax, Flatten, Unflatten, Dropout and nested Sequential, and QuantizedModel");
}

}  // namespace joule::deploy::detail

#endif  // JOULE_WITH_ONNX
