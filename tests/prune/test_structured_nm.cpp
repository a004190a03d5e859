// Structured pruning (whole rows / columns by Ln norm) and N:M sparsity.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "joule/prune/prune.h"
#include "prune_test_util.h"
#include "test_util.h"

using namespace joule;
using test::error_of;
using test::expect_has;

namespace {
// Row r of a [rows, cols] row-major vector, all zero?
bool row_is_zero(const std::vector<float>& v, int64_t cols, int64_t r) {
  for (int64_t c = 0; c < cols; ++c)
    if (v[static_cast<size_t>(r * cols + c)] != 0.f) return false;
  return true;
}
}  // namespace

TEST(PruneStructured, RemovesWholeRowsWithTheSmallestL2Norm) {
  // A Linear(4 -> 5) weight [5, 4]: row norms (L2) 2, 0.5, 4, 1, 3.
  auto m = test::two_layers(4, 5, 2);
  const std::vector<float> w = {1, 1, -1, 1,  0.5f, 0, 0, 0,  0, 0, -4, 0,
                                0, 1, 0, 0,   1.5f, 1.5f, -1.5f, 1.5f};
  test::set_values(*m, "0.weight", w);
  prune::ln_structured(*m, "0.weight", 0.4, 2, 0);  // 2 of 5 rows: norms 0.5 and 1
  std::vector<float> v = test::values_of(*m, "0.weight"), mask = test::mask_of(*m, "0.weight");
  for (int64_t r = 0; r < 5; ++r) {
    const bool pruned = r == 1 || r == 3;
    EXPECT_EQ(row_is_zero(mask, 4, r), pruned) << "row " << r;
    EXPECT_EQ(row_is_zero(v, 4, r), pruned) << "row " << r;
  }
  // Again 0.5 of the 3 remaining rows: round(1.5) = 2, the rows of norm 2 and 3; row 2 is left.
  prune::ln_structured(*m, "0.weight", 0.5, 2, 0);
  mask = test::mask_of(*m, "0.weight");
  for (int64_t r = 0; r < 5; ++r) EXPECT_EQ(row_is_zero(mask, 4, r), r != 2) << "row " << r;
  // The bias is left alone, as in PyTorch.
  EXPECT_FALSE(prune::is_pruned(*m, "0.bias"));
}

TEST(PruneStructured, TheNormOrderDecides) {
  // Row 0 = [3, 0, 0, 0]: L1 3, L2 3, Linf 3. Row 1 = [1, 1, 1, 1]: L1 4, L2 2, Linf 1.
  const std::vector<float> w = {3, 0, 0, 0, 1, 1, 1, 1};
  for (auto [n, pruned_row] :
       {std::pair{1.0, 0}, std::pair{2.0, 1}, std::pair{double(INFINITY), 1}}) {
    auto m = test::two_layers(4, 2, 2);
    test::set_values(*m, "0.weight", w);
    prune::ln_structured(*m, "0.weight", 1, n, 0);
    const std::vector<float> mask = test::mask_of(*m, "0.weight");
    EXPECT_TRUE(row_is_zero(mask, 4, pruned_row)) << "n = " << n;
    EXPECT_FALSE(row_is_zero(mask, 4, 1 - pruned_row)) << "n = " << n;
  }
}

TEST(PruneStructured, AlongDimOneRemovesInputColumns) {
  auto m = test::two_layers(3, 2, 2);
  test::set_values(*m, "0.weight", {1, 0.1f, 5, -1, 0.2f, 5});  // column norms ~1.41, 0.22, 7.07
  prune::ln_structured(*m, "0.weight", 1, 2, -1);
  EXPECT_EQ(test::mask_of(*m, "0.weight"), (std::vector<float>{1, 0, 1, 1, 0, 1}));
  expect_has(error_of([&] { prune::ln_structured(*m, "0.weight", 1, 2, 2); }),
             "'0.weight': dim 2 is out of range for [2, 3]");
  expect_has(error_of([&] { prune::ln_structured(*m, "0.weight", 1, 0, 0); }),
             "norm order n = 0 must be > 0");
  expect_has(error_of([&] { prune::ln_structured(*m, "0.weight", 3, 2, 0); }),
             "amount 3 (a count) exceeds the 2 unpruned slices");
}

TEST(PruneNM, TwoFourKeepsTheTwoLargestOfEveryGroup) {
  auto m = test::two_layers(16, 8, 2, 4);
  const std::vector<float> w = test::values_of(*m, "0.weight");  // [8, 16], random
  prune::nm_sparsity(*m, "0.weight", 2, 4);
  EXPECT_TRUE(prune::is_nm_sparse(m->parameter("0.weight"), 2, 4));
  const std::vector<float> mask = test::mask_of(*m, "0.weight");
  for (size_t g = 0; g < w.size(); g += 4) {
    std::vector<float> mags, kept;
    for (size_t i = g; i < g + 4; ++i) {
      mags.push_back(std::fabs(w[i]));
      if (mask[i] != 0.f) kept.push_back(std::fabs(w[i]));
    }
    std::sort(mags.rbegin(), mags.rend());
    std::sort(kept.rbegin(), kept.rend());
    ASSERT_EQ(kept.size(), 2u) << "group at " << g;
    EXPECT_EQ(kept[0], mags[0]) << "group at " << g;
    EXPECT_EQ(kept[1], mags[1]) << "group at " << g;
  }
  EXPECT_DOUBLE_EQ(prune::sparsity(m->parameter("0.weight")), 0.5);
}

TEST(PruneNM, KeepsPrunedEntriesPrunedAndBreaksTiesToTheEarlier) {
  auto m = test::two_layers(8, 1, 1);
  test::set_values(*m, "0.weight", {1, 1, 1, 1, 4, 3, 2, 1});
  prune::custom_from_mask(*m, "0.weight", test::floats({1, 1, 1, 1, 0, 1, 1, 1}, {1, 8}));
  prune::nm_sparsity(*m, "0.weight", 2, 4);
  EXPECT_EQ(test::mask_of(*m, "0.weight"), (std::vector<float>{1, 1, 0, 0, 0, 1, 1, 0}));
  prune::nm_sparsity(*m, "0.weight", 1, 4);
  EXPECT_EQ(test::mask_of(*m, "0.weight"), (std::vector<float>{1, 0, 0, 0, 0, 1, 0, 0}));
  EXPECT_TRUE(prune::is_nm_sparse(m->parameter("0.weight"), 1, 4));
  EXPECT_FALSE(prune::is_nm_sparse(test::floats({1, 2, 0, 0, 1, 1, 1, 0}, {2, 4}), 2, 4));
}

TEST(PruneNM, RowsMustSplitIntoGroups) {
  auto m = test::two_layers(10, 3, 2);
  expect_has(error_of([&] { prune::nm_sparsity(*m, "0.weight", 2, 4); }),
             "'0.weight': rows of 10 entries (shape [3, 10]) do not split into groups of M = 4");
  expect_has(error_of([&] { prune::nm_sparsity(*m, "0.weight", 3, 2); }),
             "N:M = 3:2 needs 1 <= N <= M");
  EXPECT_FALSE(prune::is_pruned(*m, "0.weight"));
}
