// Pruning schedules against their formulas (tfmot's PolynomialDecay / ConstantSparsity, Zhu &
// Gupta's gradual pruning) and their argument checks.
#include <gtest/gtest.h>

#include <cmath>

#include "joule/prune/schedule.h"
#include "test_util.h"

using namespace joule;
using test::error_of;
using test::expect_has;

TEST(PruneSchedule, PolynomialDecayAtQuartersOfTheWindow) {
  // s_i = 0, s_f = 0.9, power 3: s = 0.9 - 0.9 (1 - p)^3, so at p = 1/4, 1/2, 3/4:
  // 0.9 (1 - 27/64) = 0.5203125, 0.9 (1 - 1/8) = 0.7875, 0.9 (1 - 1/64) = 0.8859375.
  prune::PolynomialDecay s({.initial_sparsity = 0, .final_sparsity = 0.9, .begin_step = 100,
                            .end_step = 1100, .frequency = 50});
  EXPECT_NEAR(s.sparsity(350), 0.5203125, 1e-12);
  EXPECT_NEAR(s.sparsity(600), 0.7875, 1e-12);
  EXPECT_NEAR(s.sparsity(850), 0.8859375, 1e-12);
  // Held at s_i before the window and at s_f after it.
  EXPECT_EQ(s.sparsity(0), 0.0);
  EXPECT_EQ(s.sparsity(100), 0.0);
  EXPECT_NEAR(s.sparsity(1100), 0.9, 1e-12);
  EXPECT_NEAR(s.sparsity(5000), 0.9, 1e-12);
}

TEST(PruneSchedule, PolynomialDecayFollowsTheFormulaEverywhere) {
  const double si = 0.2, sf = 0.8, power = 2;
  prune::PolynomialDecay s({.initial_sparsity = si, .final_sparsity = sf, .begin_step = 10,
                            .end_step = 210, .power = power, .frequency = 20});
  for (int64_t t = 0; t <= 300; t += 7) {
    const double p = std::min(1.0, std::max(0.0, (t - 10) / 200.0));
    EXPECT_NEAR(s.sparsity(t), sf + (si - sf) * std::pow(1 - p, power), 1e-12) << "step " << t;
  }
}

TEST(PruneSchedule, PolynomialDecayPrunesEveryFrequencyStepsInsideTheWindow) {
  prune::PolynomialDecay s({.final_sparsity = 0.9, .begin_step = 100, .end_step = 1000,
                            .frequency = 100});
  for (int64_t t = 0; t <= 1200; ++t) {
    const bool expected = t >= 100 && t <= 1000 && t % 100 == 0;
    EXPECT_EQ(s.should_prune(t), expected) << "step " << t;
  }
}

TEST(PruneSchedule, ZhuGuptaIsPolynomialDecayOverNTimesDeltaT) {
  // s_t = s_f + (s_i - s_f) (1 - (t - t0) / (n dt))^3, pruning at t0, t0 + dt, ..., t0 + n dt.
  const double si = 0.1, sf = 0.95;
  const int64_t t0 = 30, n = 12, dt = 25;
  prune::PolynomialDecay s = prune::PolynomialDecay::zhu_gupta(si, sf, t0, n, dt);
  EXPECT_EQ(s.options().end_step, t0 + n * dt);
  for (int64_t k = 0; k <= n; ++k) {
    const int64_t t = t0 + k * dt;
    EXPECT_TRUE(s.should_prune(t)) << t;
    EXPECT_FALSE(s.should_prune(t + 1)) << t + 1;
    EXPECT_NEAR(s.sparsity(t), sf + (si - sf) * std::pow(1.0 - double(k) / double(n), 3), 1e-12);
  }
  EXPECT_FALSE(s.should_prune(t0 + (n + 1) * dt));
}

TEST(PruneSchedule, ConstantAndOneShot) {
  prune::Constant c({.sparsity = 0.6, .begin_step = 10, .end_step = -1, .frequency = 5});
  EXPECT_FALSE(c.should_prune(5));
  EXPECT_TRUE(c.should_prune(10));
  EXPECT_FALSE(c.should_prune(12));
  EXPECT_TRUE(c.should_prune(100000));  // no end
  EXPECT_EQ(c.sparsity(0), 0.6);
  prune::Constant ended({.sparsity = 0.6, .begin_step = 10, .end_step = 20, .frequency = 5});
  EXPECT_TRUE(ended.should_prune(20));
  EXPECT_FALSE(ended.should_prune(25));

  prune::OneShot once(0, 0.8);
  EXPECT_TRUE(once.should_prune(0));
  EXPECT_FALSE(once.should_prune(1));
  EXPECT_EQ(once.sparsity(7), 0.8);
  EXPECT_EQ(once.str(), "OneShot(step=0, sparsity=0.8)");
}

TEST(PruneSchedule, BadArgumentsAreNamed) {
  expect_has(error_of([] { prune::PolynomialDecay({.final_sparsity = 1.0}); }),
             "PolynomialDecay: final_sparsity 1 is not in [0, 1)");
  expect_has(error_of([] { prune::PolynomialDecay({.begin_step = 50, .end_step = 40}); }),
             "end_step 40 is before begin_step 50");
  expect_has(error_of([] { prune::PolynomialDecay({.begin_step = 50, .end_step = 50}); }),
             "end_step 50 must come after begin_step 50");
  expect_has(error_of([] { prune::PolynomialDecay({.end_step = -1}); }), "end_step -1");
  expect_has(error_of([] { prune::PolynomialDecay({.frequency = 0}); }), "frequency 0 must be > 0");
  expect_has(error_of([] { prune::Constant({.sparsity = -0.1}); }),
             "Constant: sparsity -0.1 is not in [0, 1)");
  expect_has(error_of([] { prune::Constant({.begin_step = -3}); }), "begin_step -3 is negative");
  expect_has(error_of([] { prune::OneShot(-1, 0.5); }), "OneShot: step -1 is negative");
}
