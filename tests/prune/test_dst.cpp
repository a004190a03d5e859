#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "joule/nn/activation.h"
#include "joule/nn/sequential.h"
#include "joule/ops/loss.h"
#include "joule/ops/reduce.h"
#include "joule/optim/sgd.h"
#include "datasets/dataloader.h"
#include "joule/prune/dst.h"
#include "test_util.h"

namespace joule::prune {
namespace {

std::shared_ptr<nn::Sequential> small_net(uint64_t seed, double density) {
  Generator gen(seed);
  auto net = std::make_shared<nn::Sequential>();
  net->push_back(std::make_shared<nn::SparseLinear>(nn::SparseLinearOptions{.in = 30, .out = 20, .density = density}, gen));
  net->push_back(std::make_shared<nn::ReLU>());
  net->push_back(std::make_shared<nn::SparseLinear>(nn::SparseLinearOptions{.in = 20, .out = 5, .density = density}, gen));
  return net;
}

TEST(Set, EvolveDropsTheWeightsClosestToZeroOnEachSideAndKeepsNnz) {
  auto net = small_net(1, 0.3);
  auto layers = sparse_layers(*net);
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].first, "0");
  EXPECT_EQ(layers[1].first, "2");
  nn::SparseLinear& l0 = *layers[0].second;
  const int64_t nnz0 = l0.nnz(), nnz1 = layers[1].second->nnz();
  const std::vector<float> v = l0.values().detach().to_vector<float>();
  std::vector<float> pos, neg;
  for (float w : v) (w > 0 ? pos : neg).push_back(w);
  std::sort(pos.begin(), pos.end());
  std::sort(neg.begin(), neg.end(), [](float a, float b) { return a > b; });  // closest to 0 first
  const auto kp = static_cast<size_t>(0.3 * static_cast<double>(pos.size()));
  const auto kn = static_cast<size_t>(0.3 * static_cast<double>(neg.size()));
  const Tensor w_before = l0.dense_weight();

  SET set(*net, {.zeta = 0.3, .seed = 7});
  const int64_t replaced = set.evolve(nullptr);
  EXPECT_EQ(l0.nnz(), nnz0);
  EXPECT_EQ(layers[1].second->nnz(), nnz1);
  EXPECT_GE(replaced, static_cast<int64_t>(kp + kn));
  // every surviving old weight is at least as far from zero as the dropped ones on its side
  const Tensor w_after = l0.dense_weight();
  int64_t survivors = 0;
  for (int64_t i = 0; i < w_before.numel(); ++i) {
    const float b = w_before.data<float>()[i], a = w_after.data<float>()[i];
    if (b != 0 && a == b) {
      ++survivors;
      if (b > 0) EXPECT_GE(b, pos[kp - 1]);
      else EXPECT_LE(b, neg[kn - 1]);
    }
  }
  EXPECT_EQ(survivors, nnz0 - static_cast<int64_t>(kp + kn));
}

TEST(RigL, DropFractionFollowsTheCosineScheduleAndEndsAtThreeQuarters) {
  auto net = small_net(2, 0.3);
  RigL rigl(*net, {.delta_t = 10, .alpha = 0.3, .end_fraction = 0.75, .total_steps = 1000});
  EXPECT_NEAR(rigl.drop_fraction(0), 0.3, 1e-12);
  EXPECT_NEAR(rigl.drop_fraction(375), 0.15, 1e-12);
  EXPECT_NEAR(rigl.drop_fraction(250), 0.15 * (1 + std::cos(M_PI / 3)), 1e-12);
  EXPECT_EQ(rigl.drop_fraction(750), 0.0);
  EXPECT_EQ(rigl.drop_fraction(900), 0.0);
}

TEST(RigL, UpdateDropsSmallestMagnitudesAndGrowsLargestGradientsAtZero) {
  auto net = small_net(3, 0.25);
  nn::SparseLinear& l0 = *sparse_layers(*net)[0].second;
  optim::SGD opt(net->parameters(), {.lr = 0.1, .momentum = 0.9});
  Generator gen(4);
  Tensor x = Tensor::uniform(Shape{16, 30}, gen, -1, 1);
  Tensor y = Tensor::labels(std::vector<int64_t>(16, 2));
  cross_entropy((*net)(x), y).backward();
  opt.step();  // momentum buffers now nonzero
  net->zero_grad();

  RigL rigl(*net, {.delta_t = 1, .alpha = 0.3, .end_fraction = 0.75, .total_steps = 100});
  rigl.capture_next();
  cross_entropy((*net)(x), y).backward();
  const Tensor g = l0.dense_grad().clone();
  const Tensor w_before = l0.dense_weight();
  const int64_t nnz = l0.nnz();
  const auto k = static_cast<int64_t>(0.2 * static_cast<double>(nnz));
  std::vector<float> mags;
  for (float v : l0.values().detach().to_vector<float>()) mags.push_back(std::fabs(v));
  std::sort(mags.begin(), mags.end());
  rigl.update(0.2, &opt);

  EXPECT_EQ(l0.nnz(), nnz);
  EXPECT_FALSE(l0.dense_grad().defined()) << "the dense gradient lives only for the update";
  const Tensor w_after = l0.dense_weight();
  const std::vector<float> m = opt.param_groups()[0].state[0].buf1.to_vector<float>();
  int64_t grown = 0, dropped = 0;
  float min_grown_g = INFINITY;
  for (int64_t i = 0; i < w_before.numel(); ++i) {
    const float b = w_before.data<float>()[i], a = w_after.data<float>()[i];
    const int64_t slot = l0.pattern().find(i / 30, i % 30);
    if (b != 0 && slot < 0) {
      ++dropped;
      EXPECT_LE(std::fabs(b), mags[static_cast<size_t>(k - 1)]);
    }
    if (b == 0 && slot >= 0) {
      ++grown;
      EXPECT_EQ(a, 0.f) << "grown weights start at zero";
      EXPECT_EQ(m[static_cast<size_t>(slot)], 0.f) << "grown weights start with zero momentum";
      min_grown_g = std::min(min_grown_g, std::fabs(g.data<float>()[i]));
    }
  }
  EXPECT_EQ(dropped, grown) << "positions leaving and arriving balance: nnz is constant";
  EXPECT_GT(grown, 0);
  EXPECT_LE(grown, k);
  // no free position (not stored now) has a larger gradient than the smallest grown one
  for (int64_t i = 0; i < w_after.numel(); ++i) {
    if (l0.pattern().find(i / 30, i % 30) < 0) {
      EXPECT_LE(std::fabs(g.data<float>()[i]), min_grown_g);
    }
  }
}

