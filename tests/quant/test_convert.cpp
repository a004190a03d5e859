// Fusion, static post-training quantization and dynamic quantization: the int8 model stays close
// to the float one, runs the same through the reference kernels to the byte, and refuses layers
// it cannot quantize.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "joule/autograd/grad_mode.h"
#include "joule/core/check.h"
#include "joule/nn/activation.h"
#include "joule/nn/norm.h"
#include "joule/ops/reference_mode.h"
#include "joule/quant/convert.h"
#include "joule/quant/dynamic.h"
#include "quant_test_util.h"

namespace joule {
namespace {

// Gives a BatchNorm2d running statistics and an affine transform that are not the identity.
void perturb_batchnorm(nn::Sequential& m) {
  for (size_t i = 0; i < m.size(); ++i)
    if (auto* bn = dynamic_cast<nn::BatchNorm2d*>(m[i].get())) {
      for (int64_t c = 0; c < bn->features(); ++c) {
        bn->running_mean().data<float>()[c] = 0.1f * static_cast<float>(c);
        bn->running_var().data<float>()[c] = 0.5f + 0.2f * static_cast<float>(c);
        bn->weight().data<float>()[c] = 1.f + 0.1f * static_cast<float>(c);
        bn->bias().data<float>()[c] = -0.05f * static_cast<float>(c);
      }
    }
}

TEST(QuantFuse, FoldsBatchNormAndFusesRelu) {
  auto model = test::small_cnn(1, true);
  perturb_batchnorm(*model);
  model->eval();
  const std::vector<quant::Step> steps = quant::fuse(*model);
  // Unflatten, Conv(+BN+ReLU), MaxPool, Conv(+ReLU), MaxPool, Flatten, Linear(+ReLU), Linear
  ASSERT_EQ(steps.size(), 8u);
  EXPECT_EQ(steps[1].kind, quant::Step::Kind::Conv2d);
  EXPECT_TRUE(steps[1].relu);
  EXPECT_TRUE(steps[6].relu);
  EXPECT_FALSE(steps[7].relu);
  const Tensor x = test::images(4, 144, 2);
  NoGradGuard no_grad;
  EXPECT_LT(test::relative_max_error(quant::run_steps(steps, x), model->forward(x)), 1e-5);
}

TEST(QuantFuse, RefusesLayersWithoutAQuantizedForm) {
  nn::Sequential m;
  Generator g(1);
  m.push_back(std::make_shared<nn::Linear>(4, 4, g));
  m.push_back(std::make_shared<nn::Tanh>());
  try {
    quant::fuse(m);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 1 (Tanh())"), std::string::npos) << e.what();
  }
  nn::Sequential bn_first;
  bn_first.push_back(std::make_shared<nn::BatchNorm2d>(3));
  EXPECT_THROW(quant::fuse(bn_first), Error);
}

class StaticPtq : public ::testing::TestWithParam<quant::ObserverKind> {};

TEST_P(StaticPtq, CnnStaysCloseToFloatAndMatchesTheReferenceKernels) {
  auto model = test::small_cnn(3, true);
  perturb_batchnorm(*model);
  model->eval();
  quant::StaticQuantizer q(*model, {.observer = GetParam()});
  EXPECT_THROW(q.convert(), Error);
  for (uint64_t b = 0; b < 4; ++b) q.calibrate(test::images(32, 144, 10 + b));
  auto int8 = q.convert();
  ASSERT_EQ(int8->layers().size(), 8u);
  const Tensor x = test::images(64, 144, 99);
  Tensor want;
  {
    NoGradGuard no_grad;
    want = model->forward(x);
  }
  const Tensor got = int8->forward(x);
  EXPECT_EQ(got.shape(), (Shape{64, 5}));
  EXPECT_LT(test::relative_max_error(got, want), 0.1);
  ops::ReferenceKernelsGuard reference;
  EXPECT_EQ(int8->forward(x).to_vector<float>(), got.to_vector<float>());
}

INSTANTIATE_TEST_SUITE_P(Observers, StaticPtq,
                         ::testing::Values(quant::ObserverKind::MinMax,
                                           quant::ObserverKind::MovingAverage,
                                           quant::ObserverKind::Histogram));

TEST(StaticPtqModel, LargeBatchTakesTheThreadedKernelsAndStillMatches) {
  auto model = test::small_cnn(5, false);
  quant::StaticQuantizer q(*model);
  q.calibrate(test::images(300, 144, 1));
  auto int8 = q.convert();
  const Tensor x = test::images(300, 144, 2);
  const Tensor fast = int8->forward(x);
  ops::ReferenceKernelsGuard reference;
  EXPECT_EQ(int8->forward(x).to_vector<float>(), fast.to_vector<float>());
}

// QuantizedModel runs each Conv2d with the MaxPool2d after it as one pass (qforward_pooled): the
// codes equal those of the layers one by one, on the fast kernels and on the reference ones, at
// batch 1 and at a batch that takes the threaded kernels.
TEST(StaticPtqModel, ConvAndPoolInOnePassEqualTheLayersOneByOne) {
  auto model = test::small_cnn(7, false);
  quant::StaticQuantizer q(*model);
  q.calibrate(test::images(64, 144, 3));
  auto int8 = q.convert();
  int pairs = 0;
  for (size_t i = 0; i + 1 < int8->layers().size(); ++i)
    pairs += int8->layers()[i]->kind() == "Conv2d" && int8->layers()[i + 1]->kind() == "MaxPool2d";
  ASSERT_EQ(pairs, 2);
  for (bool reference : {false, true})
    for (int64_t batch : {1, 300}) {
      std::optional<ops::ReferenceKernelsGuard> guard;
      if (reference) guard.emplace();
      const quant::QTensor x = quant::quantize(test::images(batch, 144, 4), int8->input_params());
      const quant::QTensor fused = int8->qforward(x);
      quant::QTensor h = x;
      for (const auto& layer : int8->layers()) h = layer->qforward(h);
      ASSERT_EQ(h.shape(), fused.shape());
      const std::vector<uint8_t> a(fused.data(), fused.data() + fused.numel());
      const std::vector<uint8_t> b(h.data(), h.data() + h.numel());
      EXPECT_EQ(a, b) << "reference=" << reference << " batch=" << batch;
    }
}

TEST(DynamicQuant, LinearLayersStayCloseToFloatAndMatchTheReference) {
  auto model = test::small_mlp(4);
  auto dyn = quant::quantize_dynamic(*model);
  ASSERT_EQ(dyn->size(), 3u);
  EXPECT_NE(dynamic_cast<quant::DynamicQLinear*>((*dyn)[0].get()), nullptr);
  const Tensor x = test::images(50, 30, 8);
  Tensor want;
  {
    NoGradGuard no_grad;
    want = model->forward(x);
  }
  const Tensor got = dyn->forward(x);
  EXPECT_LT(test::relative_max_error(got, want), 0.05);
  ops::ReferenceKernelsGuard reference;
  EXPECT_EQ(dyn->forward(x).to_vector<float>(), got.to_vector<float>());
  EXPECT_THROW(dyn->forward(Tensor::zeros({2, 29})), Error);
}

}  // namespace
}  // namespace joule
