// Per-parameter optimizer hooks (a hook that edits the gradient, one after the update, removal by
// handle and by tag), the description optimizers give of themselves, and the option checks.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "joule/joule.h"
#include "test_util.h"

using namespace joule;
using test::error_of;
using test::expect_has;

namespace {
// Parameters [1, 1] whose gradient is always 0.5 (loss = sum(0.5 * w)).
Tensor param() { return Tensor::ones({2}).set_requires_grad(); }
void grad_step(optim::Optimizer& opt, std::vector<Tensor> ws) {
  opt.zero_grad();
  for (Tensor& w : ws) sum(w * 0.5f).backward();
  opt.step();
}
void expect_all(const Tensor& w, float v) {
  for (float x : w.to_vector<float>()) EXPECT_NEAR(x, v, 1e-6) << w.str();
}
const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST(OptimizerHooks, ABeforeHookReplacesTheGradientTheUpdateSees) {
  Tensor w = param(), other = param();
  optim::SGD opt({w, other}, {.lr = 0.1});
  int calls = 0;
  opt.add_param_hook(w, {.before_update =
                             [&](Tensor& p, const Tensor& g) {
                               ++calls;
                               EXPECT_TRUE(p.same(w));
                               expect_all(g, 0.5f);
                               return g * 4.f;  // the update sees 2.0
                             },
                         .after_update = {},
                         .tag = "test"});
  grad_step(opt, {w, other});
  EXPECT_EQ(calls, 1);           // only on its own parameter
  expect_all(w, 0.8f);           // 1 - 0.1 * 2
  expect_all(other, 0.95f);      // 1 - 0.1 * 0.5: untouched
  EXPECT_TRUE(opt.has_param_hook(w, "test"));
  EXPECT_FALSE(opt.has_param_hook(other, "test"));
  EXPECT_FALSE(opt.has_param_hook(w, "prune"));
}

TEST(OptimizerHooks, AnAfterHookSeesTheUpdatedWeightAndItsState) {
  Tensor w = param();
  optim::SGD opt({w}, {.lr = 0.1, .momentum = 0.9});
  opt.add_param_hook(w, {.before_update = {},
                         .after_update =
                             [](Tensor& p, optim::ParamState& s) {
                               expect_all(p, 0.95f);
                               ASSERT_TRUE(s.buf1.defined());
                               expect_all(s.buf1, 0.5f);
                               NoGradGuard no_grad;
                               s.buf1.copy_(Tensor::zeros({2}));  // forget the momentum
                             },
                         .tag = "test"});
  grad_step(opt, {w});
  expect_all(opt.param_groups()[0].state[0].buf1, 0.f);
}

TEST(OptimizerHooks, ARemovedHookNoLongerRuns) {
  Tensor w = param();
  optim::SGD opt({w}, {.lr = 0.1});
  int calls = 0;
  auto count = [&](Tensor&, const Tensor& g) {
    ++calls;
    return g;
  };
  const optim::HookHandle h = opt.add_param_hook(w, {.before_update = count, .tag = "a"});
  opt.add_param_hook(w, {.before_update = count, .tag = "b"});
  opt.add_param_hook(w, {.before_update = count, .tag = "b"});
  EXPECT_EQ(opt.num_param_hooks(), 3u);
  grad_step(opt, {w});
  EXPECT_EQ(calls, 3);
  EXPECT_TRUE(opt.remove_param_hook(h));
  EXPECT_FALSE(opt.remove_param_hook(h));  // already gone
  grad_step(opt, {w});
  EXPECT_EQ(calls, 5);
  EXPECT_EQ(opt.remove_param_hooks("b"), 2u);
  EXPECT_EQ(opt.num_param_hooks(), 0u);
  grad_step(opt, {w});
  EXPECT_EQ(calls, 5);
  expect_all(w, 1.f - 3 * 0.05f);  // the steps themselves went on
}

TEST(OptimizerHooks, OnlyTheOptimizersOwnParametersTakeHooks) {
  Tensor w = param(), stranger = param();
  optim::Adam opt({w}, {});
  expect_has(error_of([&] { opt.add_param_hook(stranger, {}); }),
             "Adam: add_param_hook: Tensor[2] float32 cpu is not a parameter of this optimizer");
}

TEST(OptimizerDescription, BuiltInOptimizersNameTheirStateAndOptions) {
  Tensor w = param();
  optim::SGD sgd({w}, {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
  EXPECT_EQ(sgd.type(), "SGD");
  EXPECT_EQ(sgd.state_names(), (std::vector<std::string>{"momentum_buffer"}));
  EXPECT_EQ(sgd.options_by_name(),
            (optim::OptionValues{{"lr", 0.1}, {"momentum", 0.9}, {"dampening", 0},
                                 {"weight_decay", 0.01}, {"nesterov", 1}}));
  optim::AdamWOptions o;
  o.beta2 = 0.99;
  optim::AdamW adamw({w}, o);
  EXPECT_EQ(adamw.type(), "AdamW");
  EXPECT_EQ(adamw.state_names(), (std::vector<std::string>{"exp_avg", "exp_avg_sq"}));
  EXPECT_EQ(adamw.options_by_name(),
            (optim::OptionValues{{"lr", 1e-3}, {"beta1", 0.9}, {"beta2", 0.99}, {"eps", 1e-8},
                                 {"weight_decay", 1e-2}}));
}

TEST(OptimizerDescription, SetOptionsChecksAllBeforeChangingAny) {
  Tensor w = param();
  optim::SGD sgd({w}, {.lr = 0.1});
  sgd.set_options({{"momentum", 0.5}, {"nesterov", 1}});
  EXPECT_EQ(sgd.options().momentum, 0.5);
  EXPECT_TRUE(sgd.options().nesterov);
  expect_has(error_of([&] { sgd.set_options({{"momentum", 0.7}, {"dampening", kNan}}); }),
             "SGD: dampening must be a finite number in [0, 1], got nan");
  EXPECT_EQ(sgd.options().momentum, 0.5);  // unchanged
  expect_has(error_of([&] { sgd.set_options({{"betas", 0.7}}); }), "SGD: no option named 'betas'");
  optim::Adam adam({w}, {});
  expect_has(error_of([&] { adam.set_options({{"beta1", 1.0}}); }),
             "Adam: beta1 must be a finite number in [0, 1), got 1");
  EXPECT_EQ(adam.options().beta1, 0.9);
}

TEST(OptimizerOptions, EveryNumericOptionIsCheckedAndNamed) {
  Tensor w = param();
  expect_has(error_of([&] { optim::SGD({w}, {.lr = kNan}); }),
             "SGD: lr must be a finite number >= 0, got nan");
  expect_has(error_of([&] { optim::SGD({w}, {.lr = -0.1}); }),
             "SGD: lr must be a finite number >= 0, got -0.1");
  expect_has(error_of([&] { optim::SGD({w}, {.lr = kInf}); }),
             "SGD: lr must be a finite number >= 0, got inf");
  expect_has(error_of([&] { optim::SGD({w}, {.lr = 0.1, .momentum = kNan}); }),
             "SGD: momentum must be a finite number >= 0, got nan");
  expect_has(error_of([&] { optim::SGD({w}, {.lr = 0.1, .dampening = -1}); }),
             "SGD: dampening must be a finite number in [0, 1], got -1");
  expect_has(error_of([&] { optim::SGD({w}, {.lr = 0.1, .weight_decay = kNan}); }),
             "SGD: weight_decay must be a finite number >= 0, got nan");
  expect_has(error_of([&] { optim::Adam({w}, {.lr = kNan}); }),
             "Adam: lr must be a finite number >= 0, got nan");
  expect_has(error_of([&] { optim::Adam({w}, {.beta1 = kNan}); }),
             "Adam: beta1 must be a finite number in [0, 1), got nan");
  expect_has(error_of([&] { optim::Adam({w}, {.beta2 = 1.0}); }),
             "Adam: beta2 must be a finite number in [0, 1), got 1");
  expect_has(error_of([&] { optim::Adam({w}, {.eps = -1e-8}); }),
             "Adam: eps must be a finite number >= 0, got -1e-08");
  optim::AdamWOptions o;
  o.weight_decay = kInf;
  expect_has(error_of([&] { optim::AdamW({w}, o); }),
             "AdamW: weight_decay must be a finite number >= 0, got inf");
  // A group's own learning rate is checked too, naming the group.
  std::vector<optim::ParamGroup> groups(2);
  groups[0].params = {w};
  groups[1].params = {param()};
  groups[1].lr = kNan;
  expect_has(error_of([&] { optim::SGD(groups, {.lr = 0.1}); }),
             "SGD: lr of group 1 must be a finite number >= 0, got nan");
  EXPECT_NO_THROW(optim::SGD({w}, {.lr = 0}));  // lr 0 stays allowed (a frozen warm-up)
}
