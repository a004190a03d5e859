// Data-pruning selection: how many are kept, which end, class balance, ties and determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "datasets/subset.h"
#include "test_util.h"

namespace joule::data {
namespace {

Tensor labels_of(const std::vector<int64_t>& y) { return Tensor::labels(y); }

TEST(Subset, KeepsTheHardestOrTheEasiestFraction) {
  const std::vector<float> s = {0.5f, 0.9f, 0.1f, 0.7f, 0.3f, 0.8f, 0.2f, 0.6f, 0.4f, 0.0f};
  const Tensor y = labels_of(std::vector<int64_t>(10, 0));
  EXPECT_EQ(select_by_score(s, y, 1, {.fraction = 0.3, .keep = Keep::Hard}),
            (std::vector<int64_t>{1, 3, 5}));
  EXPECT_EQ(select_by_score(s, y, 1, {.fraction = 0.3, .keep = Keep::Easy}),
            (std::vector<int64_t>{2, 6, 9}));
  EXPECT_EQ(select_by_score(s, y, 1, {.fraction = 1.0}).size(), 10u);
  // round(0.04 * 10) = 0, but a selection keeps at least one example
  EXPECT_EQ(select_by_score(s, y, 1, {.fraction = 0.04, .keep = Keep::Hard}),
            (std::vector<int64_t>{1}));
  EXPECT_EQ(select_by_score(s, y, 1, {.fraction = 0.55}).size(), 6u);  // round(5.5) = 6
}

TEST(Subset, ClassBalancedKeepsTheSameFractionOfEveryClass) {
  // class 0 holds the 6 hardest examples; class 1 the 4 easiest
  const std::vector<float> s = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
  const Tensor y = labels_of({0, 0, 0, 0, 0, 0, 1, 1, 1, 1});
  const std::vector<int64_t> plain = select_by_score(s, y, 2, {.fraction = 0.5});
  EXPECT_EQ(class_counts(y, 2, plain), (std::vector<int64_t>{5, 0}));
  const std::vector<int64_t> bal =
      select_by_score(s, y, 2, {.fraction = 0.5, .class_balanced = true});
  EXPECT_EQ(class_counts(y, 2, bal), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(bal, (std::vector<int64_t>{0, 1, 2, 6, 7}));  // the hardest of each class
  const std::vector<int64_t> easy =
      select_by_score(s, y, 2, {.fraction = 0.5, .keep = Keep::Easy, .class_balanced = true});
  EXPECT_EQ(easy, (std::vector<int64_t>{3, 4, 5, 8, 9}));
}

TEST(Subset, TiesFollowTheSeedAndRepeat) {
  const int64_t n = 200;
  const std::vector<float> s(static_cast<size_t>(n), 1.f);
  const Tensor y = labels_of(std::vector<int64_t>(static_cast<size_t>(n), 0));
  const auto a = select_by_score(s, y, 1, {.fraction = 0.5, .seed = 3});
  const auto b = select_by_score(s, y, 1, {.fraction = 0.5, .seed = 3});
  const auto c = select_by_score(s, y, 1, {.fraction = 0.5, .seed = 4});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(a.size(), 100u);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  // ties are not broken by position: the first half is not what is kept
  std::vector<int64_t> first(100);
  for (int64_t i = 0; i < 100; ++i) first[static_cast<size_t>(i)] = i;
  EXPECT_NE(a, first);
}

TEST(Subset, TheDataLoaderTakesTheSubset) {
  Dataset d{Tensor::from_vector(std::vector<float>{0, 1, 2, 3, 4, 5}, {6, 1}),
            labels_of({0, 1, 0, 1, 0, 1}), Shape{1}, 2};
  const auto kept = select_by_score({5, 0, 4, 1, 3, 2}, d.labels, 2, {.fraction = 0.5});
  const Dataset sub = d.subset(kept);
  EXPECT_EQ(sub.features.to_vector<float>(), (std::vector<float>{0, 2, 4}));
  EXPECT_EQ(sub.labels.to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 0}));
}

TEST(Subset, BadInputNamesTheProblem) {
  const Tensor y = labels_of({0, 1, 1});
  const std::vector<float> s = {1, 2, 3};
  EXPECT_NE(test::error_of([&] { select_by_score(s, y, 2, {.fraction = 0}); })
                .find("fraction must be in (0, 1], got 0"), std::string::npos);
  EXPECT_NE(test::error_of([&] { select_by_score(s, y, 2, {.fraction = 1.5}); })
                .find("got 1.5"), std::string::npos);
  EXPECT_NE(test::error_of([&] { select_by_score({1, 2}, y, 2, {.fraction = 0.5}); })
                .find("2 scores for 3 examples"), std::string::npos);
  EXPECT_NE(test::error_of([&] { select_by_score({1, NAN, 3}, y, 2, {.fraction = 0.5}); })
                .find("example 1 is NaN"), std::string::npos);
  EXPECT_NE(test::error_of([&] { select_by_score(s, y, 1, {.fraction = 0.5}); })
                .find("label 1 of example 1"), std::string::npos);
  EXPECT_NE(test::error_of([] { parse_keep("middle"); }).find("hard or easy, got 'middle'"),
            std::string::npos);
  EXPECT_EQ(parse_keep("easy"), Keep::Easy);
  EXPECT_STREQ(keep_name(Keep::Hard), "hard");
}

}  // namespace
}  // namespace joule::data
