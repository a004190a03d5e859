// deploy::thin and deploy::prune_channels: the thinned model is smaller and gives the masked
// model's outputs (MLP, the examples' CNN with and without BatchNorm, constant channels), refuses
// what it cannot do, round-trips through a checkpoint, and prunes on a schedule in a Trainer.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "data_util.h"
#include "joule/autograd/grad_mode.h"
#include "joule/deploy/thin.h"
#include "joule/io/checkpoint.h"
#include "joule/nn/activation.h"
#include "joule/nn/conv.h"
#include "joule/nn/dropout.h"
#include "joule/nn/linear.h"
#include "joule/nn/norm.h"
#include "joule/nn/pool.h"
#include "joule/optim/sgd.h"
#include "joule/prune/prune.h"
#include "joule/train/trainer.h"
#include "test_util.h"

using namespace joule;

namespace {

using Model = std::shared_ptr<nn::Sequential>;

// 8 -> 16 -> 12 -> 4, ReLU between.
Model mlp(Generator& gen) {
  auto m = std::make_shared<nn::Sequential>();
  m->push_back(std::make_shared<nn::Linear>(8, 16, gen));
  m->push_back(std::make_shared<nn::ReLU>());
  m->push_back(std::make_shared<nn::Linear>(16, 12, gen));
  m->push_back(std::make_shared<nn::ReLU>());
  m->push_back(std::make_shared<nn::Linear>(12, 4, gen));
  return m;
}

// The examples' Fashion-MNIST CNN (examples/common/cnn.cpp), built here so the tests do not
// depend on examples/: conv(1->c1, 5x5, pad 2)-[BN]-ReLU-maxpool-conv(c1->c2)-[BN]-ReLU-maxpool-
// Flatten-FC(hidden)-ReLU-Dropout-FC10. BatchNorm gets random statistics and affine terms.
Model cnn(Generator& gen, bool batchnorm, int64_t c1 = 16, int64_t c2 = 32, int64_t hidden = 128) {
  auto m = std::make_shared<nn::Sequential>();
  m->push_back(std::make_shared<nn::Unflatten>(1, Shape{1, 28, 28}));
  int64_t channels = 1;
  for (int64_t out : {c1, c2}) {
    m->push_back(std::make_shared<nn::Conv2d>(
        nn::Conv2dOptions{.in = channels, .out = out, .kernel = 5, .padding = 2}, gen));
    if (batchnorm) {
      auto bn = m->push_back(std::make_shared<nn::BatchNorm2d>(out));
      bn->weight().copy_(Tensor::uniform(Shape{out}, gen, 0.5f, 1.5f));
      bn->bias().copy_(Tensor::uniform(Shape{out}, gen, -0.5f, 0.5f));
      bn->running_mean().copy_(Tensor::uniform(Shape{out}, gen, -0.2f, 0.2f));
      bn->running_var().copy_(Tensor::uniform(Shape{out}, gen, 0.5f, 2.f));
    }
    m->push_back(std::make_shared<nn::ReLU>());
    m->push_back(std::make_shared<nn::MaxPool2d>(nn::Pool2dOptions{.kernel = 2}));
    channels = out;
  }
  m->push_back(std::make_shared<nn::Flatten>());
  m->push_back(std::make_shared<nn::Linear>(channels * 7 * 7, hidden, gen));
  m->push_back(std::make_shared<nn::ReLU>());
  m->push_back(std::make_shared<nn::Dropout>(0.25, 3));
  m->push_back(std::make_shared<nn::Linear>(hidden, 10, gen));
  return m;
}

std::vector<float> run(nn::Module& m, const Tensor& x) {
  NoGradGuard no_grad;
  m.eval();
  return m.forward(x).contiguous().to_vector<float>();
}

double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double d = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i)
    d = std::max(d, std::fabs(static_cast<double>(a[i]) - b[i]));
  return d;
}

