// The pruning callback in a Trainer: gradual pruning on the global optimizer step, the epoch
// line's sparsity= and nnz= fields.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "joule/optim/sgd.h"
#include "joule/prune/prune.h"
#include "joule/train/trainer.h"
#include "prune_test_util.h"
#include "test_util.h"
#include "data_util.h"

using namespace joule;

namespace {

using test::blobs;

std::string field(const train::EpochRecord& r, const std::string& key) {
  for (const auto& [k, v] : r.extra)
    if (k == key) return v;
  ADD_FAILURE() << "no field " << key << " in: " << r.line();
  return "";
}

// Entries left when each of `sizes` is pruned to sparsity s (rounded half to even).
int64_t kept(const std::vector<int64_t>& sizes, double s) {
  int64_t n = 0;
  for (int64_t size : sizes) n += size - static_cast<int64_t>(std::nearbyint(s * double(size)));
  return n;
}

}  // namespace

TEST(PruningCallback, GradualPruningFollowsTheScheduleOnTheGlobalStep) {
  auto m = test::two_layers(2, 16, 3, 3);  // prunable: 0.weight [16, 2], 2.weight [3, 16]
  optim::SGD opt(m->parameters(), {.lr = 0.05, .momentum = 0.9});
  data::Dataset train = blobs(60, 1);
  data::DataLoader loader(train, {.batch_size = 10, .shuffle = true, .seed = 1});  // 6 steps/epoch
  auto schedule = std::make_shared<prune::PolynomialDecay>(prune::PolynomialDecayOptions{
      .initial_sparsity = 0, .final_sparsity = 0.75, .begin_step = 0, .end_step = 12,
      .frequency = 3});
  auto cb = std::make_shared<prune::PruningCallback>(schedule);
  std::ostringstream log;
  train::Trainer trainer(*m, opt, {.epochs = 3, .progress = false, .log = &log});
  trainer.add_callback(cb);
  const auto& history = trainer.fit(loader);

  EXPECT_EQ(cb->names(), (std::vector<std::string>{"0.weight", "2.weight"}));
  EXPECT_EQ(cb->times_pruned(), 5);  // steps 0, 3, 6, 9, 12
  ASSERT_EQ(history.size(), 3u);
  const std::vector<int64_t> sizes = {32, 48};
  for (size_t e = 0; e < history.size(); ++e) {
    const int64_t step = 6 * static_cast<int64_t>(e + 1);
    const double s = schedule->sparsity(step);
    const int64_t nnz = kept(sizes, s);
    EXPECT_EQ(field(history[e], "nnz"), std::to_string(nnz)) << "epoch " << e + 1;
    EXPECT_NEAR(std::stod(field(history[e], "sparsity")), 1.0 - double(nnz) / 80.0, 1e-4);
  }
  EXPECT_NE(log.str().find(" sparsity="), std::string::npos) << log.str();
  EXPECT_NE(log.str().find(" nnz="), std::string::npos) << log.str();
  for (const char* name : {"0.weight", "2.weight"}) {
    const auto mask = test::mask_of(*m, name), w = test::values_of(*m, name);
    EXPECT_EQ(test::zeros_in(mask), static_cast<int64_t>(std::nearbyint(0.75 * double(w.size()))));
    for (size_t i = 0; i < w.size(); ++i)
      if (mask[i] == 0.f) {
        EXPECT_EQ(w[i], 0.f) << name << " " << i;
      }
  }
}

TEST(PruningCallback, GlobalOneShotOnNamedParameters) {
  auto m = test::two_layers(2, 16, 3, 3);
  optim::SGD opt(m->parameters(), {.lr = 0.05});
  data::Dataset train = blobs(30, 2);
  data::DataLoader loader(train, {.batch_size = 10, .shuffle = false});
  auto cb = std::make_shared<prune::PruningCallback>(
      std::make_shared<prune::OneShot>(4, 0.5),
      prune::PruningCallbackOptions{.names = {"0.weight", "2.weight"}, .global = true});
  train::Trainer trainer(*m, opt, {.epochs = 2, .progress = false, .quiet = true});
  trainer.add_callback(cb);
  const auto& history = trainer.fit(loader);
  EXPECT_EQ(cb->times_pruned(), 1);
  EXPECT_EQ(field(history[0], "nnz"), "80");  // step 3 ends epoch 1: not pruned yet
  EXPECT_EQ(field(history[1], "nnz"), "40");  // one threshold over the 80 entries
  EXPECT_EQ(cb->last_target(), 0.5);
}

TEST(PruningCallback, NamesAreChecked) {
  auto m = test::two_layers(2, 4, 3);
  optim::SGD opt(m->parameters(), {.lr = 0.05});
  data::Dataset train = blobs(6, 2);
  data::DataLoader loader(train, {.batch_size = 3});
  train::Trainer trainer(*m, opt, {.epochs = 1, .progress = false, .quiet = true});
  trainer.add_callback(std::make_shared<prune::PruningCallback>(
      std::make_shared<prune::OneShot>(0, 0.5),
      prune::PruningCallbackOptions{.names = {"1.weight"}}));
  test::expect_has(test::error_of([&] { trainer.fit(loader); }), "no parameter named '1.weight'");
}
