// Transfer learning: non-strict loading of a pretrained checkpoint, a new head, parameter
// groups with their own learning rates, and gradual unfreezing in the Trainer.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "joule/distill/transfer.h"
#include "joule/joule.h"
#include "joule/nn/freeze.h"
#include "joule/train/unfreeze.h"
#include "test_util.h"

using namespace joule;

namespace {

// Linear(4, h) ReLU Linear(h, out) [ReLU Linear(out, extra)]
std::shared_ptr<nn::Sequential> net(int64_t h, int64_t out, uint64_t seed, int64_t extra = 0) {
  Generator g(seed);
  auto m = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(4, h, g),
                                            std::make_shared<nn::ReLU>(),
                                            std::make_shared<nn::Linear>(h, out, g));
  if (extra > 0) {
    m->push_back(std::make_shared<nn::ReLU>());
    m->push_back(std::make_shared<nn::Linear>(out, extra, g));
  }
  return m;
}

std::vector<float> values(const nn::Module& m, const std::string& name) {
  return m.parameter(name).to_vector<float>();
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

data::Dataset blobs(int64_t n, uint64_t seed) {
  Generator g(seed);
  std::vector<float> f;
  std::vector<int64_t> l;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = i % 3;
    for (int64_t d = 0; d < 4; ++d) f.push_back((d == c ? 3.f : 0.f) + g.normal());
    l.push_back(c);
  }
  return {Tensor::from_vector(f, {n, 4}), Tensor::labels(l), Shape{4}, 3};
}

}  // namespace

TEST(Transfer, NonStrictLoadReportsMissingAndUnexpected) {
  test::TempDir dir("joule_transfer");
  auto pretrained = net(8, 5, 1, /*extra=*/2);  // 0, 2 and 4 in the file
  io::save_checkpoint(dir.file("p.h5"), *pretrained, nullptr, {});

  auto shorter = net(8, 5, 2);  // 0 and 2: the file's 4.* are unexpected
  io::LoadReport r = distill::load_pretrained(dir.file("p.h5"), *shorter);
  EXPECT_EQ(r.unexpected, (std::vector<std::string>{"4.weight", "4.bias"}));
  EXPECT_TRUE(r.missing.empty());
  EXPECT_EQ(values(*shorter, "2.weight"), values(*pretrained, "2.weight"));

  auto longer = net(8, 5, 3, /*extra=*/2);
  longer->push_back(std::make_shared<nn::ReLU>());
  Generator g(4);
  longer->push_back(std::make_shared<nn::Linear>(2, 7, g));  // 6.*: missing from the file
  const auto head_before = values(*longer, "6.weight");
  r = distill::load_pretrained(dir.file("p.h5"), *longer);
  EXPECT_EQ(r.missing, (std::vector<std::string>{"6.weight", "6.bias"}));
  EXPECT_TRUE(r.unexpected.empty());
  EXPECT_EQ(values(*longer, "6.weight"), head_before);  // left as it was
  EXPECT_EQ(values(*longer, "0.weight"), values(*pretrained, "0.weight"));

  auto other_head = net(8, 5, 5, /*extra=*/3);  // 4.weight [3, 5] against the file's [2, 5]
  r = distill::load_pretrained(dir.file("p.h5"), *other_head);
  EXPECT_TRUE(has(r.mismatched, "4.weight"));
  EXPECT_TRUE(has(r.loaded, "2.bias"));
  test::expect_has(r.str(), "4.weight");
}