// The thinned model's outputs against the masked model's on random input (N, features).
void expect_same_outputs(nn::Sequential& masked, nn::Sequential& thinned, int64_t features,
                         uint64_t seed = 7) {
  Generator g(seed);
  const Tensor x = Tensor::randn(Shape{5, features}, g);
  EXPECT_LT(max_diff(run(masked, x), run(thinned, x)), 1e-5);
}

int64_t out_of(const nn::Sequential& m, size_t i) {
  if (const auto* l = dynamic_cast<const nn::Linear*>(m[i].get())) return l->options().out;
  if (const auto* c = dynamic_cast<const nn::Conv2d*>(m[i].get())) return c->options().out;
  if (const auto* n = dynamic_cast<const nn::BatchNorm*>(m[i].get())) return n->features();
  ADD_FAILURE() << "layer " << i << " (" << m[i]->repr() << ") has no width";
  return -1;
}

// Rows (output units) of weight `name` that are all zero.
int64_t zero_rows(const nn::Module& m, const std::string& name) {
  const Tensor w = m.parameter(name);
  const std::vector<float> v = w.contiguous().to_vector<float>();
  const int64_t rows = w.size(0), row = w.numel() / rows;
  int64_t n = 0;
  for (int64_t r = 0; r < rows; ++r) {
    bool zero = true;
    for (int64_t e = 0; e < row; ++e) zero = zero && v[static_cast<size_t>(r * row + e)] == 0.f;
    n += zero;
  }
  return n;
}

}  // namespace

TEST(Thin, MlpHiddenNeuronsAreRemovedAndOutputsKept) {
  Generator gen(1);
  Model m = mlp(gen);
  deploy::prune_channels(*m, 0.5, /*linear_too=*/true);
  EXPECT_EQ(zero_rows(*m, "0.weight"), 8);
  EXPECT_EQ(zero_rows(*m, "2.weight"), 6);
  EXPECT_EQ(zero_rows(*m, "4.weight"), 0);  // the last layer is never pruned
  deploy::ThinReport report;
  auto t = deploy::thin(*m, {}, &report);
  ASSERT_EQ(t->size(), 5u);
  EXPECT_EQ(out_of(*t, 0), 8);
  EXPECT_EQ(out_of(*t, 2), 6);
  EXPECT_EQ(out_of(*t, 4), 4);
  EXPECT_EQ(report.params_before, 8 * 16 + 16 + 16 * 12 + 12 + 12 * 4 + 4);
  EXPECT_EQ(report.params_after, 8 * 8 + 8 + 8 * 6 + 6 + 6 * 4 + 4);
  EXPECT_EQ(report.params_after, t->num_parameters());
  ASSERT_EQ(report.lines.size(), 2u);
  EXPECT_EQ(report.lines[0], "0 Linear: 16 -> 8 outputs");
  EXPECT_EQ(report.lines[1], "2 Linear: 12 -> 6 outputs");
  expect_same_outputs(*m, *t, 8);
  EXPECT_TRUE(prune::named_masks(*t).empty());
  EXPECT_FALSE(t->is_training());
}

TEST(Thin, CnnWithoutBatchNorm) {
  Generator gen(2);
  Model m = cnn(gen, false);
  deploy::prune_channels(*m, 0.5);
  EXPECT_EQ(zero_rows(*m, "1.weight"), 8);
  EXPECT_EQ(zero_rows(*m, "4.weight"), 16);
  deploy::ThinReport report;
  auto t = deploy::thin(*m, {}, &report);
  ASSERT_EQ(t->size(), m->size());
  EXPECT_EQ(out_of(*t, 1), 8);
  EXPECT_EQ(out_of(*t, 4), 16);
  EXPECT_EQ(dynamic_cast<nn::Conv2d&>(*(*t)[4]).options().in, 8);
  EXPECT_EQ(dynamic_cast<nn::Linear&>(*(*t)[8]).options().in, 16 * 49);
  EXPECT_EQ(out_of(*t, 8), 128);  // hidden Linear not pruned (linear_too = false)
  ASSERT_EQ(report.lines.size(), 2u);
  EXPECT_EQ(report.lines[0], "1 Conv2d: 16 -> 8 channels");
  EXPECT_EQ(report.lines[1], "4 Conv2d: 32 -> 16 channels");
  const int64_t before = (16 * 25 + 16) + (32 * 16 * 25 + 32) + (32 * 49 * 128 + 128) + 1290;
  const int64_t after = (8 * 25 + 8) + (16 * 8 * 25 + 16) + (16 * 49 * 128 + 128) + 1290;
  EXPECT_EQ(report.params_before, before);
  EXPECT_EQ(report.params_after, after);
  expect_same_outputs(*m, *t, 784);
}

