// HDF5 score files: round trip with cost and recipe, several methods in one file, clear errors.
#include <gtest/gtest.h>

#include "joule/datadiet/score_file.h"
#include "test_util.h"

namespace joule::datadiet {
namespace {

Scores sample(const std::string& method, float base) {
  Scores s;
  s.method = method;
  s.values = {base, base + 0.5f, base + 1.25f};
  s.joules = 12.5;
  s.seconds = 0.75;
  s.energy_source = "estimate";
  s.energy_kind = "estimated";
  s.recipe = {{"method", method}, {"epochs", "2"}, {"model", "mlp 784-64-10"}};
  return s;
}

TEST(ScoreFile, RoundTripsValuesCostAndRecipe) {
  test::TempDir dir("joule_scores");
  const std::string path = dir.file("scores.h5");
  save_scores(path, sample("el2n", 1.f));
  save_scores(path, sample("grand", 3.f));
  EXPECT_EQ(score_methods(path), (std::vector<std::string>{"el2n", "grand"}));
  const Scores e = load_scores(path, "el2n");
  EXPECT_EQ(e.values, sample("el2n", 1.f).values);
  EXPECT_DOUBLE_EQ(e.joules, 12.5);
  EXPECT_DOUBLE_EQ(e.seconds, 0.75);
  EXPECT_EQ(e.energy_source, "estimate");
  EXPECT_EQ(e.energy_kind, "estimated");
  EXPECT_EQ(e.recipe_value("model"), "mlp 784-64-10");
  EXPECT_EQ(e.recipe_value("epochs"), "2");
  EXPECT_EQ(e.recipe.size(), 3u);
  // saving a method again replaces it and keeps the others
  Scores again = sample("el2n", 7.f);
  again.joules = 3;
  save_scores(path, again);
  EXPECT_EQ(load_scores(path, "el2n").values, again.values);
  EXPECT_DOUBLE_EQ(load_scores(path, "el2n").joules, 3.0);
  EXPECT_EQ(load_scores(path, "grand").values, sample("grand", 3.f).values);
}

TEST(ScoreFile, ErrorsNameTheFileAndTheMethod) {
  test::TempDir dir("joule_scores");
  const std::string path = dir.file("scores.h5");
  save_scores(path, sample("el2n", 1.f));
  test::expect_has(test::error_of([&] { load_scores(path, "forgetting"); }),
                   "holds no scores for 'forgetting' (has: el2n)");
  test::expect_has(test::error_of([&] { load_scores(dir.file("none.h5"), "el2n"); }),
                   "no such file");
  const std::string text = dir.write("text.h5", "not hdf5");
  test::expect_has(test::error_of([&] { score_methods(text); }), "not an HDF5 file");
  Scores bad = sample("a/b", 1.f);
  test::expect_has(test::error_of([&] { save_scores(path, bad); }), "'a/b' cannot name");
}

}  // namespace
}  // namespace joule::datadiet
