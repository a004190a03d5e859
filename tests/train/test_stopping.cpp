#include <gtest/gtest.h>

#include <cmath>

#include "joule/joule.h"
#include "joule/train/metering.h"
#include "joule/train/stopping.h"

using namespace joule;
using train::MarginalGainRule;
using train::StopRuleOptions;

namespace {

// Feeds (accuracy, cumulative joules) pairs; returns the 1-based epoch at which the rule stops,
// or 0 when it never does.
int64_t stop_epoch(const StopRuleOptions& o, const std::vector<double>& acc, double j_per_epoch) {
  MarginalGainRule rule(o);
  for (size_t i = 0; i < acc.size(); ++i)
    if (rule.observe(acc[i], j_per_epoch * static_cast<double>(i + 1)) ==
        MarginalGainRule::Decision::Stop)
      return static_cast<int64_t>(i + 1);
  return 0;
}

// A meter whose counters the test advances by hand.
class FakeMeter : public energy::Meter {
 public:
  std::string source() const override { return "estimate"; }
  bool measured() const override { return false; }
  energy::EnergyTotals read() override { return totals; }
  std::string describe() const override { return "fake"; }
  energy::EnergyTotals totals;
};

}  // namespace

TEST(StopRule, StopsWhenTheGainPerJouleFallsBelowTheFraction) {
  // Gains of 4, 2, 1, 0.5, 0.2, 0.1, 0.05 points per epoch at 10 J an epoch.
  const std::vector<double> acc = {80, 84, 86, 87, 87.5, 87.7, 87.8, 87.85};
  StopRuleOptions o;
  o.window = 1;
  o.min_epochs = 1;
  o.min_rate_fraction = 0.1;  // best rate: 0.4 points/J (80 -> 84), threshold 0.04 = 0.4 per epoch
  EXPECT_EQ(stop_epoch(o, acc, 10.0), 6);  // 87.5 -> 87.7 is the first gain below 0.4 points
  o.patience = 2;
  EXPECT_EQ(stop_epoch(o, acc, 10.0), 7);
  o.patience = 1;
  o.min_epochs = 7;
  EXPECT_EQ(stop_epoch(o, acc, 10.0), 7);
}

TEST(StopRule, SmoothsOverTheWindowAndUsesTheBestAccuracySoFar) {
  // A noisy dip (86.5 after 87) must not count as a loss; the window smooths single epochs.
  const std::vector<double> acc = {80, 84, 86, 87, 86.5, 87.9, 88.0, 88.05, 88.1};
  StopRuleOptions o;
  o.window = 2;
  o.min_epochs = 3;
  MarginalGainRule rule(o);
  for (size_t i = 0; i < 5; ++i) rule.observe(acc[i], 10.0 * static_cast<double>(i + 1));
  EXPECT_NEAR(rule.rate(), (87.0 - 86.0) / 20.0, 1e-12);  // best-so-far: 87 at epoch 5
  EXPECT_EQ(rule.best_epoch(), 4);
  // Rates 0.3, 0.15, 0.05, 0.045, 0.05, then 0.0075 < 0.1 x 0.3 at epoch 8.
  EXPECT_EQ(stop_epoch(o, acc, 10.0), 8);
}

TEST(StopRule, AbsoluteThresholdAndNeverStoppingWhileLearning) {
  const std::vector<double> steady = {50, 55, 60, 65, 70, 75, 80};
  StopRuleOptions o;
  o.window = 1;
  o.min_epochs = 1;
  EXPECT_EQ(stop_epoch(o, steady, 10.0), 0);
  o.min_rate = 0.6;  // 0.5 points per J is too little
  EXPECT_EQ(stop_epoch(o, steady, 10.0), 2);
  EXPECT_THROW(MarginalGainRule(StopRuleOptions{.window = 0}), Error);
  MarginalGainRule r(StopRuleOptions{});
  r.observe(50, 10);
  EXPECT_THROW(r.observe(51, 5), Error);  // energy cannot go down
}

TEST(StopRule, ForecastRecoversASaturatingCurve) {
  std::vector<std::pair<double, double>> pts;
  for (int e = 1; e <= 12; ++e) {
    const double j = 50.0 * e;
    pts.emplace_back(j, 90.0 - 12.0 * std::exp(-j / 150.0));
  }
  train::CurveFit f = train::fit_saturating_curve(pts);
  ASSERT_TRUE(f.ok);
  EXPECT_NEAR(f.a, 90.0, 0.1);
  EXPECT_NEAR(f.c, 150.0, 10.0);
  EXPECT_NEAR(f.at(1500.0), 90.0 - 12.0 * std::exp(-10.0), 0.1);
  EXPECT_LT(f.rmse, 0.05);
  EXPECT_FALSE(train::fit_saturating_curve({{1, 2}, {2, 3}}).ok);  // too few points
}