TEST(Thin, CnnWithBatchNormFoldedOrKept) {
  Generator gen(3);
  Model m = cnn(gen, true);
  deploy::prune_channels(*m, 0.5, /*linear_too=*/true);
  // The BatchNorm entries of pruned channels are masked too.
  EXPECT_EQ(prune::sparsity(*m, {"2.weight", "2.bias"}), 0.5);
  deploy::ThinReport report;
  auto folded = deploy::thin(*m, {}, &report);
  ASSERT_EQ(folded->size(), m->size() - 2);  // both BatchNorm2d folded into their convs
  for (size_t i = 0; i < folded->size(); ++i)
    EXPECT_EQ(dynamic_cast<nn::BatchNorm*>((*folded)[i].get()), nullptr) << i;
  EXPECT_EQ(out_of(*folded, 1), 8);
  EXPECT_EQ(out_of(*folded, 4), 16);
  EXPECT_EQ(out_of(*folded, 8), 64);  // hidden Linear, pruned with linear_too
  EXPECT_EQ(report.lines.front(), "2 BatchNorm2d: folded into layer 1 (Conv2d)");
  expect_same_outputs(*m, *folded, 784);

  auto kept = deploy::thin(*m, {.fold_batchnorm = false});
  ASSERT_EQ(kept->size(), m->size());
  EXPECT_EQ(out_of(*kept, 2), 8);
  EXPECT_EQ(out_of(*kept, 6), 16);
  expect_same_outputs(*m, *kept, 784);
}

TEST(Thin, PrunedUnitsWithNonzeroBiasFoldIntoTheNextLinear) {
  Generator gen(4);
  Model m = mlp(gen);
  prune::ln_structured(*m, "0.weight", 5);  // weights only: the biases stay nonzero
  prune::ln_structured(*m, "2.weight", 3);
  deploy::ThinReport report;
  auto t = deploy::thin(*m, {}, &report);
  EXPECT_EQ(out_of(*t, 0), 11);
  EXPECT_EQ(out_of(*t, 2), 9);
  ASSERT_EQ(report.lines.size(), 2u);
  test::expect_has(report.lines[0], "16 -> 11 outputs");
  // relu(bias) of a dead unit is 0 when the bias is negative; the others fold into layer 2.
  test::expect_has(report.lines[0], "folded into layer 2's bias");
  expect_same_outputs(*m, *t, 8);
}