// A learnable toy task: the label is the argmax of the first 5 features.
data::Dataset toy(int64_t n, uint64_t seed) {
  Generator gen(seed);
  Tensor x = Tensor::uniform(Shape{n, 30}, gen, -1, 1);
  std::vector<int64_t> y;
  for (int64_t i = 0; i < n; ++i) {
    const float* row = x.data<float>() + i * 30;
    y.push_back(std::max_element(row, row + 5) - row);
  }
  return {x, Tensor::labels(y), Shape{30}, 5};
}

TEST(Dst, TrainerRunsSetAndRigLWithConstantNnzAndRewiring) {
  data::Dataset train = toy(256, 1);
  for (const char* method : {"set", "rigl"}) {
    auto net = small_net(5, 0.3);
    const int64_t nnz = sparse_nnz(*net);
    optim::SGD opt(net->parameters(), {.lr = 0.05, .momentum = 0.9});
    std::ostringstream log;
    train::Trainer trainer(*net, opt, {.epochs = 4, .progress = false, .log = &log});
    std::shared_ptr<train::Callback> cb;
    if (std::string(method) == "set") cb = std::make_shared<SET>(*net, SETOptions{.zeta = 0.3, .seed = 2});
    else cb = std::make_shared<RigL>(*net, RigLOptions{.delta_t = 4});
    trainer.add_callback(cb);
    data::DataLoader loader(train, {.batch_size = 32, .shuffle = true, .seed = 3});
    const auto& history = trainer.fit(loader);
    EXPECT_EQ(sparse_nnz(*net), nnz) << method;
    EXPECT_NE(log.str().find("rewired="), std::string::npos) << log.str();
    EXPECT_EQ(log.str().find("rewired=0 ", log.str().find("epoch=2")), std::string::npos)
        << method << " rewired nothing in epoch 2: " << log.str();
    EXPECT_LT(history.back().loss, history.front().loss) << method;
  }
}

TEST(Dst, RefusesAModelWithoutSparseLayers) {
  nn::Sequential empty;
  test::expect_has(test::error_of([&] { SET s(empty, {}); }), "no SparseLinear layer");
  test::expect_has(test::error_of([&] { RigL r(empty, {}); }), "no SparseLinear layer");
}

}  // namespace
}  // namespace joule::prune

namespace joule::prune {
namespace {

TEST(Set, ZetaIsConstantOrCosineAnnealedToTheEndFraction) {
  auto net = std::make_shared<nn::Sequential>();
  Generator gen(1);
  net->push_back(std::make_shared<nn::SparseLinear>(nn::SparseLinearOptions{.in = 8, .out = 4, .density = 0.5}, gen));
  SET constant(*net, {.zeta = 0.3});
  EXPECT_EQ(constant.zeta_at(1, 10), 0.0) << "nothing to evolve before the first epoch";
  EXPECT_EQ(constant.zeta_at(2, 10), 0.3);
  EXPECT_EQ(constant.zeta_at(10, 10), 0.3);
  SET cosine(*net, {.zeta = 0.3, .anneal = true, .end_fraction = 0.75});
  // evolution t = epoch - 1 of t_end = 7.5
  EXPECT_NEAR(cosine.zeta_at(2, 10), 0.15 * (1 + std::cos(M_PI / 7.5)), 1e-12);
  EXPECT_NEAR(cosine.zeta_at(5, 10), 0.15 * (1 + std::cos(M_PI * 4 / 7.5)), 1e-12);
  EXPECT_EQ(cosine.zeta_at(9, 10), 0.0);
  test::expect_has(test::error_of([&] { cosine.evolve(nullptr, 1.5); }), "zeta must be in [0, 1), got 1.5");
}

}  // namespace
}  // namespace joule::prune
