// The energy forecast after epoch 1: warm-up correction on synthetic step times, and the
// callback in a real (tiny) training.
#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "joule/train/forecast.h"
#include "test_util.h"

using namespace joule;
using namespace joule::train;

namespace {

// An epoch of `steps` steps where the first `slow` take `slow_s` and the rest `fast_s`, at a
// steady `watts`, with an evaluation of `eval_j` J over `eval_s` s.
struct Synthetic {
  EpochRecord rec;
  std::vector<double> ends;
};
Synthetic epoch(int steps, int slow, double slow_s, double fast_s, double watts, double eval_j,
                double eval_s) {
  Synthetic s;
  double t = 0;
  for (int i = 0; i < steps; ++i) {
    t += i < slow ? slow_s : fast_s;
    s.ends.push_back(t);
  }
  s.rec.epoch = 1;
  s.rec.train_s = t;
  s.rec.eval_s = eval_s;
  s.rec.train = {t, {watts * t, 0, 0}, "estimate", false};
  s.rec.eval = {eval_s, {eval_j, 0, 0}, "estimate", false};
  s.rec.emissions_g = (watts * t + eval_j) / 3.6e6 * 475;
  return s;
}

}  // namespace

TEST(Forecast, WithoutWarmUpItIsNTimesTheFirstEpoch) {
  const Synthetic s = epoch(100, 0, 0.1, 0.1, 50, 40, 1);  // 500 J train + 40 J eval
  const EnergyForecast f = forecast_from_first_epoch(s.rec, s.ends, 10);
  EXPECT_NEAR(f.warmup_scale, 1.0, 1e-12);
  EXPECT_NEAR(f.total_joules(), 5400, 1e-9);
  EXPECT_NEAR(f.total_seconds(), 110, 1e-9);
  EXPECT_NEAR(f.total_co2e_g(), 5400 / 3.6e6 * 475, 1e-12);
}

TEST(Forecast, WarmUpStepsAreLeftOutOfTheLaterEpochs) {
  // 10 warm-up steps of 0.5 s, then 90 of 0.1 s: epoch 1 trains 14 s; later epochs 10 s.
  const Synthetic s = epoch(100, 10, 0.5, 0.1, 50, 40, 1);
  const EnergyForecast f = forecast_from_first_epoch(s.rec, s.ends, 10);
  EXPECT_NEAR(f.warmup_scale, 10.0 / 14.0, 1e-12);
  EXPECT_NEAR(f.steady_j, 50 * 10 + 40, 1e-9);
  EXPECT_NEAR(f.total_joules(), (700 + 40) + 9 * 540.0, 1e-9);
  EXPECT_NEAR(f.total_seconds(), 15 + 9 * 11.0, 1e-9);
  // The naive 10 x epoch 1 would overshoot by 100 J a later epoch: 18% here.
  const double truth = 740 + 9 * 540.0;
  EXPECT_LT(std::abs(forecast_error_pct(f.total_joules(), truth)), 1e-9);
  EXPECT_GT(forecast_error_pct(10 * 740.0, truth), 15);
  EXPECT_NEAR(f.joules_for(3), 740 + 2 * 540.0, 1e-9);
}

TEST(Forecast, TheSecondHalfsMeteredEnergyGivesTheSteadyEpoch) {
  // 100 steps; time says little (steady pace), but the metered second half used 200 J: a later
  // epoch's training is 400 J, not epoch 1's 500 J.
  const Synthetic s = epoch(100, 0, 0.1, 0.1, 50, 40, 1);
  const EnergyForecast f = forecast_from_first_epoch(s.rec, s.ends, 5, 200);
  EXPECT_NEAR(f.steady_j, 400 + 40, 1e-9);
  EXPECT_NEAR(f.total_joules(), 540 + 4 * 440.0, 1e-9);
  // Never above epoch 1's own training energy.
  EXPECT_NEAR(forecast_from_first_epoch(s.rec, s.ends, 5, 400).steady_j, 540, 1e-9);
}

TEST(Forecast, FewStepsOrOneEpochNeedNoCorrection) {
  const Synthetic s = epoch(3, 1, 5, 1, 10, 0, 0);
  EXPECT_DOUBLE_EQ(forecast_from_first_epoch(s.rec, s.ends, 4).warmup_scale, 1.0);
  EXPECT_DOUBLE_EQ(forecast_from_first_epoch(s.rec, s.ends, 1).total_joules(), s.rec.joules());
}

TEST(Forecast, BadInputIsAnError) {
  const Synthetic s = epoch(10, 0, 1, 1, 10, 0, 0);
  test::expect_has(test::error_of([&] { forecast_from_first_epoch(s.rec, s.ends, 0); }),
                   "epochs must be >= 1, got 0");
  test::expect_has(test::error_of([&] { forecast_from_first_epoch(s.rec, {1, 3, 2}, 5); }),
                   "step 2");
  EXPECT_DOUBLE_EQ(forecast_error_pct(110, 100), 10);
  EXPECT_DOUBLE_EQ(forecast_error_pct(5, 0), 0);
}