TEST(Thin, ConstantChannelsAreKeptBeforeAPaddedConvAndFoldedBeforeAnUnpaddedOne) {
  for (int64_t padding : {2, 0}) {
    Generator gen(5);
    auto m = std::make_shared<nn::Sequential>();
    m->push_back(std::make_shared<nn::Unflatten>(1, Shape{2, 9, 9}));
    m->push_back(std::make_shared<nn::Conv2d>(
        nn::Conv2dOptions{.in = 2, .out = 6, .kernel = 3, .padding = 1}, gen));
    m->push_back(std::make_shared<nn::ReLU>());
    m->push_back(std::make_shared<nn::Conv2d>(
        nn::Conv2dOptions{.in = 6, .out = 4, .kernel = 5, .padding = padding}, gen));
    m->push_back(std::make_shared<nn::Flatten>());
    const int64_t side = padding == 2 ? 9 : 5;
    m->push_back(std::make_shared<nn::Linear>(4 * side * side, 3, gen));
    // Channels 1 and 4 dead with positive biases: constants that survive the ReLU.
    m->parameter("1.bias").copy_(Tensor::full(Shape{6}, 0.25f));
    prune::custom_from_mask(*m, "1.weight", [] {
      std::vector<float> keep(6 * 2 * 9, 1.f);
      for (int64_t c : {1, 4})
        for (int64_t e = 0; e < 18; ++e) keep[static_cast<size_t>(c * 18 + e)] = 0.f;
      return Tensor::from_vector(keep, Shape{6, 2, 3, 3});
    }());
    auto t = deploy::thin(*m);
    EXPECT_EQ(out_of(*t, 1), padding == 2 ? 6 : 4) << "padding " << padding;
    expect_same_outputs(*m, *t, 2 * 81);
  }
}

namespace {

// A mask of `shape` that zeroes the first `row` elements: output channel 0 of a weight, or
// entry 0 of a bias.
Tensor drop_first(const Shape& shape, int64_t row) {
  std::vector<float> keep(static_cast<size_t>(shape.numel()), 1.f);
  for (int64_t e = 0; e < row; ++e) keep[static_cast<size_t>(e)] = 0.f;
  return Tensor::from_vector(keep, shape);
}

}  // namespace

TEST(Thin, AConvThenALinearOnTheImageWidthKeepsItsChannels) {
  // Linear(4, 5) reads the last dimension of (N, 4, 4, 4): the image width, not the channels.
  Generator gen(21);
  auto m = std::make_shared<nn::Sequential>();
  m->push_back(std::make_shared<nn::Unflatten>(1, Shape{1, 4, 4}));
  m->push_back(std::make_shared<nn::Conv2d>(
      nn::Conv2dOptions{.in = 1, .out = 4, .kernel = 3, .padding = 1}, gen));
  m->push_back(std::make_shared<nn::Linear>(4, 5, gen));
  m->push_back(std::make_shared<nn::Flatten>());
  m->push_back(std::make_shared<nn::Linear>(80, 10, gen));
  prune::custom_from_mask(*m, "1.weight", drop_first(Shape{4, 1, 3, 3}, 9));
  prune::custom_from_mask(*m, "1.bias", drop_first(Shape{4}, 1));
  Model t;
  ASSERT_NO_THROW(t = deploy::thin(*m));
  EXPECT_EQ(out_of(*t, 1), 4);
  EXPECT_EQ(dynamic_cast<nn::Linear&>(*(*t)[2]).options().in, 4);
  expect_same_outputs(*m, *t, 16);
}

TEST(Thin, AConstantChannelBeforeAPaddedAvgPoolAndALinearIsKept) {
  // The padding counts as zeros in the mean, so the constant is not one constant at the border.
  Generator gen(22);
  auto m = std::make_shared<nn::Sequential>();
  m->push_back(std::make_shared<nn::Unflatten>(1, Shape{1, 6, 6}));
  m->push_back(std::make_shared<nn::Conv2d>(
      nn::Conv2dOptions{.in = 1, .out = 4, .kernel = 3, .padding = 1}, gen));
  m->push_back(std::make_shared<nn::AvgPool2d>(
      nn::Pool2dOptions{.kernel = 2, .stride = 2, .padding = 1}));
  m->push_back(std::make_shared<nn::Flatten>());
  m->push_back(std::make_shared<nn::Linear>(4 * 4 * 4, 3, gen));
  m->parameter("1.bias").copy_(Tensor::full(Shape{4}, 0.5f));
  prune::custom_from_mask(*m, "1.weight", drop_first(Shape{4, 1, 3, 3}, 9));  // bias stays
  auto t = deploy::thin(*m);
  EXPECT_EQ(out_of(*t, 1), 4);
  expect_same_outputs(*m, *t, 36);
}

