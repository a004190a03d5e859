#include <gtest/gtest.h>

#include <cmath>

#include "joule/joule.h"

using namespace joule;

namespace {
std::shared_ptr<nn::Sequential> mlp(Generator& g) {
  return std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(4, 8, g),
                                          std::make_shared<nn::ReLU>(),
                                          std::make_shared<nn::Linear>(8, 3, g));
}
}  // namespace

TEST(Module, NamedParametersAreDottedAndOrdered) {
  Generator g(1);
  auto m = mlp(g);
  std::vector<std::string> names;
  for (auto& [n, t] : m->named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  EXPECT_EQ(m->num_parameters(), 4 * 8 + 8 + 8 * 3 + 3);
  EXPECT_EQ(m->parameter("2.weight").shape(), (Shape{3, 8}));
  try {
    m->parameter("3.weight");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("known: 0.weight, 0.bias"), std::string::npos);
  }
  // Handles share the tensor: a change through one is seen through the other.
  Tensor w = m->parameter("0.bias");
  {
    NoGradGuard ng;
    w.fill_(7.f);
  }
  EXPECT_EQ(m->named_parameters()[1].second.to_vector<float>()[0], 7.f);
}

TEST(Module, TrainEvalPropagates) {
  Generator g(1);
  auto m = mlp(g);
  EXPECT_TRUE(m->is_training());
  m->eval();
  EXPECT_FALSE(m->is_training());
  EXPECT_FALSE((*m)[0]->is_training());
  m->train();
  EXPECT_TRUE((*m)[2]->is_training());
}

TEST(Module, ZeroGradAndForward) {
  Generator g(1);
  auto m = mlp(g);
  Tensor x = Tensor::randn({5, 4}, g);
  Tensor out = m->forward(x);
  EXPECT_EQ(out.shape(), (Shape{5, 3}));
  sum(out).backward();
  for (auto& p : m->parameters()) EXPECT_TRUE(p.grad().defined());
  m->zero_grad();
  for (auto& p : m->parameters()) EXPECT_FALSE(p.grad().defined());
  EXPECT_NE(m->describe().find("Linear(in=4, out=8, bias=true)"), std::string::npos);
}

TEST(Linear, PyTorchKaimingUniformInit) {
  Generator g(3);
  nn::Linear l(100, 50, g);
  const float bound = 1.f / std::sqrt(100.f);
  float mx = 0;
  for (float v : l.weight().to_vector<float>()) mx = std::max(mx, std::fabs(v));
  EXPECT_LE(mx, bound);
  EXPECT_GT(mx, 0.9f * bound);  // fills the range
  for (float v : l.bias().to_vector<float>()) EXPECT_LE(std::fabs(v), bound);
  nn::Linear nb({.in = 3, .out = 2, .bias = false}, g);
  EXPECT_EQ(nb.named_parameters().size(), 1u);
  EXPECT_THROW(nn::Linear(0, 2, g), Error);
}

TEST(Unflatten, SplitsOneDimension) {
  Tensor x = Tensor::zeros({2, 12});
  EXPECT_EQ(nn::Unflatten(1, {3, 2, 2}).forward(x).shape(), (Shape{2, 3, 2, 2}));
  EXPECT_EQ(nn::Unflatten(-1, {4, 3}).forward(x).shape(), (Shape{2, 4, 3}));
  EXPECT_THROW(nn::Unflatten(1, {5, 2}).forward(x), Error);
}
