#include <gtest/gtest.h>

#include "joule/joule.h"

using namespace joule;

namespace {
// One parameter [1, 1] whose gradient is always 0.5 (loss = sum(0.5 * w)).
Tensor param() { return Tensor::ones({2}).set_requires_grad(); }
void grad_step(optim::Optimizer& opt, Tensor& w) {
  opt.zero_grad();
  sum(w * 0.5f).backward();
  opt.step();
}
// a with the optimizer's default learning rate, b with its own (0.2).
std::vector<optim::ParamGroup> two_groups(const Tensor& a, const Tensor& b) {
  std::vector<optim::ParamGroup> groups(2);
  groups[0].params = {a};
  groups[1].params = {b};
  groups[1].lr = 0.2;
  return groups;
}
void expect_all(const Tensor& w, float v) {
  for (float x : w.to_vector<float>()) EXPECT_NEAR(x, v, 1e-6);
}
}  // namespace

TEST(SGD, PlainAndWeightDecay) {
  Tensor w = param();
  optim::SGD opt({w}, {.lr = 0.1});
  grad_step(opt, w);
  expect_all(w, 0.95f);
  Tensor v = param();
  optim::SGD wd({v}, {.lr = 0.1, .weight_decay = 0.1});
  grad_step(wd, v);  // d = 0.5 + 0.1 * 1
  expect_all(v, 0.94f);
}

TEST(SGD, MomentumHandComputed) {
  Tensor w = param();
  optim::SGD opt({w}, {.lr = 0.1, .momentum = 0.9});
  grad_step(opt, w);  // buf = 0.5
  expect_all(w, 0.95f);
  grad_step(opt, w);  // buf = 0.9*0.5 + 0.5 = 0.95
  expect_all(w, 0.855f);
}

TEST(SGD, NesterovHandComputed) {
  Tensor w = param();
  optim::SGD opt({w}, {.lr = 0.1, .momentum = 0.9, .nesterov = true});
  grad_step(opt, w);  // buf = 0.5, d = 0.5 + 0.45
  expect_all(w, 0.905f);
  grad_step(opt, w);  // buf = 0.95, d = 0.5 + 0.855
  expect_all(w, 0.7695f);
  EXPECT_THROW(optim::SGD({w}, {.lr = 0.1, .nesterov = true}), Error);
}

TEST(SGD, SkipsParametersWithoutGradient) {
  Tensor w = param(), frozen = param();
  optim::SGD opt({w, frozen}, {.lr = 0.1});
  grad_step(opt, w);
  expect_all(frozen, 1.f);
  expect_all(w, 0.95f);
}

TEST(Adam, HandComputed) {
  Tensor w = param();
  optim::Adam opt({w}, {.lr = 0.1});
  grad_step(opt, w);  // bias-corrected m/sqrt(v) = 1 on the first step
  expect_all(w, 0.9f);
  grad_step(opt, w);  // constant gradient: still 1
  expect_all(w, 0.8f);
}

TEST(Adam, DefaultsMatchPyTorch) {
  optim::AdamOptions a;
  EXPECT_DOUBLE_EQ(a.lr, 1e-3);
  EXPECT_DOUBLE_EQ(a.beta1, 0.9);
  EXPECT_DOUBLE_EQ(a.beta2, 0.999);
  EXPECT_DOUBLE_EQ(a.eps, 1e-8);
  EXPECT_DOUBLE_EQ(a.weight_decay, 0);
  EXPECT_DOUBLE_EQ(optim::AdamWOptions().weight_decay, 1e-2);
}

TEST(AdamW, DecoupledWeightDecay) {
  Tensor w = param();
  optim::AdamWOptions o;
  o.lr = 0.1;
  o.weight_decay = 0.1;
  optim::AdamW opt({w}, o);
  grad_step(opt, w);  // w *= 1 - 0.01, then -= 0.1
  expect_all(w, 0.89f);
}

TEST(Optimizer, ParamGroupsHaveTheirOwnLearningRates) {
  Tensor a = param(), b = param();
  optim::SGD opt(two_groups(a, b), {.lr = 0.1});
  opt.zero_grad();
  sum(a * 0.5f).backward();
  sum(b * 0.5f).backward();
  opt.step();
  expect_all(a, 0.95f);
  expect_all(b, 0.9f);
}

TEST(LRSchedule, ClosedForms) {
  optim::CosineAnnealingLR cos(10);
  EXPECT_DOUBLE_EQ(cos.lr_at(0.05, 0), 0.05);
  EXPECT_NEAR(cos.lr_at(0.05, 5), 0.025, 1e-12);
  EXPECT_NEAR(cos.lr_at(0.05, 10), 0.0, 1e-12);
  optim::StepLR step(2, 0.1);
  EXPECT_DOUBLE_EQ(step.lr_at(1.0, 1), 1.0);
  EXPECT_NEAR(step.lr_at(1.0, 2), 0.1, 1e-12);
  EXPECT_NEAR(step.lr_at(1.0, 5), 0.01, 1e-12);
  optim::LinearLR warm(0.25, 1.0, 4);
  EXPECT_DOUBLE_EQ(warm.lr_at(1.0, 0), 0.25);
  EXPECT_DOUBLE_EQ(warm.lr_at(1.0, 2), 0.625);
  EXPECT_DOUBLE_EQ(warm.lr_at(1.0, 7), 1.0);
  optim::SequentialLR seq({std::make_shared<optim::LinearLR>(0.5, 1.0, 2),
                           std::make_shared<optim::CosineAnnealingLR>(4)},
                          {2});
  EXPECT_DOUBLE_EQ(seq.lr_at(1.0, 0), 0.5);
  EXPECT_DOUBLE_EQ(seq.lr_at(1.0, 1), 0.75);
  EXPECT_DOUBLE_EQ(seq.lr_at(1.0, 2), 1.0);
  EXPECT_NEAR(seq.lr_at(1.0, 4), 0.5, 1e-12);
}

TEST(LRSchedule, SchedulerDrivesEveryGroup) {
  Tensor a = param(), b = param();
  optim::SGD opt(two_groups(a, b), {.lr = 0.1});
  optim::Scheduler s(opt, std::make_shared<optim::StepLR>(1, 0.5));
  s.step();
  EXPECT_NEAR(opt.param_groups()[0].lr, 0.05, 1e-12);
  EXPECT_NEAR(opt.param_groups()[1].lr, 0.1, 1e-12);
  s.set_step(0);
  EXPECT_NEAR(opt.lr(), 0.1, 1e-12);
}
