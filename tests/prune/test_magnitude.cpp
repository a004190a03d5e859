// Magnitude pruning with torch.nn.utils.prune's semantics: a fraction applies to what remains,
// ints are counts, Python's rounding, deterministic ties, global selection across layers, and the
// absolute-sparsity form the schedules use.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "joule/prune/prune.h"
#include "prune_test_util.h"
#include "test_util.h"

using namespace joule;
using test::error_of;
using test::expect_has;

namespace {

// 1..n in a seeded random order, with alternating signs: distinct magnitudes.
std::vector<float> signed_permutation(int n, unsigned seed, float offset = 0) {
  std::vector<float> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 1.f + offset);
  std::shuffle(v.begin(), v.end(), std::mt19937(seed));
  for (size_t i = 0; i < v.size(); i += 2) v[i] = -v[i];
  return v;
}

// Reference: the mask that prunes every entry whose |value| is among the k smallest of `values`
// (distinct magnitudes).
std::vector<float> prune_k_smallest(const std::vector<float>& values, int64_t k) {
  std::vector<float> mags;
  for (float v : values) mags.push_back(std::fabs(v));
  std::sort(mags.begin(), mags.end());
  std::vector<float> mask(values.size(), 1.f);
  if (k == 0) return mask;
  const float threshold = mags[static_cast<size_t>(k - 1)];
  for (size_t i = 0; i < values.size(); ++i)
    if (std::fabs(values[i]) <= threshold) mask[i] = 0.f;
  return mask;
}

// A 4 -> 4 -> 2 model whose first weight holds `signed_permutation(16, seed)`.
std::shared_ptr<nn::Sequential> model_with_values(unsigned seed, std::vector<float>* w0) {
  auto m = test::two_layers(4, 4, 2);
  *w0 = signed_permutation(16, seed);
  test::set_values(*m, "0.weight", *w0);
  return m;
}

void expect_pruned_as(const nn::Module& m, const std::string& name,
                      const std::vector<float>& expected_mask, const std::vector<float>& original) {
  const std::vector<float> mask = test::mask_of(m, name), w = test::values_of(m, name);
  EXPECT_EQ(mask, expected_mask) << name;
  for (size_t i = 0; i < w.size(); ++i)
    EXPECT_EQ(w[i], expected_mask[i] == 0.f ? 0.f : original[i]) << name << " entry " << i;
}

}  // namespace

TEST(PruneMagnitude, FractionAppliesToTheRemainingWeights) {
  std::vector<float> w0;
  auto m = model_with_values(7, &w0);
  prune::l1_unstructured(*m, "0.weight", 0.5);
  expect_pruned_as(*m, "0.weight", prune_k_smallest(w0, 8), w0);
  prune::l1_unstructured(*m, "0.weight", 0.5);  // half of the 8 left: 25% of the whole remains
  expect_pruned_as(*m, "0.weight", prune_k_smallest(w0, 12), w0);
  EXPECT_DOUBLE_EQ(prune::sparsity(m->parameter("0.weight")), 0.75);
}

TEST(PruneMagnitude, IntAmountsAreAbsoluteCounts) {
  std::vector<float> w0;
  auto m = model_with_values(3, &w0);
  prune::l1_unstructured(*m, "0.weight", 3);
  expect_pruned_as(*m, "0.weight", prune_k_smallest(w0, 3), w0);
  prune::l1_unstructured(*m, "0.weight", int64_t{5});
  expect_pruned_as(*m, "0.weight", prune_k_smallest(w0, 8), w0);
  const std::string e = error_of([&] { prune::l1_unstructured(*m, "0.weight", 9); });
  expect_has(e, "prune::l1_unstructured: '0.weight': amount 9 (a count) exceeds the 8 unpruned");
  expect_has(error_of([&] { prune::l1_unstructured(*m, "0.weight", -1); }),
             "amount -1 (a count) is negative");
}

TEST(PruneMagnitude, FractionsOutsideZeroOneAreNamed) {
  std::vector<float> w0;
  auto m = model_with_values(1, &w0);
  expect_has(error_of([&] { prune::l1_unstructured(*m, "0.weight", 1.5); }),
             "prune::l1_unstructured: '0.weight': amount 1.5 is not a fraction in [0, 1]");
  expect_has(error_of([&] { prune::l1_unstructured(*m, "0.weight", -0.25); }), "amount -0.25");
  expect_has(error_of([&] { prune::l1_unstructured(*m, "0.wieght", 0.5); }),
             "no parameter named '0.wieght'");
  EXPECT_FALSE(prune::is_pruned(*m, "0.weight"));  // nothing changed
  prune::l1_unstructured(*m, "0.weight", 0.0);       // a mask, nothing pruned
  EXPECT_EQ(test::zeros_in(test::mask_of(*m, "0.weight")), 0);
  prune::l1_unstructured(*m, "0.weight", 1.0);
  EXPECT_EQ(prune::nnz(m->parameter("0.weight")), 0);
}

TEST(PruneMagnitude, FractionsRoundHalfToEvenAsPython) {
  // round(0.5 * 5) = round(2.5) = 2, round(0.3 * 5) = round(1.5) = 2, round(0.1 * 5) = 0.
  for (auto [fraction, expected] : {std::pair{0.5, 2}, std::pair{0.3, 2}, std::pair{0.1, 0}}) {
    auto m = test::two_layers(5, 1, 1);
    test::set_values(*m, "0.weight", {5, -4, 3, -2, 1});
    prune::l1_unstructured(*m, "0.weight", fraction);
    EXPECT_EQ(test::zeros_in(test::mask_of(*m, "0.weight")), expected) << fraction;
  }
}

