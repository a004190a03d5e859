#include "joule/deploy/onnx_graph.h"

#ifdef JOULE_WITH_ONNX

#include <cstring>
#include "joule/core/check.h"

namespace joule::deploy::detail {

std::string dims_str(const Dims& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ", ";
    s += dims[i] < 0 ? std::string("N") : std::to_string(dims[i]);
  }
  return s + "]";
}

std::string OnnxGraph::fresh(const std::string& stem) {
  return stem + "_" + std::to_string(counter_++);
}

std::string OnnxGraph::node(const std::string& op, const std::vector<std::string>& inputs,
                            const std::string& stem,
                            const std::vector<onnx::AttributeProto>& attrs) {
  onnx::NodeProto* n = graph_->add_node();
  n->set_op_type(op);
  n->set_name(fresh(op));
  for (const std::string& in : inputs) n->add_input(in);
  const std::string out = fresh(stem);
  n->add_output(out);
  for (const onnx::AttributeProto& a : attrs) *n->add_attribute() = a;
  return out;
}

onnx::NodeProto& OnnxGraph::last_node() {
  JOULE_CHECK(graph_->node_size() > 0, "export_onnx: the graph has no node yet");
  return *graph_->mutable_node(graph_->node_size() - 1);
}

onnx::TensorProto* OnnxGraph::initializer(const std::string& stem, const Dims& dims,
                                          int32_t type, size_t count) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  JOULE_CHECK(n == static_cast<int64_t>(count), "export_onnx: initializer ", stem, " of shape ",
              dims_str(dims), " given ", count, " values");
  onnx::TensorProto* t = graph_->add_initializer();
  t->set_name(fresh(stem));
  t->set_data_type(type);
  for (int64_t d : dims) t->add_dims(d);
  return t;
}

// Raw little-endian bytes (raw_data): the compact form every runtime reads.
// The values of initializer `t` as its raw little-endian bytes; returns its name.
template <class T>
static std::string with_raw(onnx::TensorProto* t, const std::vector<T>& v) {
  std::string bytes(v.size() * sizeof(T), '\0');
  if (!v.empty()) std::memcpy(bytes.data(), v.data(), bytes.size());
  t->set_raw_data(std::move(bytes));
  return t->name();
}

std::string OnnxGraph::floats(const std::string& stem, const Dims& dims,
                              const std::vector<float>& v) {
  return with_raw(initializer(stem, dims, onnx::TensorProto::FLOAT, v.size()), v);
}

std::string OnnxGraph::int8s(const std::string& stem, const Dims& dims,
                             const std::vector<int8_t>& v) {
  return with_raw(initializer(stem, dims, onnx::TensorProto::INT8, v.size()), v);
}

std::string OnnxGraph::uint8s(const std::string& stem, const Dims& dims,
                              const std::vector<uint8_t>& v) {
  return with_raw(initializer(stem, dims, onnx::TensorProto::UINT8, v.size()), v);
}

std::string OnnxGraph::int32s(const std::string& stem, const Dims& dims,
                              const std::vector<int32_t>& v) {
  return with_raw(initializer(stem, dims, onnx::TensorProto::INT32, v.size()), v);
}

std::string OnnxGraph::int64s(const std::string& stem, const Dims& dims,
                              const std::vector<int64_t>& v) {
  return with_raw(initializer(stem, dims, onnx::TensorProto::INT64, v.size()), v);
}

std::string OnnxGraph::tensor(const std::string& stem, const Tensor& t) {
  const Tensor host = t.to(Device::cpu()).contiguous();
  return floats(stem, host.shape().dims(), host.to_vector<float>());
}

onnx::AttributeProto attr(const std::string& name, int64_t v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(v);
  return a;
}

onnx::AttributeProto attr(const std::string& name, const std::vector<int64_t>& v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a.add_ints(x);
  return a;
}

onnx::AttributeProto attr(const std::string& name, float v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::FLOAT);
  a.set_f(v);
  return a;
}

Dims window_shape(const std::string& index, const nn::Module& layer, const Dims& input,
                  int64_t channels, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation) {
  // floor((in + 2 pad - dil (k - 1) - 1) / s) + 1; floored, not truncated, so that a window
  // wider than the padded input gives a size <= 0 whatever the stride.
  const auto out = [](int64_t in, int64_t k, int64_t s, int64_t pad, int64_t dil) {
    const int64_t span = in + 2 * pad - dil * (k - 1) - 1;
    return (span >= 0 ? span / s : -((-span + s - 1) / s)) + 1;
  };
  const int64_t h = out(input[2], kernel.h, stride.h, padding.h, dilation.h);
  const int64_t w = out(input[3], kernel.w, stride.w, padding.w, dilation.w);
  if (h <= 0 || w <= 0)
    refuse(index, layer,
           joule::detail::str_cat("its kernel ", kernel.h, "x", kernel.w, " (stride ", stride.h,
                                  "x", stride.w, ", padding ", padding.h, "x", padding.w,
                                  ", dilation ", dilation.h, "x", dilation.w,
                                  ") does not fit input ", dims_str(input), ": the output would ",
                                  "be ", h, " high and ", w, " wide"));
  return {input[0], channels, h, w};
}

void refuse(const std::string& index, const nn::Module& layer, const std::string& why) {
  joule::detail::throw_error(
      __FILE__, __LINE__,
      joule::detail::str_cat("export_onnx: layer ", index, " (", layer.repr(), "): ", why));
}

}  // namespace joule::deploy::detail

#endif  // JOULE_WITH_ONNX
