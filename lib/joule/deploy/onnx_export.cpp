#include "joule/deploy/onnx_export.h"

#include "joule/core/check.h"
#ifdef JOULE_WITH_ONNX
#include "joule/deploy/onnx_graph.h"
#include "joule/io/atomic_file.h"
#include "joule/nn/sequential.h"
#endif

namespace joule::deploy {

bool onnx_export_available() {
#ifdef JOULE_WITH_ONNX
  return true;
#else
  return false;
#endif
}

#ifndef JOULE_WITH_ONNX

void export_onnx(nn::Module&, const std::string& path, const Shape&) {
  JOULE_CHECK(false, "export_onnx: cannot write ", path, ": Joule was built without ONNX (install ",
              "libonnx-dev and libprotobuf-dev, e.g. with scripts/deps.sh, and configure with ",
              "-DJOULE_ONNX=AUTO or ON)");
}

#else

namespace {

using detail::Dims;

void set_tensor_type(onnx::ValueInfoProto* v, const std::string& name, const Dims& dims) {
  v->set_name(name);
  onnx::TypeProto_Tensor* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) {
    onnx::TensorShapeProto_Dimension* dim = t->mutable_shape()->add_dim();
    if (d < 0) dim->set_dim_param("N");
    else dim->set_dim_value(d);
  }
}

}  // namespace

void export_onnx(nn::Module& model, const std::string& path, const Shape& input_shape) {
  JOULE_CHECK(input_shape.dim() >= 2, "export_onnx: input_shape must be the batch and at least ",
              "one sample dimension, e.g. {-1, 784} or {-1, 1, 28, 28}, got ", input_shape);
  JOULE_CHECK(input_shape[0] == -1 || input_shape[0] == 0, "export_onnx: input_shape[0] is the ",
              "symbolic batch N and must be -1 or 0, got ", input_shape);
  for (int64_t i = 1; i < input_shape.dim(); ++i)
    JOULE_CHECK(input_shape[i] > 0, "export_onnx: input_shape's sample sizes must be positive, ",
                "got ", input_shape);
  model.eval();

  onnx::ModelProto proto;
  proto.set_ir_version(7);  // the IR of opset 13 (ONNX 1.8): the oldest a runtime must read
  proto.set_producer_name("joule");
  onnx::OperatorSetIdProto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);
  onnx::GraphProto* graph = proto.mutable_graph();
  graph->set_name("joule");

  detail::Flow flow{"input", input_shape.dims()};
  flow.shape[0] = -1;
  set_tensor_type(graph->add_input(), "input", flow.shape);
  detail::OnnxGraph g(graph);
  if (!detail::write_quantized_model(g, model, flow)) {
    const bool sequential = dynamic_cast<nn::Sequential*>(&model) != nullptr;
    detail::write_float_layer(g, model, sequential ? "" : "0", flow);
  }
  // The last value is `logits`: the last node's output renamed, or an Identity of the input.
  if (g.node_count() == 0 || g.last_node().output(0) != flow.value)
    g.node("Identity", {flow.value}, "logits");
  g.last_node().set_output(0, "logits");
  set_tensor_type(graph->add_output(), "logits", flow.shape);

  std::string bytes;
  JOULE_CHECK(proto.SerializeToString(&bytes), "export_onnx: protobuf could not serialise the ",
              "model for ", path);
  io::write_file_atomically(path, bytes, "export_onnx");
}

#endif  // JOULE_WITH_ONNX

}  // namespace joule::deploy
