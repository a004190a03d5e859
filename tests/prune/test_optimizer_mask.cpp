// The optimizer hooks prune::attach installs: with SGD (momentum + weight decay), Adam and AdamW,
// masked weights stay exactly 0 and so do their gradients and state buffers; an all-ones mask
// changes nothing; masks registered after attaching are honoured; attach is idempotent.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "joule/ops/elementwise.h"
#include "joule/ops/loss.h"
#include "joule/ops/reduce.h"
#include "joule/optim/adam.h"
#include "joule/optim/sgd.h"
#include "joule/prune/prune.h"
#include "prune_test_util.h"
#include "test_util.h"

using namespace joule;

namespace {

using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)>;

struct Kind {
  const char* name;
  MakeOptimizer make;
};

std::vector<Kind> kinds() {
  return {
      {"SGD", [](std::vector<Tensor> p) {
         return std::make_unique<optim::SGD>(
             std::move(p), optim::SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
       }},
      {"SGD-nesterov", [](std::vector<Tensor> p) {
         return std::make_unique<optim::SGD>(
             std::move(p),
             optim::SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
       }},
      {"Adam", [](std::vector<Tensor> p) {
         return std::make_unique<optim::Adam>(std::move(p),
                                              optim::AdamOptions{.lr = 0.01, .weight_decay = 0.01});
       }},
      {"AdamW", [](std::vector<Tensor> p) {
         optim::AdamWOptions o;
         o.lr = 0.01;
         return std::make_unique<optim::AdamW>(std::move(p), o);
       }},
  };
}

void steps(nn::Module& m, optim::Optimizer& opt, int n) {
  Generator gen(42);
  Tensor x = Tensor::randn({16, 6}, gen);
  Tensor y = Tensor::labels({0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0});
  for (int i = 0; i < n; ++i) {
    opt.zero_grad();
    cross_entropy(m(x), y).backward();
    opt.step();
  }
}

}  // namespace

TEST(PruneOptimizerMask, MaskedWeightsAndTheirStateStayZero) {
  for (const Kind& kind : kinds()) {
    SCOPED_TRACE(kind.name);
    auto m = test::two_layers(6, 8, 3, 5);
    auto opt = kind.make(m->parameters());
    prune::attach(*opt, *m);  // before any mask: the hooks find masks registered later
    steps(*m, *opt, 2);       // state buffers now hold values everywhere
    prune::l1_unstructured(*m, "0.weight", 0.5);
    prune::ln_structured(*m, "2.weight", 1, 2, 0);
    const std::vector<float> w0_pruned = test::values_of(*m, "0.weight");
    steps(*m, *opt, 4);

    const auto& group = opt->param_groups()[0];
    for (auto [name, index] : {std::pair{"0.weight", 0}, std::pair{"2.weight", 2}}) {
      SCOPED_TRACE(name);
      const std::vector<float> mask = test::mask_of(*m, name), w = test::values_of(*m, name);
      const std::vector<float> g = m->parameter(name).grad().to_vector<float>();
      const optim::ParamState& s = group.state[static_cast<size_t>(index)];
      ASSERT_TRUE(s.buf1.defined());
      const std::vector<float> b1 = s.buf1.to_vector<float>();
      const std::vector<float> b2 =
          s.buf2.defined() ? s.buf2.to_vector<float>() : std::vector<float>(w.size(), 0.f);
      int64_t live_state = 0;
      for (size_t i = 0; i < w.size(); ++i) {
        if (mask[i] == 0.f) {
          EXPECT_EQ(w[i], 0.f) << "weight " << i;
          EXPECT_EQ(g[i], 0.f) << "gradient " << i;
          EXPECT_EQ(b1[i], 0.f) << "buf1 " << i;
          EXPECT_EQ(b2[i], 0.f) << "buf2 " << i;
        } else {
          live_state += b1[i] != 0.f;
        }
      }
      EXPECT_GT(live_state, 0);  // the unpruned entries keep training
      EXPECT_GT(test::zeros_in(mask), 0);
    }
    // The surviving weights moved.
    const std::vector<float> w0 = test::values_of(*m, "0.weight");
    int64_t moved = 0;
    for (size_t i = 0; i < w0.size(); ++i) moved += w0_pruned[i] != 0.f && w0[i] != w0_pruned[i];
    EXPECT_GT(moved, 0);
  }
}

TEST(PruneOptimizerMask, AnAllOnesMaskChangesNothing) {
  for (const Kind& kind : kinds()) {
    SCOPED_TRACE(kind.name);
    auto plain = test::two_layers(6, 8, 3, 9), masked = test::two_layers(6, 8, 3, 9);
    for (const auto& name : prune::prunable_parameters(*masked)) prune::identity(*masked, name);
    auto opt_plain = kind.make(plain->parameters()), opt_masked = kind.make(masked->parameters());
    prune::attach(*opt_masked, *masked);
    steps(*plain, *opt_plain, 3);
    steps(*masked, *opt_masked, 3);
    for (const auto& [name, t] : plain->named_parameters())
      EXPECT_EQ(t.to_vector<float>(), masked->parameter(name).to_vector<float>()) << name;
  }
}

namespace {
// Two parameters "a" and "b" of shape (n), all ones.
class TwoVectors : public nn::Module {
 public:
  explicit TwoVectors(int64_t n) {
    a = register_parameter("a", Tensor::ones({n}));
    b = register_parameter("b", Tensor::ones({n}));
  }
  Tensor forward(const Tensor& x) override { return x; }
  std::string repr() const override { return "TwoVectors"; }
  Tensor a, b;
};
}  // namespace

TEST(PruneOptimizerMask, AGradientSharedWithAnotherLeafIsNotChanged) {
  // a and b hold one gradient tensor (set by hand): masking a's must not touch b's.
  TwoVectors m(4);
  Tensor a = m.a, b = m.b;
  prune::custom_from_mask(m, "a", test::floats({1, 0, 1, 0}, {4}));
  a.copy_(Tensor::ones({4}));  // custom_from_mask zeroed the pruned entries; start from ones
  optim::SGD opt({a, b}, {.lr = 0.5});
  prune::attach(opt, m);
  const Tensor shared = Tensor::ones({4});
  a.set_grad(shared);
  b.set_grad(shared);
  opt.step();
  EXPECT_EQ(a.grad().to_vector<float>(), (std::vector<float>{1, 0, 1, 0}));
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{0.5f, 0, 0.5f, 0}));
  EXPECT_EQ(b.to_vector<float>(), (std::vector<float>(4, 0.5f)));
  EXPECT_EQ(b.grad().to_vector<float>(), (std::vector<float>(4, 1.f)));
}