TEST(EnergyAwareStop, LandsStopsAndRestoresTheBestWeights) {
  // A real Trainer on a tiny problem, with a scripted meter and a callback that replaces the
  // validation accuracy by a scripted plateau.
  Generator g(1);
  auto model = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(2, 3, g));
  optim::SGD opt(model->parameters(), {.lr = 0.1});
  std::vector<float> f(60);
  std::vector<int64_t> l(30);
  for (int i = 0; i < 30; ++i) {
    f[2 * i] = static_cast<float>(i % 3);
    f[2 * i + 1] = 1.f;
    l[i] = i % 3;
  }
  data::Dataset d{Tensor::from_vector(f, {30, 2}), Tensor::labels(l), Shape{2}, 3};
  data::DataLoader loader(d, {.batch_size = 10});
  FakeMeter meter;
  struct Script : train::Callback {
    FakeMeter* meter;
    std::vector<double> acc = {60, 70, 75, 76, 76.1, 76.15, 76.2, 76.3, 76.4, 76.5};
    std::vector<Tensor> weights_at;  // first weight after each epoch
    void on_epoch_begin(train::Trainer&, int64_t) override { meter->totals.cpu_j += 10; }
    void on_epoch_end(train::Trainer& t, train::EpochRecord& r) override {
      r.val_acc = acc[static_cast<size_t>(r.epoch - 1)];
      NoGradGuard ng;
      weights_at.push_back(t.model().parameters()[0].clone());
    }
  };
  auto metering = std::make_shared<train::MeteringCallback>(meter, energy::CarbonOptions{475, 1.0});
  auto script = std::make_shared<Script>();
  script->meter = &meter;
  StopRuleOptions o;
  o.window = 1;
  o.min_epochs = 2;
  o.landing_epochs = 2;
  auto stop = std::make_shared<train::EnergyAwareStop>(o, 10);
  std::ostringstream log;
  train::Trainer t(*model, opt, {.epochs = 10, .progress = false, .log = &log});
  t.add_callback(metering);
  t.add_callback(script);
  t.add_callback(stop);
  t.fit(loader);
  // Rates (points/J): 1.0, 0.5, 0.1 (< 0.1 x 1.0? no, equal), 0.01 at epoch 5 -> decide at 5,
  // land over epochs 6 and 7, stop after 7.
  EXPECT_EQ(stop->decided_epoch(), 5);
  EXPECT_EQ(stop->stopped_epoch(), 7);
  EXPECT_EQ(t.history().size(), 7u);
  EXPECT_NEAR(metering->cumulative_joules(), 70.0, 1e-9);
  EXPECT_NEAR(t.history()[0].joules(), 10.0, 1e-9);
  // Landing: the learning rate falls along a half cosine from its value at the decision.
  EXPECT_NEAR(t.history()[5].lr, 0.1 * 0.75, 1e-9);
  EXPECT_NEAR(t.history()[6].lr, 0.1 * 0.25, 1e-9);
  // The best validation epoch is the last (76.2 at epoch 7): its weights are the ones kept.
  EXPECT_EQ(stop->best_epoch(), 7);
  EXPECT_EQ(model->parameters()[0].to_vector<float>(), script->weights_at[6].to_vector<float>());
  EXPECT_NE(log.str().find("stopped: at epoch 5"), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("energy=estimated"), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("energy_source=estimate"), std::string::npos) << log.str();
}

TEST(EnergyAwareStop, NeedsValidationAndEnergy) {
  Generator g(1);
  auto model = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(2, 3, g));
  optim::SGD opt(model->parameters(), {.lr = 0.1});
  data::Dataset d{Tensor::zeros({6, 2}), Tensor::labels({0, 1, 2, 0, 1, 2}), Shape{2}, 3};
  data::DataLoader loader(d, {.batch_size = 3});
  train::Trainer t(*model, opt, {.epochs = 2, .progress = false, .quiet = true});
  t.add_callback(std::make_shared<train::EnergyAwareStop>(StopRuleOptions{}, 2));
  EXPECT_THROW(t.fit(loader), Error);
}
