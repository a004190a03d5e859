// Masks kept with a parameter: prune::register_mask, identity / custom_from_mask / replace_mask /
// remove, sparsity and nnz, and the mask's round trip through a checkpoint.
#include <gtest/gtest.h>

#include "joule/io/checkpoint.h"
#include "joule/ops/loss.h"
#include "joule/optim/sgd.h"
#include "joule/prune/prune.h"
#include "prune_test_util.h"
#include "test_util.h"

using namespace joule;
using test::error_of;
using test::expect_has;

namespace {
bool has_buffer(const nn::Module& m, const std::string& name) {
  for (const auto& [n, t] : m.named_buffers())
    if (n == name) return true;
  return false;
}
}  // namespace

TEST(PruneMask, RegisterMaskIsABufferOfTheOwningModuleAndTheParameterMask) {
  auto m = test::two_layers(3, 4, 2);
  EXPECT_TRUE(prune::named_masks(*m).empty());
  Tensor mask = prune::register_mask(*m, "2.weight");
  EXPECT_TRUE(has_buffer(*m, "2.weight_mask"));
  EXPECT_TRUE(has_buffer(*m->children()[2].second, "weight_mask"));  // on the Linear itself
  EXPECT_TRUE(mask.same(prune::mask_of(*m, "2.weight")));
  EXPECT_TRUE(mask.same(m->parameter("2.weight_mask")));
  EXPECT_EQ(mask.shape(), m->parameter("2.weight").shape());
  EXPECT_EQ(test::zeros_in(mask.to_vector<float>()), 0);  // all ones at first
  EXPECT_TRUE(prune::register_mask(*m, "2.weight").same(mask));  // a second call: the same one
  const nn::NamedTensors masks = prune::named_masks(*m);
  ASSERT_EQ(masks.size(), 1u);
  EXPECT_EQ(masks[0].first, "2.weight");
  prune::remove_mask(*m, "2.weight");
  EXPECT_FALSE(has_buffer(*m, "2.weight_mask"));
  EXPECT_FALSE(prune::mask_of(*m, "2.weight").defined());
}

TEST(PruneMask, RegisterMaskAdoptsAMaskBufferRegisteredByHand) {
  auto m = test::two_layers(2, 2, 2);
  Tensor mine = test::floats({1, 0, 0, 1}, {2, 2});
  m->add_buffer("0.weight_mask", mine);
  EXPECT_TRUE(prune::register_mask(*m, "0.weight").same(mine));
  EXPECT_TRUE(prune::mask_of(*m, "0.weight").same(mine));
  EXPECT_TRUE(prune::is_pruned(*m, "0.weight"));
  prune::remove_mask(*m, "0.weight");
  m->add_buffer("0.weight_mask", Tensor::ones({3}));
  expect_has(error_of([&] { prune::register_mask(*m, "0.weight"); }),
             "'0.weight' has a buffer '0.weight_mask' that is not a mask of its shape [2, 2]");
}

TEST(PruneMask, BadNamesAreNamed) {
  auto m = test::two_layers(2, 2, 2);
  const std::string e = error_of([&] { prune::register_mask(*m, "0.wieght"); });
  expect_has(e, "register_mask: no parameter named '0.wieght'");
  expect_has(e, "0.weight, 0.bias, 2.weight, 2.bias");
  expect_has(error_of([&] { prune::remove_mask(*m, "0.weight"); }), "'0.weight' has no mask");
  expect_has(error_of([&] { prune::identity(*m, "7.weight"); }), "no parameter named '7.weight'");
  expect_has(error_of([&] { prune::remove(*m, "2.bias"); }), "'2.bias' is not pruned");
}

TEST(PruneMask, CustomFromMaskCombinesAndZeroesTheWeights) {
  auto m = test::two_layers(2, 2, 2);
  test::set_values(*m, "0.weight", {1, 2, 3, 4});
  prune::custom_from_mask(*m, "0.weight", test::floats({1, 0, 1, 1}, {2, 2}));
  prune::custom_from_mask(*m, "0.weight", test::floats({1, 1, 0, 1}, {2, 2}));
  EXPECT_EQ(test::mask_of(*m, "0.weight"), (std::vector<float>{1, 0, 0, 1}));
  EXPECT_EQ(test::values_of(*m, "0.weight"), (std::vector<float>{1, 0, 0, 4}));
  EXPECT_TRUE(prune::is_pruned(*m, "0.weight"));
  EXPECT_FALSE(prune::is_pruned(*m, "2.weight"));
  expect_has(error_of([&] {
               prune::custom_from_mask(*m, "0.weight", test::floats({1, 0.5f, 1, 1}, {2, 2}));
             }),
             "holds 0.5 at flat index 1");
  expect_has(error_of([&] { prune::custom_from_mask(*m, "0.weight", Tensor::ones({4})); }),
             "mask for '0.weight' is [4], the parameter is [2, 2]");
}