TEST(Thin, ADeadChannelThroughASigmoidBeforeAPaddedConvIsKept) {
  // sigmoid(0) = 0.5 everywhere, but the next conv's zero padding makes its border differ.
  Generator gen(23);
  auto m = std::make_shared<nn::Sequential>();
  m->push_back(std::make_shared<nn::Unflatten>(1, Shape{2, 5, 5}));
  m->push_back(std::make_shared<nn::Conv2d>(
      nn::Conv2dOptions{.in = 2, .out = 4, .kernel = 3, .padding = 1}, gen));
  m->push_back(std::make_shared<nn::Sigmoid>());
  m->push_back(std::make_shared<nn::Conv2d>(
      nn::Conv2dOptions{.in = 4, .out = 3, .kernel = 3, .padding = 1}, gen));
  m->push_back(std::make_shared<nn::Flatten>());
  m->push_back(std::make_shared<nn::Linear>(3 * 5 * 5, 2, gen));
  prune::custom_from_mask(*m, "1.weight", drop_first(Shape{4, 2, 3, 3}, 18));
  prune::custom_from_mask(*m, "1.bias", drop_first(Shape{4}, 1));
  auto t = deploy::thin(*m);
  EXPECT_EQ(out_of(*t, 1), 4);
  EXPECT_EQ(dynamic_cast<nn::Conv2d&>(*(*t)[3]).options().in, 4);
  expect_same_outputs(*m, *t, 50);
}

TEST(Thin, NothingPrunedIsTheIdentity) {
  Generator gen(6);
  Model m = cnn(gen, false);
  deploy::ThinReport report;
  auto t = deploy::thin(*m, {}, &report);
  EXPECT_TRUE(report.lines.empty());
  EXPECT_EQ(report.params_before, report.params_after);
  for (size_t i : {1u, 4u, 8u, 11u}) EXPECT_EQ(out_of(*t, i), out_of(*m, i));
  Generator g(1);
  const Tensor x = Tensor::randn(Shape{3, 784}, g);
  EXPECT_EQ(max_diff(run(*m, x), run(*t, x)), 0.0);
}

TEST(Thin, DoesNotModifyTheModel) {
  Generator gen(7);
  Model m = cnn(gen, true);
  deploy::prune_channels(*m, 0.25);
  auto floats = [&] {
    std::vector<std::vector<float>> v;
    for (const auto& [name, t] : m->state())
      if (t.dtype() == DType::Float32) v.push_back(t.contiguous().to_vector<float>());
    return v;
  };
  const auto before = floats();
  m->train();
  auto t = deploy::thin(*m);
  EXPECT_EQ(floats(), before);
  for (size_t i = 0; i < m->size(); ++i) EXPECT_TRUE((*m)[i]->is_training()) << "layer " << i;
  EXPECT_FALSE(t->is_training());
  EXPECT_EQ(out_of(*m, 1), 16);
}

TEST(Thin, AWholeLayerPrunedIsRefused) {
  Generator gen(8);
  Model m = mlp(gen);
  prune::ln_structured(*m, "2.weight", 1.0);
  prune::custom_from_mask(*m, "2.bias", Tensor::zeros(Shape{12}));
  const std::string msg = test::error_of([&] { deploy::thin(*m); });
  test::expect_has(msg, "every one of the 12 outputs of layer 2 (Linear");
  test::expect_has(msg, "width 0");
}

TEST(Thin, UnsupportedLayersAreNamed) {
  Generator gen(9);
  auto m = std::make_shared<nn::Sequential>();
  m->push_back(std::make_shared<nn::Linear>(4, 4, gen));
  m->push_back(mlp(gen));  // a nested Sequential
  const std::string msg = test::error_of([&] { deploy::thin(*m); });
  test::expect_has(msg, "layer 1 (Sequential) is not supported");

  auto no_stats = std::make_shared<nn::Sequential>();
  no_stats->push_back(std::make_shared<nn::Linear>(4, 4, gen));
  no_stats->push_back(std::make_shared<nn::BatchNorm1d>(
      4, nn::BatchNormOptions{.track_running_stats = false}));
  test::expect_has(test::error_of([&] { deploy::thin(*no_stats); }),
                   "layer 1 (BatchNorm1d");
}