TEST(PruneOptimizerMask, AMaskOfTheWrongShapeIsNamed) {
  TwoVectors m(4);
  Tensor a = m.a;
  m.add_buffer("a_mask", Tensor::ones({3}));  // by hand: register_mask would refuse it
  optim::Adam opt({a}, {});
  prune::attach(opt, m);
  sum(a * 2.f).backward();
  test::expect_has(test::error_of([&] { opt.step(); }),
                   "Adam: the pruning mask Tensor[3] float32 cpu does not match its parameter");
}

TEST(PruneOptimizerMask, ResetStateForgetsMomentumAndSteps) {
  auto m = test::two_layers(6, 8, 3, 5);
  optim::Adam opt(m->parameters(), {});
  steps(*m, opt, 2);
  EXPECT_EQ(opt.param_groups()[0].state[0].step, 2);
  opt.param_groups()[0].lr = 0.5;
  opt.reset_state();
  EXPECT_FALSE(opt.param_groups()[0].state[0].buf1.defined());
  EXPECT_EQ(opt.param_groups()[0].state[0].step, 0);
  EXPECT_EQ(opt.param_groups()[0].lr, 0.5);
}

TEST(PruneOptimizerMask, AttachIsIdempotentAndDetachStopsTheMasking) {
  auto m = test::two_layers(6, 8, 3, 5);
  optim::SGD opt(m->parameters(), {.lr = 0.1, .momentum = 0.9});
  EXPECT_EQ(opt.num_param_hooks(), 0u);
  prune::attach(opt, *m);
  prune::attach(opt, *m);
  EXPECT_EQ(opt.num_param_hooks(), 4u);  // one per parameter, however often attached
  prune::l1_unstructured(*m, "0.weight", 0.5);
  steps(*m, opt, 2);
  EXPECT_EQ(test::zeros_in(test::values_of(*m, "0.weight")), 24);
  prune::detach(opt);
  EXPECT_EQ(opt.num_param_hooks(), 0u);
  steps(*m, opt, 2);  // the mask is still there, but nothing keeps the weights at 0 now
  EXPECT_LT(test::zeros_in(test::values_of(*m, "0.weight")), 24);
  EXPECT_EQ(test::zeros_in(test::mask_of(*m, "0.weight")), 24);
}

TEST(PruneOptimizerMask, ARemovedMaskIsNoLongerApplied) {
  auto m = test::two_layers(6, 8, 3, 5);
  optim::SGD opt(m->parameters(), {.lr = 0.1});
  prune::attach(opt, *m);
  prune::l1_unstructured(*m, "0.weight", 0.5);
  steps(*m, opt, 1);
  EXPECT_EQ(test::zeros_in(test::values_of(*m, "0.weight")), 24);
  prune::remove_mask(*m, "0.weight");  // the weights may grow back
  steps(*m, opt, 1);
  EXPECT_LT(test::zeros_in(test::values_of(*m, "0.weight")), 24);
}