TEST(PruneMask, ReplaceMaskRevivesWithZeroAndRemoveKeepsTheZeros) {
  auto m = test::two_layers(2, 2, 2);
  test::set_values(*m, "0.weight", {1, 2, 3, 4});
  prune::custom_from_mask(*m, "0.weight", test::floats({0, 0, 1, 1}, {2, 2}));
  prune::replace_mask(*m, "0.weight", test::floats({1, 0, 0, 1}, {2, 2}));
  EXPECT_EQ(test::mask_of(*m, "0.weight"), (std::vector<float>{1, 0, 0, 1}));
  EXPECT_EQ(test::values_of(*m, "0.weight"), (std::vector<float>{0, 0, 0, 4}));
  prune::remove(*m, "0.weight");
  EXPECT_FALSE(prune::is_pruned(*m, "0.weight"));
  EXPECT_FALSE(has_buffer(*m, "0.weight_mask"));
  EXPECT_EQ(test::values_of(*m, "0.weight"), (std::vector<float>{0, 0, 0, 4}));
}

TEST(PruneMask, SparsityAndNnzCountExactZeros) {
  auto m = test::two_layers(2, 2, 2);
  test::set_values(*m, "0.weight", {0, 2, 0, 4});
  test::set_values(*m, "2.weight", {0, 1, 1, 1});
  EXPECT_EQ(prune::nnz(m->parameter("0.weight")), 2);
  EXPECT_DOUBLE_EQ(prune::sparsity(m->parameter("0.weight")), 0.5);
  EXPECT_EQ(prune::nnz(*m, {"0.weight", "2.weight"}), 5);
  EXPECT_DOUBLE_EQ(prune::sparsity(*m, {"0.weight", "2.weight"}), 3.0 / 8.0);
  EXPECT_EQ(prune::prunable_parameters(*m), (std::vector<std::string>{"0.weight", "2.weight"}));
}

TEST(PruneMask, MaskSurvivesACheckpointRoundTrip) {
  test::TempDir tmp("joule_prune_ckpt");
  auto m = test::two_layers(4, 6, 3, 1);
  prune::l1_unstructured(*m, "0.weight", 0.5);
  prune::ln_structured(*m, "2.weight", 1, 2, 0);
  const std::string path = tmp.file("pruned.h5");
  io::save_checkpoint(path, *m, nullptr, io::TrainingState{});

  // A fresh model (other weights) without masks cannot take the file strictly: it names the masks.
  auto plain = test::two_layers(4, 6, 3, 2);
  const std::string e = error_of([&] { io::load_checkpoint(path, *plain, nullptr, nullptr); });
  expect_has(e, "0.weight_mask");
  expect_has(e, "2.weight_mask");

  // With masks first (identity), loading restores them in place.
  auto fresh = test::two_layers(4, 6, 3, 2);
  const Tensor handle = prune::identity(*fresh, "0.weight");
  prune::identity(*fresh, "2.weight");
  io::load_checkpoint(path, *fresh, nullptr, nullptr);
  for (const char* name : {"0.weight", "2.weight"}) {
    EXPECT_EQ(test::mask_of(*fresh, name), test::mask_of(*m, name)) << name;
    EXPECT_EQ(test::values_of(*fresh, name), test::values_of(*m, name)) << name;
  }
  EXPECT_TRUE(handle.same(prune::mask_of(*fresh, "0.weight")));
  EXPECT_GT(test::zeros_in(test::mask_of(*fresh, "0.weight")), 0);

  // And the optimizer keeps honouring the loaded masks.
  optim::SGD opt(fresh->parameters(), {.lr = 0.1, .momentum = 0.9});
  prune::attach(opt, *fresh);
  Generator gen(3);
  Tensor x = Tensor::randn({5, 4}, gen);
  for (int i = 0; i < 3; ++i) {
    opt.zero_grad();
    cross_entropy((*fresh)(x), Tensor::labels({0, 1, 2, 0, 1})).backward();
    opt.step();
  }
  for (const char* name : {"0.weight", "2.weight"}) {
    const auto mask = test::mask_of(*fresh, name), w = test::values_of(*fresh, name);
    for (size_t i = 0; i < w.size(); ++i)
      if (mask[i] == 0.f) {
        EXPECT_EQ(w[i], 0.f) << name << " entry " << i;
      }
  }
}