TEST(PruneMagnitude, TiesGoToTheLowerIndexFirst) {
  auto m = test::two_layers(4, 4, 2);
  test::set_values(*m, "0.weight", std::vector<float>(16, -0.5f));
  prune::l1_unstructured(*m, "0.weight", 0.25);
  const std::vector<float> mask = test::mask_of(*m, "0.weight");
  for (size_t i = 0; i < mask.size(); ++i) EXPECT_EQ(mask[i], i < 4 ? 0.f : 1.f) << i;
}

TEST(PruneMagnitude, GlobalPicksTheSmallestAcrossLayers) {
  // Layer 0 holds magnitudes 9..24, layer 2 magnitudes 1..8: a global 25% (6 of 24) takes only
  // layer 2's six smallest; pruned per layer, each would lose a quarter.
  auto m = test::two_layers(4, 4, 2);
  const std::vector<float> w0 = signed_permutation(16, 5, 8), w2 = signed_permutation(8, 6);
  test::set_values(*m, "0.weight", w0);
  test::set_values(*m, "2.weight", w2);
  prune::global_unstructured(*m, {"0.weight", "2.weight"}, 0.25);
  expect_pruned_as(*m, "0.weight", prune_k_smallest(w0, 0), w0);
  expect_pruned_as(*m, "2.weight", prune_k_smallest(w2, 6), w2);
  // Again 0.5 of the 18 remaining: layer 2's last two, then layer 0's seven smallest.
  prune::global_unstructured(*m, {"0.weight", "2.weight"}, 0.5);
  expect_pruned_as(*m, "0.weight", prune_k_smallest(w0, 7), w0);
  expect_pruned_as(*m, "2.weight", prune_k_smallest(w2, 8), w2);
}

TEST(PruneMagnitude, GlobalMatchesOneThresholdOverInterleavedLayers) {
  auto m = test::two_layers(4, 4, 2);
  const std::vector<float> all = signed_permutation(24, 11);
  const std::vector<float> w0(all.begin(), all.begin() + 16), w2(all.begin() + 16, all.end());
  test::set_values(*m, "0.weight", w0);
  test::set_values(*m, "2.weight", w2);
  prune::global_unstructured(*m, {"0.weight", "2.weight"}, 10);
  const std::vector<float> mask = prune_k_smallest(all, 10);
  expect_pruned_as(*m, "0.weight", std::vector<float>(mask.begin(), mask.begin() + 16), w0);
  expect_pruned_as(*m, "2.weight", std::vector<float>(mask.begin() + 16, mask.end()), w2);
  expect_has(error_of([&] { prune::global_unstructured(*m, {"0.weight", "0.weight"}, 0.1); }),
             "parameter '0.weight' is named twice");
  expect_has(error_of([&] { prune::global_unstructured(*m, {}, 0.1); }), "no parameter names");
  expect_has(error_of([&] { prune::global_unstructured(*m, {"0.weight", "2.weight"}, 2.0); }),
             "'0.weight, 2.weight': amount 2 is not a fraction");
}

TEST(PruneMagnitude, ToSparsityOnlyEverPrunesMore) {
  std::vector<float> w0;
  auto m = model_with_values(9, &w0);
  // Prune the four largest by hand first: they count as pruned and are never revived.
  std::vector<float> by_hand = prune_k_smallest(w0, 12);
  for (float& x : by_hand) x = 1.f - x;
  prune::custom_from_mask(*m, "0.weight", Tensor::from_vector(by_hand, {4, 4}));
  prune::magnitude_to_sparsity(*m, "0.weight", 0.5);  // 8 of 16: 4 more, the smallest
  std::vector<float> expected = prune_k_smallest(w0, 4);
  for (size_t i = 0; i < expected.size(); ++i) expected[i] *= by_hand[i];
  expect_pruned_as(*m, "0.weight", expected, w0);
  prune::magnitude_to_sparsity(*m, "0.weight", 0.25);  // already sparser: unchanged
  expect_pruned_as(*m, "0.weight", expected, w0);
  prune::magnitude_to_sparsity(*m, "0.weight", 0.75);  // 12 of 16: the 8 smallest + the 4 largest
  expected = prune_k_smallest(w0, 8);
  for (size_t i = 0; i < expected.size(); ++i) expected[i] *= by_hand[i];
  expect_pruned_as(*m, "0.weight", expected, w0);
  expect_has(error_of([&] { prune::magnitude_to_sparsity(*m, "0.weight", 1.2); }),
             "'0.weight': target sparsity 1.2 is not in [0, 1]");
}

TEST(PruneMagnitude, GlobalToSparsityCountsAllLayersTogether) {
  auto m = test::two_layers(4, 4, 2);
  const std::vector<float> all = signed_permutation(24, 4);
  test::set_values(*m, "0.weight", std::vector<float>(all.begin(), all.begin() + 16));
  test::set_values(*m, "2.weight", std::vector<float>(all.begin() + 16, all.end()));
  prune::global_magnitude_to_sparsity(*m, {"0.weight", "2.weight"}, 0.75);
  std::vector<float> mask = test::mask_of(*m, "0.weight"), m2 = test::mask_of(*m, "2.weight");
  mask.insert(mask.end(), m2.begin(), m2.end());
  EXPECT_EQ(mask, prune_k_smallest(all, 18));
  EXPECT_DOUBLE_EQ(prune::sparsity(*m, {"0.weight", "2.weight"}), 0.75);
}
