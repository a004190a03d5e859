// Quantization-aware training: fake quantization and its straight-through gradient, training a
// prepared model with the Trainer, and converting it.
#include <gtest/gtest.h>

#include "data_util.h"
#include "datasets/dataloader.h"
#include "joule/autograd/grad_mode.h"
#include "joule/core/check.h"
#include "joule/ops/linalg.h"
#include "joule/ops/reduce.h"
#include "joule/optim/sgd.h"
#include "joule/quant/qat.h"
#include "joule/train/trainer.h"
#include "quant_test_util.h"

namespace joule {
namespace {

TEST(FakeQuantize, RoundsToTheGridAndPassesGradientsInsideTheRange) {
  const quant::QParams p{0.5f, 2};  // representable: [-1, 126.5]
  Tensor x = Tensor::from_vector(std::vector<float>{0.3f, -0.76f, -3.f, 200.f, 1.25f}, {5});
  x.set_requires_grad(true);
  Tensor y = quant::fake_quantize(x, p);
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{0.5f, -1.f, -1.f, 126.5f, 1.f}));
  sum(y).backward();
  EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{1.f, 1.f, 0.f, 0.f, 1.f}));
}

TEST(FakeQuantize, WeightsPerChannelWithStraightThroughGradient) {
  Tensor w = Tensor::from_vector(std::vector<float>{1.f, 0.3f, -2.f, 0.01f}, {2, 2});
  w.set_requires_grad(true);
  Tensor y = quant::fake_quantize_weight(w);
  const auto v = y.to_vector<float>();
  EXPECT_FLOAT_EQ(v[0], 1.f);
  EXPECT_FLOAT_EQ(v[1], 38.f / 127.f);  // 0.3 * 127 = 38.1
  EXPECT_FLOAT_EQ(v[2], -2.f);
  EXPECT_FLOAT_EQ(v[3], 2.f * 1.f / 127.f);  // 0.635 -> 1 step of 2/127
  sum(y).backward();
  EXPECT_EQ(w.grad().to_vector<float>(), (std::vector<float>(4, 1.f)));
}

TEST(Qat, TrainsWithTheTrainerAndConvertsCloseToItsFakeQuantModel) {
  // blobs in 2-D, lifted to 30 features by a fixed map so that the MLP's first layer applies
  data::Dataset d = test::blobs(600, 1);
  Generator g(2);
  const Tensor lift = Tensor::randn({2, 30}, g);
  d.features = matmul(d.features, lift);
  d.sample_shape = Shape{30};
  Generator g2(3);
  auto model = std::make_shared<nn::Sequential>();
  model->push_back(std::make_shared<nn::Linear>(30, 24, g2));
  model->push_back(std::make_shared<nn::ReLU>());
  model->push_back(std::make_shared<nn::Linear>(24, 3, g2));
  auto qat = quant::prepare_qat(*model);
  ASSERT_EQ(qat->size(), 3u);  // FakeQuantize, Qat(Linear, relu), Qat(Linear)
  EXPECT_EQ(qat->parameters().size(), model->parameters().size());
  EXPECT_EQ(qat->parameters()[0].data<float>(), model->parameters()[0].data<float>());
  optim::SGD opt(qat->parameters(), {.lr = 0.05, .momentum = 0.9});
  data::DataLoader loader(d, {.batch_size = 50, .shuffle = true, .seed = 1});
  train::Trainer trainer(*qat, opt, {.epochs = 3, .progress = false});
  const auto& history = trainer.fit(loader, &loader);
  EXPECT_GT(history.back().test_acc, 90.0);

  qat->eval();
  auto int8 = quant::convert_qat(*qat, d.features.slice_rows(0, 2));
  Tensor fake;
  {
    NoGradGuard no_grad;
    fake = qat->forward(d.features);
  }
  const Tensor real = int8->forward(d.features);
  EXPECT_LT(test::relative_max_error(real, fake), 0.05);
  EXPECT_THROW(quant::convert_qat(*model, d.features), Error);
}

}  // namespace
}  // namespace joule
