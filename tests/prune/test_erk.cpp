#include <gtest/gtest.h>

#include "joule/prune/erk.h"
#include "test_util.h"

namespace joule::prune {
namespace {

TEST(Erk, DensitiesOfTheFashionMlpAt90PercentMatchHandComputedValues) {
  // 784-256-128-10 keeping 10%: raw (in+out)/(in*out) makes the last layer's density > 1, so it is
  // made dense and eps is solved again over the first two: eps = (0.1*234752 - 1280) / (1040 + 384).
  const std::vector<double> d = erk_densities({{256, 784}, {128, 256}, {10, 128}}, 0.1);
  ASSERT_EQ(d.size(), 3u);
  const double eps = (0.1 * 234752 - 1280) / (1040.0 + 384.0);
  EXPECT_NEAR(eps, 15.586516853932584, 1e-12);
  EXPECT_NEAR(d[0], eps * 1040 / 200704, 1e-12);  // 0.0807678...
  EXPECT_NEAR(d[1], eps * 384 / 32768, 1e-12);    // 0.1826544...
  EXPECT_EQ(d[2], 1.0);
  EXPECT_NEAR(d[0] * 200704 + d[1] * 32768 + d[2] * 1280, 23475.2, 1e-6);
}

TEST(Erk, WithoutCappingEveryLayerSharesOneEpsilon) {
  // two square layers: raw 2/n each, one eps, overall density exact
  const std::vector<double> d = erk_densities({{100, 100}, {50, 50}}, 0.2);
  EXPECT_NEAR(d[0] * 10000 + d[1] * 2500, 0.2 * 12500, 1e-9);
  EXPECT_NEAR(d[1] / d[0], (100.0 / 2500) / (200.0 / 10000), 1e-12);
}

TEST(Erk, CapsRepeatedlyUntilEveryDensityFits) {
  // high density: the small layers saturate one after another
  const std::vector<double> d = erk_densities({{1000, 1000}, {10, 1000}, {2, 10}}, 0.9);
  for (double x : d) EXPECT_LE(x, 1.0);
  EXPECT_EQ(d[2], 1.0);
  EXPECT_EQ(d[1], 1.0);
  EXPECT_NEAR(d[0] * 1e6 + 1e4 + 20, 0.9 * (1e6 + 1e4 + 20), 1e-6);
}

TEST(Erk, ErDensityIsEpsilonTimesSumOverProduct) {
  EXPECT_NEAR(er_density(784, 50000, 20), 20.0 * 50784 / (784.0 * 50000), 1e-15);
  EXPECT_NEAR(er_density(50000, 50000, 20), 0.0008, 1e-15);
  EXPECT_EQ(er_density(10, 10, 20), 1.0);
  test::expect_has(test::error_of([] { erk_densities({{4, 4}}, 0); }),
                   "density must be in (0, 1], got 0");
}

}  // namespace
}  // namespace joule::prune
