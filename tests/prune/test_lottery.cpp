// Lottery-ticket rounds: prune a fraction of the remaining trained weights, rewind the survivors
// to the snapshot, reset the optimizer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "joule/ops/loss.h"
#include "joule/optim/sgd.h"
#include "joule/prune/prune.h"
#include "prune_test_util.h"
#include "test_util.h"

using namespace joule;
using test::error_of;
using test::expect_has;

namespace {

void steps(nn::Module& m, optim::Optimizer& opt, int n) {
  Generator gen(8);
  Tensor x = Tensor::randn({12, 10}, gen);
  Tensor y = Tensor::labels({0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2});
  for (int i = 0; i < n; ++i) {
    opt.zero_grad();
    cross_entropy(m(x), y).backward();
    opt.step();
  }
}

// The |w| at or below which the k smallest of the unpruned entries of `w` lie.
float kth_smallest_alive(const std::vector<float>& w, const std::vector<float>& mask, int64_t k) {
  std::vector<float> mags;
  for (size_t i = 0; i < w.size(); ++i)
    if (mask.empty() || mask[i] != 0.f) mags.push_back(std::fabs(w[i]));
  std::sort(mags.begin(), mags.end());
  return mags[static_cast<size_t>(k - 1)];
}

}  // namespace

TEST(PruneLottery, EachRoundPrunesTheRemainingAndRewindsTheSurvivors) {
  auto m = test::two_layers(10, 10, 3, 2);
  optim::SGD opt(m->parameters(), {.lr = 0.1, .momentum = 0.9});
  prune::LotteryTicket ticket;
  steps(*m, opt, 2);  // rewind point k = 2
  ticket.snapshot(*m);
  const nn::NamedTensors snap = ticket.snapshot_weights();

  std::vector<float> old_mask;
  for (int round = 1; round <= 2; ++round) {
    SCOPED_TRACE(round);
    steps(*m, opt, 5);
    const std::vector<float> trained = test::values_of(*m, "0.weight");
    ticket.prune_and_rewind(*m, {"0.weight"}, 0.2, &opt);
    EXPECT_EQ(ticket.rounds(), round);

    // 20% of the remaining: 20 of 100, then 16 of the 80 left.
    const std::vector<float> mask = test::mask_of(*m, "0.weight");
    const int64_t expected_pruned = round == 1 ? 20 : 36;
    EXPECT_EQ(test::zeros_in(mask), expected_pruned);
    const float threshold = kth_smallest_alive(trained, old_mask, round == 1 ? 20 : 16);
    const std::vector<float> start = snap[0].second.to_vector<float>();
    const std::vector<float> w = test::values_of(*m, "0.weight");
    for (size_t i = 0; i < w.size(); ++i) {
      if (!old_mask.empty() && old_mask[i] == 0.f) {
        EXPECT_EQ(mask[i], 0.f) << "revived " << i;
      }
      const bool newly = mask[i] == 0.f && (old_mask.empty() || old_mask[i] != 0.f);
      if (newly) {
        EXPECT_LE(std::fabs(trained[i]), threshold) << i;
      }
      EXPECT_EQ(w[i], mask[i] == 0.f ? 0.f : start[i]) << i;  // rewound, pruned at 0
    }
    // Everything else is rewound too, and the optimizer starts afresh.
    for (const auto& [name, t] : snap)
      if (name != "0.weight") {
        EXPECT_EQ(test::values_of(*m, name), t.to_vector<float>()) << name;
      }
    for (const auto& s : opt.param_groups()[0].state) {
      EXPECT_FALSE(s.buf1.defined());
      EXPECT_EQ(s.step, 0);
    }
    old_mask = mask;
  }
}

TEST(PruneLottery, GlobalOrPerLayer) {
  for (bool global : {true, false}) {
    auto m = test::two_layers(10, 10, 3, 4);
    optim::SGD opt(m->parameters(), {.lr = 0.1});
    prune::LotteryTicket ticket({.global = global});
    ticket.snapshot(*m);
    steps(*m, opt, 3);
    ticket.prune_and_rewind(*m, {"0.weight", "2.weight"}, 0.5, &opt);
    const int64_t z0 = test::zeros_in(test::mask_of(*m, "0.weight"));
    const int64_t z2 = test::zeros_in(test::mask_of(*m, "2.weight"));
    EXPECT_EQ(z0 + z2, 65) << global;  // half of 100 + 30
    if (!global) {
      EXPECT_EQ(z0, 50);
      EXPECT_EQ(z2, 15);
    }
  }
}

TEST(PruneLottery, MisuseIsNamed) {
  auto m = test::two_layers(10, 10, 3);
  prune::LotteryTicket ticket;
  expect_has(error_of([&] { ticket.prune_and_rewind(*m, {"0.weight"}, 0.2, nullptr); }),
             "no snapshot taken");
  ticket.snapshot(*m);
  auto other = test::two_layers(10, 7, 3);
  expect_has(error_of([&] { ticket.rewind(*other, nullptr); }),
             "parameter '0.weight' is [7, 10], its snapshot [10, 10]");
}
