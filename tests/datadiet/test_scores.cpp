// Data-pruning scores on problems with a known answer: EL2N of a fitted example, GraNd against
// autograd's per-example gradients, forgetting events of a scripted sequence, and the scoring
// runs on Gaussian blobs with one mislabelled example.
#include <gtest/gtest.h>

#include <cmath>

#include "data_util.h"
#include "joule/datadiet/forgetting.h"
#include "joule/datadiet/per_example.h"
#include "joule/datadiet/scoring.h"
#include "joule/nn/activation.h"
#include "joule/nn/freeze.h"
#include "joule/nn/linear.h"
#include "joule/ops/loss.h"
#include "test_util.h"

namespace joule::datadiet {
namespace {

// Counts 1 J per read: a scoring that reads it twice costs 1 J.
class CountingMeter : public energy::Meter {
 public:
  std::string source() const override { return "estimate"; }
  bool measured() const override { return false; }
  energy::EnergyTotals read() override {
    energy::EnergyTotals t;
    t.cpu_j = static_cast<double>(reads_++);
    return t;
  }
  std::string describe() const override { return "counting"; }

 private:
  int64_t reads_ = 0;
};

std::shared_ptr<nn::Sequential> small_mlp(int64_t in, int64_t hidden, int64_t out, uint64_t seed) {
  Generator gen(seed);
  return std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(in, hidden, gen),
                                          std::make_shared<nn::ReLU>(),
                                          std::make_shared<nn::Linear>(hidden, out, gen));
}

TEST(El2n, IsZeroForAFittedExampleAndKnownForAUniformOne) {
  const Tensor logits =
      Tensor::from_vector(std::vector<float>{40, 0, 0, 0, 1, 1, 1, 1, 0, 40, 0, 0}, {3, 4});
  const std::vector<float> e = el2n(logits, Tensor::labels({0, 2, 0}));
  EXPECT_NEAR(e[0], 0.f, 1e-6f);
  // softmax is 1/4 everywhere: (3/4)^2 + 3 (1/4)^2 = 0.75
  EXPECT_NEAR(e[1], std::sqrt(0.75f), 1e-6f);
  // fully confident in the wrong class: sqrt(1 + 1)
  EXPECT_NEAR(e[2], std::sqrt(2.f), 1e-6f);
  test::expect_has(test::error_of([&] { el2n(logits, Tensor::labels({0, 4, 0})); }),
                   "label 4 of row 1 is outside [0, 4)");
}

TEST(GraNd, MatchesAutogradPerExampleGradientNorms) {
  auto model = small_mlp(3, 5, 4, 7);
  Generator g(3);
  const Tensor x = Tensor::randn({6, 3}, g);
  const std::vector<int64_t> y = {0, 1, 2, 3, 1, 2};
  std::vector<float> expected;
  for (int64_t i = 0; i < 6; ++i) {
    for (Tensor& p : model->parameters()) p.set_grad(Tensor());
    cross_entropy(model->forward(x.slice_rows(i, i + 1).contiguous()),
                  Tensor::labels({y[static_cast<size_t>(i)]}))
        .backward();
    double sq = 0;
    for (const Tensor& p : model->parameters())
      for (float v : p.grad().contiguous().to_vector<float>()) sq += static_cast<double>(v) * v;
    expected.push_back(static_cast<float>(std::sqrt(sq)));
  }
  nn::freeze(*model);
  const std::vector<float> got = grand_norms(*model, x, Tensor::labels(y));
  ASSERT_EQ(got.size(), 6u);
  for (size_t i = 0; i < 6; ++i) EXPECT_NEAR(got[i], expected[i], 1e-4f * (1 + expected[i]));
  nn::Sequential no_linear(std::make_shared<nn::ReLU>());
  test::expect_has(test::error_of([&] { grand_norms(no_linear, x, Tensor::labels(y)); }),
                   "no Linear layer");
}

TEST(Forgetting, CountsCorrectToIncorrectTransitions) {
  ForgettingTracker t(4);
  const bool C = true, I = false;
  for (bool c : {C, I, C, I}) t.observe(0, c);  // forgotten twice
  for (bool c : {I, I, I}) t.observe(1, c);     // never learned
  for (bool c : {C, C, C}) t.observe(2, c);     // unforgettable
  for (bool c : {I, C, C}) t.observe(3, c);     // learned late, never forgotten
  EXPECT_EQ(t.events(0), 2);
  EXPECT_EQ(t.events(1), 0);
  EXPECT_FALSE(t.ever_learned(1));
  EXPECT_EQ(t.events(2), 0);
  EXPECT_EQ(t.events(3), 0);
  const std::vector<float> s = t.scores();
  EXPECT_FLOAT_EQ(s[0], 2.f + 2.f / 5.f);
  EXPECT_FLOAT_EQ(s[1], 5.f);  // most presentations (4) + 1: above any count
  EXPECT_FLOAT_EQ(s[2], 0.f);
  EXPECT_FLOAT_EQ(s[3], 1.f / 4.f);
  test::expect_has(test::error_of([&] { t.observe(4, C); }), "example 4 is outside [0, 4)");
}

TEST(Forgetting, ReadsABatchOfLogits) {
  ForgettingTracker t(3);
  const Tensor logits = Tensor::from_vector(std::vector<float>{2, 1, 0, 3, 1, 0}, {3, 2});
  t.observe_batch(Tensor::labels({2, 0, 1}), logits, Tensor::labels({0, 0, 1}));
  t.observe_batch(Tensor::labels({2, 0, 1}), logits, Tensor::labels({1, 0, 1}));
  EXPECT_EQ(t.events(2), 1);  // correct, then wrong
  EXPECT_EQ(t.events(0), 0);
  EXPECT_FALSE(t.ever_learned(1));
}

// Blobs with example 0 relabelled: every scoring run should find it the hardest.
data::Dataset blobs_with_a_wrong_label() {
  data::Dataset d = test::blobs(90, 5);
  d.labels.data<int64_t>()[0] = 1;  // a class-0 point labelled 1
  return d;
}

ScoreOptions options_for(Method m, int64_t epochs) {
  return {.method = m, .epochs = epochs, .seeds = 2, .seed = 1, .batch = 10, .lr = 0.1,
          .momentum = 0.9, .model = "mlp 2-8-3"};
}

TEST(Scoring, El2nAndForgettingFindTheWrongLabel) {
  const data::Dataset d = blobs_with_a_wrong_label();
  const ModelFactory make = [](uint64_t seed) { return small_mlp(2, 8, 3, seed); };
  for (Method m : {Method::EL2N, Method::Forgetting}) {
    CountingMeter meter;
    const Scores s = compute_scores(d, make, options_for(m, 8), meter);
    ASSERT_EQ(s.values.size(), 90u);
    const auto hardest = std::max_element(s.values.begin(), s.values.end()) - s.values.begin();
    EXPECT_EQ(hardest, 0) << method_name(m);
    EXPECT_EQ(s.method, method_name(m));
    EXPECT_DOUBLE_EQ(s.joules, 1.0);  // one window: two reads of the counting meter
    EXPECT_EQ(s.energy_kind, "estimated");
    EXPECT_EQ(s.recipe_value("epochs"), "8");
    EXPECT_EQ(s.recipe_value("model"), "mlp 2-8-3");
  }
}

TEST(Scoring, El2nOfAFittedProblemIsSmall) {
  const data::Dataset d = test::blobs(90, 5);
  CountingMeter meter;
  const Scores s = compute_scores(d, [](uint64_t seed) { return small_mlp(2, 8, 3, seed); },
                                  options_for(Method::EL2N, 8), meter);
  double mean = 0;
  for (float v : s.values) mean += v / 90.0;
  EXPECT_LT(mean, 0.1);
}

TEST(Scoring, GrandAtInitialisationNeedsNoTraining) {
  const data::Dataset d = blobs_with_a_wrong_label();
  CountingMeter meter;
  const Scores s = compute_scores(d, [](uint64_t seed) { return small_mlp(2, 8, 3, seed); },
                                  options_for(Method::GraNd, -1), meter);
  EXPECT_EQ(s.recipe_value("epochs"), "0");
  for (float v : s.values) EXPECT_GT(v, 0.f);
  // the mean of two seeds' exact norms
  double expect0 = 0;
  for (uint64_t seed : {1, 2}) {
    auto m = small_mlp(2, 8, 3, seed);
    nn::freeze(*m);
    m->eval();
    expect0 += grand_norms(*m, d.features.slice_rows(0, 1).contiguous(),
                           d.labels.slice_rows(0, 1).contiguous())[0] / 2.0;
  }
  EXPECT_NEAR(s.values[0], expect0, 1e-5);
}

TEST(Scoring, RandomIsSeededAndFree) {
  const data::Dataset d = test::blobs(30, 1);
  CountingMeter meter;
  const ModelFactory none = [](uint64_t) { return std::shared_ptr<nn::Sequential>(); };
  const Scores a = compute_scores(d, none, {.method = Method::Random, .seed = 4}, meter);
  const Scores b = compute_scores(d, none, {.method = Method::Random, .seed = 4}, meter);
  EXPECT_EQ(a.values, b.values);
  EXPECT_EQ(a.values, random_scores(30, 4));
  EXPECT_NE(a.values, random_scores(30, 5));
  EXPECT_EQ(a.joules, 0.0);
  EXPECT_EQ(a.energy_source, "none");
}

TEST(Scoring, BadOptionsNameTheProblem) {
  const data::Dataset d = test::blobs(30, 1);
  CountingMeter meter;
  const ModelFactory make = [](uint64_t seed) { return small_mlp(2, 4, 3, seed); };
  test::expect_has(test::error_of([&] {
    compute_scores(d, make, {.method = Method::EL2N, .epochs = 0}, meter);
  }), "el2n needs at least one training epoch, got 0");
  test::expect_has(test::error_of([&] {
    compute_scores(d, make, {.method = Method::GraNd, .seeds = 0}, meter);
  }), "seeds must be >= 1, got 0");
  test::expect_has(test::error_of([] { parse_method("loss"); }),
                   "el2n, grand, forgetting or random, got 'loss'");
  EXPECT_EQ(parse_method("grand"), Method::GraNd);
}

}  // namespace
}  // namespace joule::datadiet
