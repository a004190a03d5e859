// export_onnx: small models written and read back with protobuf (the ops of the nodes, the
// shapes of the initializers, the opset, the names of the input and the output), the refusals,
// and, without ONNX, the error that says so. Whether a runtime computes the same function is
// checked by tests/onnx/ (onnx.checker and ONNX Runtime on Fashion-MNIST).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "joule/core/check.h"
#include "joule/deploy/onnx_export.h"
#include "joule/nn/activation.h"
#include "joule/nn/conv.h"
#include "joule/nn/dropout.h"
#include "joule/nn/linear.h"
#include "joule/nn/pool.h"
#include "joule/nn/sequential.h"
#include "joule/quant/convert.h"
#include "joule/quant/dynamic.h"
#include "joule/quant/modules.h"
#include "joule/sparse/sparse_linear.h"
#include "quant/quant_test_util.h"

#ifdef JOULE_WITH_ONNX
#include <onnx/onnx_pb.h>
#endif

namespace joule {
namespace {

namespace fs = std::filesystem;

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("joule_onnx_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

#ifndef JOULE_WITH_ONNX

TEST(OnnxExport, WithoutOnnxThrowsSayingSo) {
  auto m = test::small_mlp(1);
  EXPECT_FALSE(deploy::onnx_export_available());
  try {
    deploy::export_onnx(*m, temp_path("none.onnx"), Shape{-1, 30});
    FAIL() << "export_onnx wrote a file without ONNX";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("built without ONNX"), std::string::npos) << e.what();
  }
}

#else

onnx::ModelProto read_model(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  onnx::ModelProto model;
  EXPECT_TRUE(model.ParseFromIstream(&in)) << path;
  return model;
}

std::vector<std::string> ops(const onnx::ModelProto& m) {
  std::vector<std::string> v;
  for (const auto& n : m.graph().node()) v.push_back(n.op_type());
  return v;
}

std::map<std::string, std::vector<int64_t>> initializer_dims(const onnx::ModelProto& m) {
  std::map<std::string, std::vector<int64_t>> d;
  for (const auto& t : m.graph().initializer())
    d[t.name()] = std::vector<int64_t>(t.dims().begin(), t.dims().end());
  return d;
}

// The shape of a graph input or output: -1 for a symbolic dimension.
std::vector<int64_t> value_dims(const onnx::ValueInfoProto& v) {
  std::vector<int64_t> d;
  for (const auto& dim : v.type().tensor_type().shape().dim())
    d.push_back(dim.has_dim_param() ? -1 : dim.dim_value());
  return d;
}

std::vector<int64_t> dims_of_input(const onnx::ModelProto& m, const onnx::NodeProto& n, int i) {
  return initializer_dims(m).at(n.input(i));
}

void expect_contract(const onnx::ModelProto& m, std::vector<int64_t> in, std::vector<int64_t> out) {
  ASSERT_EQ(m.opset_import_size(), 1);
  EXPECT_EQ(m.opset_import(0).domain(), "");
  EXPECT_EQ(m.opset_import(0).version(), deploy::kOnnxOpset);
  EXPECT_GE(deploy::kOnnxOpset, 13);
  ASSERT_EQ(m.graph().input_size(), 1);
  ASSERT_EQ(m.graph().output_size(), 1);
  EXPECT_EQ(m.graph().input(0).name(), "input");
  EXPECT_EQ(m.graph().input(0).type().tensor_type().shape().dim(0).dim_param(), "N");
  EXPECT_EQ(value_dims(m.graph().input(0)), in);
  EXPECT_EQ(m.graph().output(0).name(), "logits");
  EXPECT_EQ(value_dims(m.graph().output(0)), out);
  EXPECT_EQ(m.graph().node(m.graph().node_size() - 1).output(0), "logits");
}

TEST(OnnxExport, MlpIsGemmReluGemm) {
  auto m = test::small_mlp(1);  // Linear 30 -> 24, ReLU, Linear 24 -> 4
  m->push_back(std::make_shared<nn::Dropout>(0.5));  // dropped
  const std::string path = temp_path("mlp.onnx");
  deploy::export_onnx(*m, path, Shape{-1, 30});
  const onnx::ModelProto model = read_model(path);
  expect_contract(model, {-1, 30}, {-1, 4});
  EXPECT_EQ(ops(model), (std::vector<std::string>{"Gemm", "Relu", "Gemm"}));
  const auto& g = model.graph();
  EXPECT_EQ(dims_of_input(model, g.node(0), 1), (std::vector<int64_t>{24, 30}));
  EXPECT_EQ(dims_of_input(model, g.node(0), 2), (std::vector<int64_t>{24}));
  EXPECT_EQ(dims_of_input(model, g.node(2), 1), (std::vector<int64_t>{4, 24}));
  // The weights are Joule's, byte for byte (row-major (OUT, IN), transB = 1).
  const auto& w = g.initializer(0);
  ASSERT_EQ(w.raw_data().size(), 24u * 30u * sizeof(float));
  const std::vector<float> joule_w = (*m)[0]->parameter("weight").to_vector<float>();
  EXPECT_EQ(std::memcmp(w.raw_data().data(), joule_w.data(), w.raw_data().size()), 0);
  fs::remove(path);
}

TEST(OnnxExport, CnnWithBatchNormAndFourDimensionalInput) {
  auto m = test::small_cnn(2, /*batchnorm=*/true);
  const std::string path = temp_path("cnn.onnx");
  // [N, 144]: the leading Unflatten is a Reshape.
  deploy::export_onnx(*m, path, Shape{-1, 144});
  onnx::ModelProto model = read_model(path);
  expect_contract(model, {-1, 144}, {-1, 5});
  EXPECT_EQ(ops(model), (std::vector<std::string>{"Reshape", "Conv", "BatchNormalization", "Relu",
                                                  "MaxPool", "Conv", "Relu", "MaxPool", "Flatten",
                                                  "Gemm", "Relu", "Gemm"}));
  const auto& conv = model.graph().node(1);
  EXPECT_EQ(dims_of_input(model, conv, 1), (std::vector<int64_t>{6, 1, 3, 3}));
  EXPECT_EQ(dims_of_input(model, model.graph().node(9), 1), (std::vector<int64_t>{20, 72}));
  // [N, 1, 12, 12]: the leading Unflatten writes nothing.
  deploy::export_onnx(*m, path, Shape{0, 1, 12, 12});
  model = read_model(path);
  expect_contract(model, {-1, 1, 12, 12}, {-1, 5});
  EXPECT_EQ(model.graph().node(0).op_type(), "Conv");
  fs::remove(path);
}

TEST(OnnxExport, SparseLinearIsADenseGemm) {
  Generator gen(3);
  nn::Sequential m(std::make_shared<nn::SparseLinear>(
                       nn::SparseLinearOptions{.in = 10, .out = 6, .density = 0.3}, gen),
                   std::make_shared<nn::Tanh>(), std::make_shared<nn::GELU>(),
                   std::make_shared<nn::Softmax>());
  const std::string path = temp_path("sparse.onnx");
  deploy::export_onnx(m, path, Shape{-1, 10});
  const onnx::ModelProto model = read_model(path);
  expect_contract(model, {-1, 10}, {-1, 6});
  EXPECT_EQ(ops(model), (std::vector<std::string>{"Gemm", "Tanh", "Mul", "Erf", "Add", "Mul",
                                                  "Mul", "Softmax"}));
  EXPECT_EQ(dims_of_input(model, model.graph().node(0), 1), (std::vector<int64_t>{6, 10}));
  fs::remove(path);
}

TEST(OnnxExport, QuantizedCnnIsQdq) {
  auto m = test::small_cnn(4, /*batchnorm=*/true);
  quant::StaticQuantizer q(*m);
  q.calibrate(test::images(32, 144, 5));
  auto int8 = q.convert();
  const std::string path = temp_path("qcnn.onnx");
  deploy::export_onnx(*int8, path, Shape{-1, 144});
  const onnx::ModelProto model = read_model(path);
  expect_contract(model, {-1, 144}, {-1, 5});
  std::map<std::string, int> count;
  for (const std::string& op : ops(model)) ++count[op];
  EXPECT_EQ(count["Conv"], 2);
  EXPECT_EQ(count["Gemm"], 2);
  EXPECT_EQ(count["BatchNormalization"], 0);  // folded by the quantizer
  // Every Conv/Gemm reads a dequantized activation, weight (int8, per channel) and bias (int32).
  std::map<std::string, const onnx::NodeProto*> producer;
  for (const auto& n : model.graph().node()) producer[n.output(0)] = &n;
  const auto inits = initializer_dims(model);
  std::map<std::string, int32_t> init_type;
  for (const auto& t : model.graph().initializer()) init_type[t.name()] = t.data_type();
  for (const auto& n : model.graph().node()) {
    if (n.op_type() != "Conv" && n.op_type() != "Gemm") continue;
    ASSERT_EQ(n.input_size(), 3) << n.name();
    for (int i = 0; i < 3; ++i) EXPECT_EQ(producer.at(n.input(i))->op_type(), "DequantizeLinear");
    const onnx::NodeProto& w = *producer.at(n.input(1));
    EXPECT_EQ(init_type.at(w.input(0)), onnx::TensorProto::INT8);
    ASSERT_EQ(w.attribute_size(), 1);
    EXPECT_EQ(w.attribute(0).name(), "axis");
    EXPECT_EQ(inits.at(w.input(1)).at(0), inits.at(w.input(0)).at(0));  // one scale per channel
    const onnx::NodeProto& b = *producer.at(n.input(2));
    EXPECT_EQ(init_type.at(b.input(0)), onnx::TensorProto::INT32);
    // The activation's DequantizeLinear reads a uint8 QuantizeLinear.
    const onnx::NodeProto& x = *producer.at(n.input(0));
    EXPECT_EQ(producer.at(x.input(0))->op_type(), "QuantizeLinear");
    EXPECT_EQ(init_type.at(x.input(2)), onnx::TensorProto::UINT8);
  }
  EXPECT_EQ(model.graph().node(0).op_type(), "QuantizeLinear");
  EXPECT_EQ(model.graph().node(model.graph().node_size() - 1).op_type(), "DequantizeLinear");
  fs::remove(path);
}

TEST(OnnxExport, DynamicQLinear) {
  auto m = quant::quantize_dynamic(*test::small_mlp(6));
  const std::string path = temp_path("dyn.onnx");
  deploy::export_onnx(*m, path, Shape{-1, 30});
  const onnx::ModelProto model = read_model(path);
  expect_contract(model, {-1, 30}, {-1, 4});
  EXPECT_EQ(ops(model), (std::vector<std::string>{
                            "DynamicQuantizeLinear", "DequantizeLinear", "DequantizeLinear",
                            "Gemm", "Relu", "DynamicQuantizeLinear", "DequantizeLinear",
                            "DequantizeLinear", "Gemm"}));
  fs::remove(path);
}

// The message of the joule::Error `f` throws ("" when it throws none).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(OnnxExport, RefusesNamingTheLayer) {
  Generator gen(7);
  nn::Sequential m(std::make_shared<nn::Linear>(8, 4, gen), std::make_shared<nn::ReLU>(),
                   std::make_shared<nn::GlobalAvgPool2d>());
  const std::string path = temp_path("refused.onnx");
  std::string e = error_of([&] { deploy::export_onnx(m, path, Shape{-1, 8}); });
  EXPECT_NE(e.find("layer 2 (GlobalAvgPool2d())"), std::string::npos) << e;
  EXPECT_NE(e.find("4-D"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(path));

  // A layer with no ONNX form.
  struct Custom : nn::Module {
    Tensor forward(const Tensor& x) override { return x; }
    std::string repr() const override { return "Custom()"; }
  };
  nn::Sequential n(std::make_shared<nn::Linear>(8, 4, gen), std::make_shared<Custom>());
  e = error_of([&] { deploy::export_onnx(n, path, Shape{-1, 8}); });
  EXPECT_NE(e.find("layer 1 (Custom())"), std::string::npos) << e;
  EXPECT_NE(e.find("no ONNX form"), std::string::npos) << e;

  // In a nested Sequential, the index is dotted.
  nn::Sequential nested(std::make_shared<nn::Linear>(8, 4, gen),
                        std::make_shared<nn::Sequential>(std::make_shared<nn::ReLU>(),
                                                         std::make_shared<Custom>()));
  e = error_of([&] { deploy::export_onnx(nested, path, Shape{-1, 8}); });
  EXPECT_NE(e.find("layer 1.1 (Custom())"), std::string::npos) << e;

  // Shapes: a Linear given the wrong width, a batch that is not symbolic.
  e = error_of([&] { deploy::export_onnx(n, path, Shape{-1, 9}); });
  EXPECT_NE(e.find("layer 0 (Linear"), std::string::npos) << e;
  EXPECT_NE(e.find("[N, 9]"), std::string::npos) << e;
  e = error_of([&] { deploy::export_onnx(n, path, Shape{32, 8}); });
  EXPECT_NE(e.find("must be -1 or 0, got [32, 8]"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(path));
}

TEST(OnnxExport, RefusesAWindowLargerThanItsInput) {
  Generator gen(8);
  const std::string path = temp_path("window.onnx");
  nn::Sequential conv(std::make_shared<nn::Conv2d>(nn::Conv2dOptions{.in = 1, .out = 4,
                                                                     .kernel = 5}, gen),
                      std::make_shared<nn::Flatten>());
  std::string e = error_of([&] { deploy::export_onnx(conv, path, Shape{-1, 1, 3, 3}); });
  EXPECT_NE(e.find("layer 0 (Conv2d"), std::string::npos) << e;
  EXPECT_NE(e.find("kernel 5x5"), std::string::npos) << e;
  EXPECT_NE(e.find("input [N, 1, 3, 3]"), std::string::npos) << e;
  EXPECT_NE(e.find("-1 high and -1 wide"), std::string::npos) << e;

  nn::Sequential pool(std::make_shared<nn::MaxPool2d>(nn::Pool2dOptions{.kernel = {2, 4}}));
  e = error_of([&] { deploy::export_onnx(pool, path, Shape{-1, 2, 6, 3}); });
  EXPECT_NE(e.find("layer 0 (MaxPool2d"), std::string::npos) << e;
  EXPECT_NE(e.find("kernel 2x4"), std::string::npos) << e;
  EXPECT_NE(e.find("3 high and 0 wide"), std::string::npos) << e;

  // The quantized Conv2d: calibrated on 6 x 6 images, exported for 2 x 2 ones.
  nn::Sequential small(std::make_shared<nn::Conv2d>(nn::Conv2dOptions{.in = 1, .out = 2,
                                                                      .kernel = 3}, gen),
                       std::make_shared<nn::ReLU>(), std::make_shared<nn::Flatten>(),
                       std::make_shared<nn::Linear>(2 * 4 * 4, 3, gen));
  quant::StaticQuantizer q(small);
  q.calibrate(test::images(8, 36, 9).reshape(Shape{8, 1, 6, 6}));
  auto int8 = q.convert();
  e = error_of([&] { deploy::export_onnx(*int8, path, Shape{-1, 1, 2, 2}); });
  EXPECT_NE(e.find("layer 0 (Q"), std::string::npos) << e;
  EXPECT_NE(e.find("kernel 3x3"), std::string::npos) << e;
  EXPECT_NE(e.find("0 high and 0 wide"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(path));
}

TEST(OnnxExport, UnflattenIsANoOpOnlyWhenTheInputIsExactlyItsSizes) {
  Generator gen(9);
  nn::Sequential m(std::make_shared<nn::Unflatten>(1, Shape{1, 28}),
                   std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(784, 10, gen));
  const std::string path = temp_path("unflatten.onnx");
  // Unflatten(1, {1, 28}) of [N, 1, 28, 28] needs 28 elements in dimension 1, which holds 1.
  const std::string e = error_of([&] { deploy::export_onnx(m, path, Shape{-1, 1, 28, 28}); });
  EXPECT_NE(e.find("layer 0 (Unflatten"), std::string::npos) << e;
  EXPECT_NE(e.find("do not hold the 1 elements of dimension 1"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(path));
}

TEST(OnnxExport, RefusesABiasBeyondInt32) {
  auto m = test::small_mlp(10);
  (*m)[2]->parameter("bias").copy_(Tensor::full(Shape{4}, 1e9f));
  quant::StaticQuantizer q(*m);
  q.calibrate(test::images(16, 30, 11));
  auto int8 = q.convert();
  const std::string path = temp_path("bias.onnx");
  const std::string e = error_of([&] { deploy::export_onnx(*int8, path, Shape{-1, 30}); });
  EXPECT_NE(e.find("the bias of output channel 0 is 1e+09"), std::string::npos) << e;
  EXPECT_NE(e.find("beyond int32 [-2147483648, 2147483647]"), std::string::npos) << e;
  EXPECT_NE(e.find("layer 1 ("), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(path));
}

TEST(OnnxExport, QuantizedConvWeightIsWrittenOcCKhKw) {
  Generator gen(12);
  nn::Sequential m(std::make_shared<nn::Unflatten>(1, Shape{3, 6, 6}),
                   std::make_shared<nn::Conv2d>(nn::Conv2dOptions{.in = 3, .out = 4,
                                                                  .kernel = {2, 3}}, gen),
                   std::make_shared<nn::ReLU>(), std::make_shared<nn::Flatten>(),
                   std::make_shared<nn::Linear>(4 * 5 * 4, 5, gen));
  quant::StaticQuantizer q(m);
  q.calibrate(test::images(16, 108, 13));
  auto int8 = q.convert();
  const quant::QConv2d* qconv = nullptr;
  for (const auto& layer : int8->layers())
    if (!qconv) qconv = dynamic_cast<const quant::QConv2d*>(layer.get());
  ASSERT_NE(qconv, nullptr);
  const quant::QWeight& w = qconv->weight();
  const int64_t O = 4, C = 3, KH = 2, KW = 3;
  ASSERT_EQ(w.shape, (Shape{O, C, KH, KW}));

  const std::string path = temp_path("qconv_layout.onnx");
  deploy::export_onnx(*int8, path, Shape{-1, 108});
  const onnx::ModelProto model = read_model(path);
  std::map<std::string, const onnx::NodeProto*> producer;
  for (const auto& n : model.graph().node()) producer[n.output(0)] = &n;
  const onnx::NodeProto* conv = nullptr;
  for (const auto& n : model.graph().node())
    if (n.op_type() == "Conv") conv = &n;
  ASSERT_NE(conv, nullptr);
  const std::string weight_q = producer.at(conv->input(1))->input(0);
  const onnx::TensorProto* init = nullptr;
  for (const auto& t : model.graph().initializer())
    if (t.name() == weight_q) init = &t;
  ASSERT_NE(init, nullptr);
  EXPECT_EQ(std::vector<int64_t>(init->dims().begin(), init->dims().end()),
            (std::vector<int64_t>{O, C, KH, KW}));
  ASSERT_EQ(init->raw_data().size(), static_cast<size_t>(O * C * KH * KW));
  const auto* onnx_w = reinterpret_cast<const int8_t*>(init->raw_data().data());
  // Joule's row for output o is ordered (KH, KW, C): tap (kh, kw) of channel c is at
  // (kh * KW + kw) * C + c.
  const std::vector<float> float_w = m[1]->parameter("weight").to_vector<float>();
  for (int64_t o = 0; o < O; ++o)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t kh = 0; kh < KH; ++kh)
        for (int64_t kw = 0; kw < KW; ++kw) {
          const int64_t nchw = ((o * C + c) * KH + kh) * KW + kw;
          const int64_t joule = o * C * KH * KW + (kh * KW + kw) * C + c;
          EXPECT_EQ(onnx_w[nchw], w.data[static_cast<size_t>(joule)])
              << "o " << o << " c " << c << " kh " << kh << " kw " << kw;
          // And the code stands for the float weight at the same place.
          EXPECT_NEAR(onnx_w[nchw] * w.scales[static_cast<size_t>(o)],
                      float_w[static_cast<size_t>(nchw)],
                      0.51 * w.scales[static_cast<size_t>(o)]);
        }
  fs::remove(path);
}

#endif  // JOULE_WITH_ONNX

}  // namespace
}  // namespace joule