TEST(Thin, CheckpointOfTheThinnedModelReloadsIntoAFreshModelOfItsWidths) {
  Generator gen(10);
  Model m = cnn(gen, true);
  deploy::prune_channels(*m, 0.5, true);
  auto t = deploy::thin(*m);
  test::TempDir dir("joule_thin");
  const std::string path = dir.file("thin.h5");
  io::save_checkpoint(path, *t, nullptr, {});

  Generator other(99);
  auto fresh = std::make_shared<nn::Sequential>();
  fresh->push_back(std::make_shared<nn::Unflatten>(1, Shape{1, 28, 28}));
  fresh->push_back(std::make_shared<nn::Conv2d>(
      nn::Conv2dOptions{.in = 1, .out = 8, .kernel = 5, .padding = 2}, other));
  fresh->push_back(std::make_shared<nn::ReLU>());
  fresh->push_back(std::make_shared<nn::MaxPool2d>(nn::Pool2dOptions{.kernel = 2}));
  fresh->push_back(std::make_shared<nn::Conv2d>(
      nn::Conv2dOptions{.in = 8, .out = 16, .kernel = 5, .padding = 2}, other));
  fresh->push_back(std::make_shared<nn::ReLU>());
  fresh->push_back(std::make_shared<nn::MaxPool2d>(nn::Pool2dOptions{.kernel = 2}));
  fresh->push_back(std::make_shared<nn::Flatten>());
  fresh->push_back(std::make_shared<nn::Linear>(16 * 49, 64, other));
  fresh->push_back(std::make_shared<nn::ReLU>());
  fresh->push_back(std::make_shared<nn::Dropout>(0.25, 3));
  fresh->push_back(std::make_shared<nn::Linear>(64, 10, other));
  io::load_checkpoint(path, *fresh, nullptr, nullptr);
  Generator g(2);
  const Tensor x = Tensor::randn(Shape{4, 784}, g);
  EXPECT_EQ(max_diff(run(*t, x), run(*fresh, x)), 0.0);
  EXPECT_LT(max_diff(run(*m, x), run(*fresh, x)), 1e-5);
}

TEST(PruneChannels, RejectsABadSparsityAndOnlyEverPrunesMore) {
  Generator gen(11);
  Model m = cnn(gen, false);
  test::expect_has(test::error_of([&] { deploy::prune_channels(*m, 1.0); }),
                   "sparsity 1 must be in [0, 1)");
  test::expect_has(test::error_of([&] { deploy::prune_channels(*m, -0.1); }), "-0.1");
  EXPECT_EQ(deploy::channel_prunable(*m), (std::vector<std::string>{"1.weight", "4.weight"}));
  EXPECT_EQ(deploy::channel_prunable(*m, true),
            (std::vector<std::string>{"1.weight", "4.weight", "8.weight"}));
  deploy::prune_channels(*m, 0.5);
  const std::vector<float> mask = m->buffer("1.weight_mask").contiguous().to_vector<float>();
  deploy::prune_channels(*m, 0.25);  // below what is pruned: nothing changes
  EXPECT_EQ(m->buffer("1.weight_mask").contiguous().to_vector<float>(), mask);
  deploy::prune_channels(*m, 0.75);
  EXPECT_EQ(zero_rows(*m, "1.weight"), 12);
  EXPECT_EQ(zero_rows(*m, "4.weight"), 24);
  const std::vector<float> bias = m->parameter("1.bias").contiguous().to_vector<float>();
  int64_t zero_bias = 0;
  for (float b : bias) zero_bias += b == 0.f;
  EXPECT_EQ(zero_bias, 12);
}