TEST(Transfer, ReplaceHeadKeepsNamesAndSharesTheBody) {
  auto body = net(8, 5, 6);
  Generator g(7);
  auto m = distill::replace_head(*body, std::make_shared<nn::Linear>(8, 2, g));
  std::vector<std::string> names;
  for (const auto& [n, t] : m->named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  EXPECT_EQ(m->parameter("2.weight").shape(), (Shape{2, 8}));
  EXPECT_TRUE(m->parameter("0.weight").same(body->parameter("0.weight")));
  test::expect_has(test::error_of([&] { distill::replace_head(nn::Sequential(), nullptr); }),
                   "no layers to replace");
}

// One SGD step (no momentum) with known gradients: each parameter moves by its group's rate.
TEST(Transfer, ParameterGroupsGetTheirOwnLearningRates) {
  auto m = net(3, 2, 8, /*extra=*/2);
  auto groups = distill::param_groups(*m, {{.prefixes = {"4"}, .lr = 0.5},
                                           {.prefixes = {"0.weight", "2"}, .lr = 0.01}});
  ASSERT_EQ(groups.size(), 3u);  // head, body, and the rest (0.bias) at the default
  EXPECT_EQ(groups[0].params.size(), 2u);
  EXPECT_EQ(groups[1].params.size(), 3u);
  EXPECT_EQ(groups[2].params.size(), 1u);
  optim::SGD opt(groups, {.lr = 0.1});
  std::vector<std::pair<std::string, double>> expected_lr = {
      {"0.weight", 0.01}, {"0.bias", 0.1}, {"2.weight", 0.01}, {"2.bias", 0.01},
      {"4.weight", 0.5}, {"4.bias", 0.5}};
  std::vector<std::vector<float>> before;
  for (const auto& [n, lr] : expected_lr) {
    Tensor p = m->parameter(n);
    before.push_back(p.to_vector<float>());
    p.set_grad(Tensor::full(p.shape(), 2.f));
  }
  opt.step();
  for (size_t i = 0; i < expected_lr.size(); ++i) {
    const auto after = values(*m, expected_lr[i].first);
    for (size_t k = 0; k < after.size(); ++k)
      EXPECT_NEAR(after[k], before[i][k] - 2 * expected_lr[i].second, 1e-6) << expected_lr[i].first;
  }
  test::expect_has(test::error_of([&] { distill::param_groups(*m, {{.prefixes = {"9"}}}); }),
                   "param_groups: group 0: no parameter under '9'");
  test::expect_has(test::error_of([&] {
                     distill::param_groups(*m, {{.prefixes = {""}}, {.prefixes = {"4"}}});
                   }),
                   "group 1 is empty");
}

// The head trains alone in epoch 1; layer 0 opens at epoch 2 and moves from then on, at its
// group's rate.
TEST(Transfer, GradualUnfreezingOpensLayersAtTheirEpoch) {
  auto m = net(6, 3, 9);
  nn::freeze_all_but(*m, {"2"});
  optim::SGD opt(distill::param_groups(*m, {{.prefixes = {"0"}, .lr = 0.01}}), {.lr = 0.1, .momentum = 0.9});
  data::DataLoader loader(blobs(60, 1), {.batch_size = 20, .seed = 1});
  std::ostringstream log;
  const auto w0 = values(*m, "0.weight");
  const auto w2 = values(*m, "2.weight");
  struct Probe : train::Callback {
    std::vector<float> w0, w2;
    const std::vector<float>* start0;
    nn::Module* m;
    void on_epoch_end(train::Trainer&, train::EpochRecord& rec) override {
      if (rec.epoch != 1) return;
      EXPECT_EQ(m->parameter("0.weight").to_vector<float>(), *start0);  // still frozen
    }
  };
  auto probe = std::make_shared<Probe>();
  probe->start0 = &w0;
  probe->m = m.get();
  train::Trainer trainer(*m, opt, {.epochs = 3, .progress = false, .log = &log});
  trainer.add_callback(std::make_shared<train::GradualUnfreezing>(
      *m, std::vector<train::UnfreezeStep>{{.epoch = 2, .prefixes = {"0"}}}));
  trainer.add_callback(probe);
  trainer.fit(loader);
  EXPECT_NE(values(*m, "0.weight"), w0);
  EXPECT_NE(values(*m, "2.weight"), w2);
  EXPECT_TRUE(nn::frozen_names(*m).empty());
  test::expect_has(log.str(), "trainable_params=21\n");         // epoch 1: 6*3 + 3
  test::expect_has(log.str(), "trainable_params=" + std::to_string(m->num_parameters()));
  test::expect_has(test::error_of([&] {
                     train::GradualUnfreezing(*m, {{.epoch = 0, .prefixes = {"0"}}});
                   }),
                   "epochs are 1-based, got 0");
  test::expect_has(test::error_of([&] {
                     train::GradualUnfreezing(*m, {{.epoch = 2, .prefixes = {"7"}}});
                   }),
                   "no parameter under '7'");
}
