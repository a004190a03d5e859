// QTensor, quantize/dequantize (NHWC for 4-D), per-channel weights, and the errors a float tensor
// meets at a quantized layer.
#include <gtest/gtest.h>

#include <cmath>

#include "joule/core/check.h"
#include "joule/ops/elementwise.h"
#include "joule/quant/modules.h"
#include "joule/quant/qtensor.h"
#include "quant_test_util.h"
#include "test_util.h"

namespace joule {
namespace {

TEST(QTensor, ChooseQParamsCoversTheRangeAndZero) {
  const quant::QParams p = quant::choose_qparams(-1.f, 3.f);
  EXPECT_FLOAT_EQ(p.scale, 4.f / 255.f);
  EXPECT_EQ(p.zero_point, 64);  // round(1 / (4/255)) = round(63.75)
  const quant::QParams relu = quant::choose_qparams(0.5f, 2.f);  // widened to [0, 2]
  EXPECT_EQ(relu.zero_point, 0);
  EXPECT_FLOAT_EQ(relu.scale, 2.f / 255.f);
  const quant::QParams neg = quant::choose_qparams(-2.f, -1.f);  // widened to [-2, 0]
  EXPECT_EQ(neg.zero_point, 255);
  EXPECT_THROW(quant::choose_qparams(2.f, 1.f), Error);
}

TEST(QTensor, RoundTripWithinHalfAStep) {
  const Tensor x = test::images(7, 33, 1) * 6.f - 2.f;
  const quant::QParams p = quant::choose_qparams(-2.f, 4.f);
  const Tensor back = quant::dequantize(quant::quantize(x, p));
  const auto a = x.to_vector<float>(), b = back.to_vector<float>();
  for (size_t i = 0; i < a.size(); ++i)
    ASSERT_LE(std::abs(a[i] - b[i]), p.scale / 2 + 1e-6f) << i;
}

TEST(QTensor, FourDimensionalTensorsAreStoredNhwc) {
  // x[n, c, h, w] = 100 n + 10 c + 3 h + w: the code of (n, h, w, c) sits at ((n H + h) W + w) C + c
  std::vector<float> v;
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 3; ++c)
      for (int h = 0; h < 2; ++h)
        for (int w = 0; w < 3; ++w) v.push_back(100.f * n + 10.f * c + 3.f * h + w);
  const Tensor x = Tensor::from_vector(v, Shape{2, 3, 2, 3});
  const quant::QTensor q = quant::quantize(x, {1.f, 0});
  EXPECT_TRUE(q.nhwc());
  EXPECT_EQ(q.data()[((1 * 2 + 1) * 3 + 2) * 3 + 1], 100 + 10 + 3 + 2);
  EXPECT_EQ(quant::dequantize(q).to_vector<float>(), v);
}

TEST(QTensor, WeightsArePerChannelSymmetric) {
  const Tensor w = Tensor::from_vector(
      std::vector<float>{1.f, -0.5f, 0.25f, 10.f, 5.f, -10.f, 0.f, 0.f, 0.f}, {3, 3});
  const quant::QWeight q = quant::quantize_weight(w);
  EXPECT_FLOAT_EQ(q.scales[0], 1.f / 127.f);
  EXPECT_FLOAT_EQ(q.scales[1], 10.f / 127.f);
  EXPECT_FLOAT_EQ(q.scales[2], 1.f);  // an all-zero row
  EXPECT_EQ(q.data[0], 127);
  EXPECT_EQ(q.data[1], -64);  // -63.5 rounds to even
  EXPECT_EQ(q.data[5], -127);
  const Tensor back = quant::dequantize_weight(q);
  EXPECT_LT(test::relative_max_error(back, w), 0.01);
}

TEST(QTensor, ConvWeightsRoundTripThroughTheNhwcTapOrder) {
  Generator g(3);
  const Tensor w = Tensor::randn({4, 3, 2, 5}, g);
  const Tensor back = quant::dequantize_weight(quant::quantize_weight(w));
  EXPECT_LT(test::relative_max_error(back, w), 0.01);
}

TEST(QTensor, AFloatTensorAtAQuantizedLayerIsAClearError) {
  quant::QReLU relu;
  try {
    relu.forward(Tensor::zeros({2, 3}));
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("quantized ReLU"), std::string::npos) << m;
    EXPECT_NE(m.find("float32 tensor [2, 3]"), std::string::npos) << m;
  }
  EXPECT_THROW(quant::quantize(Tensor::zeros({2, 3, 4}), {1.f, 0}), Error);
  EXPECT_THROW(quant::QTensor(Shape{2}, {0.f, 0}), Error);
  EXPECT_THROW(quant::QTensor(Shape{2}, {1.f, 256}), Error);
}

TEST(QTensor, ConvAndPoolGeometryIsCheckedWhenTheLayerIsMade) {
  // A checkpoint could carry any numbers: a zero stride would divide by zero and a negative
  // padding write before the padded image.
  const quant::QWeight w = quant::quantize_weight(Tensor::ones({2, 3, 3, 3}));
  const std::vector<float> bias(2, 0.f);
  test::expect_has(test::error_of([&] {
                     quant::QConv2d(w, bias, {.stride = Size2(0, 1)}, {}, false);
                   }),
                   "stride must be positive, got (0, 1)");
  test::expect_has(test::error_of([&] {
                     quant::QConv2d(w, bias, {.padding = Size2(-1, 0)}, {}, false);
                   }),
                   "padding must be >= 0");
  test::expect_has(test::error_of([&] {
                     quant::QConv2d(w, bias, {.dilation = 0}, {}, false);
                   }),
                   "dilation must be positive");
  test::expect_has(test::error_of([&] { quant::QMaxPool2d(Size2(2), Size2(-2, 2), Size2(0)); }),
                   "stride must be positive");
  test::expect_has(test::error_of([&] { quant::QMaxPool2d(Size2(2), Size2(2), Size2(-1, 0)); }),
                   "padding must be >= 0");
}

}  // namespace
}  // namespace joule