TEST(PruneChannels, OnAScheduleInATrainerThenThin) {
  Generator gen(12);
  auto m = std::make_shared<nn::Sequential>();
  m->push_back(std::make_shared<nn::Linear>(2, 16, gen));
  m->push_back(std::make_shared<nn::ReLU>());
  m->push_back(std::make_shared<nn::Linear>(16, 16, gen));
  m->push_back(std::make_shared<nn::ReLU>());
  m->push_back(std::make_shared<nn::Linear>(16, 3, gen));
  optim::SGD opt(m->parameters(), {.lr = 0.05, .momentum = 0.9});
  data::Dataset train = test::blobs(60, 1);
  data::DataLoader loader(train, {.batch_size = 10, .shuffle = true, .seed = 1});  // 6 steps
  auto schedule = std::make_shared<prune::PolynomialDecay>(prune::PolynomialDecayOptions{
      .initial_sparsity = 0, .final_sparsity = 0.75, .begin_step = 0, .end_step = 12,
      .frequency = 6});
  auto cb = std::make_shared<prune::PruningCallback>(
      schedule, prune::PruningCallbackOptions{.names = deploy::channel_prunable(*m, true),
                                              .method = deploy::channel_pruning(true)});
  std::ostringstream log;
  train::Trainer trainer(*m, opt, {.epochs = 3, .progress = false, .log = &log});
  trainer.add_callback(cb);
  trainer.fit(loader);
  EXPECT_EQ(cb->times_pruned(), 3);  // steps 0, 6, 12
  EXPECT_EQ(zero_rows(*m, "0.weight"), 12);
  EXPECT_EQ(zero_rows(*m, "2.weight"), 12);
  EXPECT_EQ(zero_rows(*m, "4.weight"), 0);
  deploy::ThinReport report;
  auto t = deploy::thin(*m, {}, &report);
  EXPECT_EQ(out_of(*t, 0), 4);
  EXPECT_EQ(out_of(*t, 2), 4);
  expect_same_outputs(*m, *t, 2);
}

TEST(Thin, GlobalPoolingAndBatchNorm1dAfterALinear) {
  for (bool fold : {true, false}) {
    Generator gen(13);
    auto m = std::make_shared<nn::Sequential>();
    m->push_back(std::make_shared<nn::Unflatten>(1, Shape{3, 6, 6}));
    m->push_back(std::make_shared<nn::Conv2d>(
        nn::Conv2dOptions{.in = 3, .out = 8, .kernel = 3, .padding = 1}, gen));
    m->push_back(std::make_shared<nn::ReLU>());
    m->push_back(std::make_shared<nn::GlobalAvgPool2d>());
    m->push_back(std::make_shared<nn::Linear>(8, 6, gen));
    auto bn = m->push_back(std::make_shared<nn::BatchNorm1d>(6));
    bn->weight().copy_(Tensor::uniform(Shape{6}, gen, 0.5f, 1.5f));
    bn->bias().copy_(Tensor::uniform(Shape{6}, gen, -0.5f, 0.5f));
    bn->running_mean().copy_(Tensor::uniform(Shape{6}, gen, -0.2f, 0.2f));
    bn->running_var().copy_(Tensor::uniform(Shape{6}, gen, 0.5f, 2.f));
    m->push_back(std::make_shared<nn::Tanh>());
    m->push_back(std::make_shared<nn::Linear>(6, 3, gen));
    deploy::prune_channels(*m, 0.5, true);
    auto t = deploy::thin(*m, {.fold_batchnorm = fold});
    ASSERT_EQ(t->size(), fold ? 7u : 8u);
    EXPECT_EQ(out_of(*t, 1), 4);
    EXPECT_EQ(dynamic_cast<nn::Linear&>(*(*t)[4]).options().in, 4);
    EXPECT_EQ(out_of(*t, 4), 3);
    if (!fold) {
      EXPECT_EQ(out_of(*t, 5), 3);
    }
    expect_same_outputs(*m, *t, 3 * 36);
  }
}
