// lib/joule/deploy's internal: a small builder over the ONNX protobuf GraphProto that the float
// and the quantized writers share (value names, nodes, initializers, attributes), and the
// value that flows from layer to layer while a model is written. Included only by the
// deploy/onnx_*.cpp files, and only when Joule is built with ONNX.
#pragma once
#ifdef JOULE_WITH_ONNX

#include <cstdint>
#include <string>
#include <vector>
#include <onnx/onnx_pb.h>
#include "joule/core/tensor.h"
#include "joule/nn/module.h"
#include "joule/ops/conv.h"

namespace joule::deploy::detail {

// A value's dimensions; -1 is the symbolic batch N.
using Dims = std::vector<int64_t>;

// "[N, 1, 28, 28]"
std::string dims_str(const Dims& dims);

// The value the next layer reads: its graph name and shape.
struct Flow {
  std::string value;
  Dims shape;
};

class OnnxGraph {
 public:
  explicit OnnxGraph(onnx::GraphProto* graph) : graph_(graph) {}

  // A name not used before: "<stem>_<k>".
  std::string fresh(const std::string& stem);

  // Adds the node `op`(inputs) with one new output named after `stem`; returns that name.
  std::string node(const std::string& op, const std::vector<std::string>& inputs,
                   const std::string& stem, const std::vector<onnx::AttributeProto>& attrs = {});
  // The node added last (none: throws).
  onnx::NodeProto& last_node();
  int node_count() const { return graph_->node_size(); }

  // Initializers (constant tensors) of `dims`; each returns its new name.
  std::string floats(const std::string& stem, const Dims& dims, const std::vector<float>& v);
  std::string int8s(const std::string& stem, const Dims& dims, const std::vector<int8_t>& v);
  std::string uint8s(const std::string& stem, const Dims& dims, const std::vector<uint8_t>& v);
  std::string int32s(const std::string& stem, const Dims& dims, const std::vector<int32_t>& v);
  std::string int64s(const std::string& stem, const Dims& dims, const std::vector<int64_t>& v);
  // A float CPU copy of `t` (any device, any layout), as an initializer of t's shape.
  std::string tensor(const std::string& stem, const Tensor& t);

 private:
  onnx::TensorProto* initializer(const std::string& stem, const Dims& dims, int32_t type,
                                 size_t count);
  onnx::GraphProto* graph_;
  int64_t counter_ = 0;
};

onnx::AttributeProto attr(const std::string& name, int64_t v);
onnx::AttributeProto attr(const std::string& name, const std::vector<int64_t>& v);
onnx::AttributeProto attr(const std::string& name, float v);

// Throws the error every refusal shares: "export_onnx: layer <index> (<repr>): <why>".
[[noreturn]] void refuse(const std::string& index, const nn::Module& layer,
                         const std::string& why);

// (N, C, H, W) -> (N, channels, H', W') for a window of `kernel` sliding over H and W under
// stride, padding (each side) and dilation. Refuses, naming the layer, its kernel and the input,
// when H' or W' is not positive (the window is larger than the padded input).
Dims window_shape(const std::string& index, const nn::Module& layer, const Dims& input,
                  int64_t channels, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation);

// Writes a float layer (onnx_float.cpp): nn layers, SparseLinear, DynamicQLinear, nested
// Sequential (its children indexed "<index>.<k>"). Advances `flow`; refuses anything else.
void write_float_layer(OnnxGraph& g, nn::Module& layer, const std::string& index, Flow& flow);

// True when `model` is a quant::QuantizedModel; then writes it whole in QDQ form
// (onnx_quant.cpp), advancing `flow`.
bool write_quantized_model(OnnxGraph& g, nn::Module& model, Flow& flow);

}  // namespace joule::deploy::detail

#endif  // JOULE_WITH_ONNX
