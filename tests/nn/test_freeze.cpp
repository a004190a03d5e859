// Freezing: which parameters a prefix names, frozen parameters left unchanged by optimizer
// steps, and backward doing no work for them (no graph nodes, no gradients computed or kept).
#include <gtest/gtest.h>

#include <set>

#include "joule/autograd/node.h"
#include "joule/joule.h"
#include "joule/nn/freeze.h"
#include "test_util.h"

using namespace joule;

namespace {

// 0 Linear(4, 6), 1 ReLU, 2 Linear(6, 5), 3 ReLU, 4 Linear(5, 3)
std::shared_ptr<nn::Sequential> net(uint64_t seed) {
  Generator g(seed);
  return std::make_shared<nn::Sequential>(
      std::make_shared<nn::Linear>(4, 6, g), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(6, 5, g), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(5, 3, g));
}

Tensor loss_of(nn::Module& m, uint64_t seed) {
  Generator g(seed);
  Tensor x = Tensor::uniform({8, 4}, g, -1, 1);
  return cross_entropy(m.forward(x), Tensor::labels({0, 1, 2, 0, 1, 2, 0, 1}));
}

// The nodes backward would run, by op name, and the number of leaf edges (parameters that get
// a gradient).
struct GraphCount {
  std::multiset<std::string> ops;
  int leaves = 0;
};
GraphCount walk(const Tensor& root) {
  GraphCount c;
  std::set<autograd::Node*> seen;
  std::vector<autograd::Node*> stack{root.grad_fn().get()};
  while (!stack.empty()) {
    autograd::Node* n = stack.back();
    stack.pop_back();
    if (!n || !seen.insert(n).second) continue;
    c.ops.insert(n->name);
    for (const auto& e : n->next) {
      if (e.leaf) ++c.leaves;
      stack.push_back(e.node.get());
    }
  }
  return c;
}

}  // namespace

TEST(Freeze, PrefixesNameModulesOrParameters) {
  Generator g(1);
  auto m = std::make_shared<nn::Sequential>();
  for (int i = 0; i < 31; ++i) m->push_back(std::make_shared<nn::Linear>(2, 2, g));
  EXPECT_EQ(nn::freeze(*m, {"3"}), (std::vector<std::string>{"3.weight", "3.bias"}));  // not 30.*
  EXPECT_EQ(nn::freeze(*m, {"30.bias"}), (std::vector<std::string>{"30.bias"}));
  EXPECT_EQ(nn::frozen_names(*m), (std::vector<std::string>{"3.weight", "3.bias", "30.bias"}));
  EXPECT_EQ(nn::num_trainable(*m), 31 * 6 - 6 - 2);
  EXPECT_EQ(nn::unfreeze(*m, {"3"}), (std::vector<std::string>{"3.weight", "3.bias"}));
  EXPECT_EQ(nn::trainable_parameters(*m).size(), 61u);
  EXPECT_TRUE(nn::name_under("features.0.weight", "features"));
  EXPECT_TRUE(nn::name_under("anything", ""));
  EXPECT_FALSE(nn::name_under("features2.weight", "features"));
  EXPECT_FALSE(nn::name_under("3", "3.weight"));
}

TEST(Freeze, UnknownPrefixNamesTheKnownOnes) {
  auto m = net(1);
  const std::string msg = test::error_of([&] { nn::freeze(*m, {"5"}); });
  test::expect_has(msg, "freeze: no parameter under '5'");
  test::expect_has(msg, "known: 0.weight, 0.bias, 2.weight");
  test::expect_has(test::error_of([&] { nn::freeze_all_but(*m, {"head"}); }),
                   "freeze_all_but: no parameter under 'head'");
  EXPECT_TRUE(nn::frozen_names(*m).empty());  // nothing changed by the failed calls
}

TEST(Freeze, FreezeAllButKeepsTheHead) {
  auto m = net(2);
  EXPECT_EQ(nn::freeze_all_but(*m, {"4"}),
            (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  EXPECT_EQ(nn::trainable_names(*m), (std::vector<std::string>{"4.weight", "4.bias"}));
}

TEST(Freeze, DropsGradientsAlreadyHeld) {
  auto m = net(3);
  loss_of(*m, 1).backward();
  EXPECT_TRUE(m->parameter("0.weight").grad().defined());
  nn::freeze(*m, {"0"});
  EXPECT_FALSE(m->parameter("0.weight").grad().defined());
  EXPECT_FALSE(m->parameter("0.bias").grad().defined());
  EXPECT_TRUE(m->parameter("2.weight").grad().defined());
}

// SGD with momentum and weight decay, and AdamW (whose decoupled decay would move a parameter
// even with a zero gradient): frozen parameters keep their values bit for bit.
TEST(Freeze, FrozenParametersUnchangedAfterSteps) {
  for (int which = 0; which < 2; ++which) {
    auto m = net(4);
    nn::freeze(*m, {"0", "4.bias"});
    const auto before_w0 = m->parameter("0.weight").to_vector<float>();
    const auto before_b4 = m->parameter("4.bias").to_vector<float>();
    const auto before_w2 = m->parameter("2.weight").to_vector<float>();
    std::unique_ptr<optim::Optimizer> opt;
    if (which == 0)
      opt = std::make_unique<optim::SGD>(m->parameters(),
                                         optim::SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.1});
    else {
      optim::AdamWOptions o;
      o.lr = 0.01;
      opt = std::make_unique<optim::AdamW>(m->parameters(), o);
    }
    for (uint64_t step = 0; step < 5; ++step) {
      opt->zero_grad();
      loss_of(*m, step).backward();
      EXPECT_FALSE(m->parameter("0.weight").grad().defined());
      EXPECT_FALSE(m->parameter("4.bias").grad().defined());
      opt->step();
    }
    EXPECT_EQ(m->parameter("0.weight").to_vector<float>(), before_w0);
    EXPECT_EQ(m->parameter("4.bias").to_vector<float>(), before_b4);
    EXPECT_NE(m->parameter("2.weight").to_vector<float>(), before_w2);
  }
}

// Backward does no work for frozen parameters: with the first two layers frozen the graph holds
// only the head (no node for layers 0-3, no input gradient for layer 4); with a frozen middle
// layer the gradient still flows through it to layer 0, but its weight and bias have no edges,
// so its backward computes only the input gradient.
TEST(Freeze, BackwardSkipsFrozenWork) {
  auto m = net(5);
  const GraphCount all = walk(loss_of(*m, 1));
  EXPECT_EQ(all.ops.count("linear"), 3u);
  EXPECT_EQ(all.leaves, 6);

  nn::freeze(*m, {"0", "2"});
  Generator g(1);
  Tensor x = Tensor::uniform({8, 4}, g, -1, 1);
  Tensor hidden = (*(*m)[3])((*(*m)[2])((*(*m)[1])((*(*m)[0])(x))));
  EXPECT_FALSE(hidden.requires_grad());  // layers 0-3 recorded nothing
  EXPECT_EQ(hidden.grad_fn(), nullptr);
  Tensor head_loss = loss_of(*m, 1);
  const GraphCount head = walk(head_loss);
  EXPECT_EQ(head.ops, (std::multiset<std::string>{"cross_entropy", "linear"}));
  EXPECT_EQ(head.leaves, 2);
  const auto& linear = head_loss.grad_fn()->next[0].node;
  ASSERT_NE(linear, nullptr);
  EXPECT_FALSE(linear->next[0].defined());  // no gradient for the head's input
  head_loss.backward();
  for (const char* n : {"0.weight", "0.bias", "2.weight", "2.bias"})
    EXPECT_FALSE(m->parameter(n).grad().defined()) << n;
  EXPECT_TRUE(m->parameter("4.weight").grad().defined());

  nn::unfreeze(*m);
  nn::freeze(*m, {"2"});
  const GraphCount middle = walk(loss_of(*m, 1));
  EXPECT_EQ(middle.ops.count("linear"), 3u);
  EXPECT_EQ(middle.leaves, 4);  // 0.weight, 0.bias, 4.weight, 4.bias
  Tensor l = loss_of(*m, 1);
  l.backward();
  EXPECT_TRUE(m->parameter("0.weight").grad().defined());
  EXPECT_FALSE(m->parameter("2.weight").grad().defined());
  EXPECT_FALSE(m->parameter("2.bias").grad().defined());
}

// Gradients of the trainable part are the same whether or not the rest is frozen.
TEST(Freeze, TrainableGradientsUnchangedByFreezingOthers) {
  auto a = net(6), b = net(6);
  nn::freeze(*b, {"0", "2"});
  loss_of(*a, 2).backward();
  loss_of(*b, 2).backward();
  for (const char* n : {"4.weight", "4.bias"})
    EXPECT_EQ(a->parameter(n).grad().to_vector<float>(), b->parameter(n).grad().to_vector<float>());
}
