// Optimizers saved and loaded through the description they give of themselves: a custom optimizer
// defined here round-trips through a checkpoint (state buffers, step counts, options) and resumes
// bit for bit; a checkpoint of another type or another state is refused by name.
#include <gtest/gtest.h>

#include <cstring>

#include "joule/joule.h"
#include "test_util.h"

using namespace joule;
using test::error_of;
using test::expect_has;

namespace {

// Heavy-ball with one buffer: velocity = decay * velocity + grad; w -= lr * velocity.
class Velocity : public optim::Optimizer {
 public:
  Velocity(std::vector<Tensor> params, double lr, double decay)
      : Optimizer(optim::single_group(std::move(params)), lr, 0, "Velocity"), lr_(lr),
        decay_(decay) {}

  void step() override {
    for_each_with_grad([&](Tensor& p, const Tensor& g, optim::ParamState& s,
                           const optim::ParamGroup& group) {
      NoGradGuard no_grad;
      if (!s.buf1.defined()) s.buf1 = Tensor::zeros(p.shape());
      s.buf1.copy_(s.buf1 * static_cast<float>(decay_) + g);
      p.copy_(p - s.buf1 * static_cast<float>(group.lr));
      ++s.step;
    });
  }
  std::vector<std::string> state_names() const override { return {"velocity"}; }
  optim::OptionValues options_by_name() const override {
    return {{"lr", lr_}, {"decay", decay_}};
  }
  void set_options(const optim::OptionValues& values) override {
    double lr = lr_, decay = decay_;
    for (const auto& [name, v] : values) {
      if (name == "lr") lr = v;
      else if (name == "decay") decay = v;
      else JOULE_CHECK(false, "Velocity: no option named '", name, "'");
    }
    optim::check_option(type(), "decay", decay, 0, 1);
    lr_ = lr;
    decay_ = decay;
  }
  double decay() const { return decay_; }

 private:
  double lr_, decay_;
};

std::shared_ptr<nn::Sequential> model(uint64_t seed) {
  Generator gen(seed);
  return std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(4, 5, gen),
                                          std::make_shared<nn::ReLU>(),
                                          std::make_shared<nn::Linear>(5, 3, gen));
}

void fit(nn::Module& m, optim::Optimizer& opt, int steps) {
  Generator gen(11);
  const Tensor x = Tensor::randn({6, 4}, gen);
  const Tensor y = Tensor::labels({0, 1, 2, 0, 1, 2});
  for (int i = 0; i < steps; ++i) {
    opt.zero_grad();
    cross_entropy(m(x), y).backward();
    opt.step();
  }
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return false;
  const Tensor ca = a.contiguous(), cb = b.contiguous();
  return std::memcmp(ca.data<float>(), cb.data<float>(),
                     static_cast<size_t>(ca.numel()) * sizeof(float)) == 0;
}

}  // namespace

TEST(OptimizerIO, ACustomOptimizerRoundTripsThroughItsDescription) {
  test::TempDir tmp("joule_optimizer_io");
  const std::string path = tmp.file("velocity.h5");
  auto a = model(1);
  Velocity opt_a(a->parameters(), 0.05, 0.8);
  fit(*a, opt_a, 3);
  io::save_checkpoint(path, *a, &opt_a, io::TrainingState{});

  auto b = model(2);
  Velocity opt_b(b->parameters(), 0.05, 0.3);  // another decay: the checkpoint's is restored
  io::load_checkpoint(path, *b, &opt_b, nullptr);
  EXPECT_EQ(opt_b.decay(), 0.8);
  const auto& ga = opt_a.param_groups()[0];
  const auto& gb = opt_b.param_groups()[0];
  ASSERT_EQ(ga.state.size(), gb.state.size());
  for (size_t i = 0; i < ga.state.size(); ++i) {
    EXPECT_EQ(gb.state[i].step, 3) << i;
    ASSERT_TRUE(gb.state[i].buf1.defined()) << i;
    EXPECT_TRUE(same_bytes(ga.state[i].buf1, gb.state[i].buf1)) << i;
    EXPECT_FALSE(gb.state[i].buf2.defined()) << i;
  }
  // Resuming continues bit for bit.
  fit(*a, opt_a, 2);
  fit(*b, opt_b, 2);
  for (const auto& [name, t] : a->named_parameters())
    EXPECT_TRUE(same_bytes(t, b->parameter(name))) << name;
}

TEST(OptimizerIO, AnotherTypeIsRefusedByName) {
  test::TempDir tmp("joule_optimizer_io");
  const std::string path = tmp.file("sgd.h5");
  auto a = model(1);
  optim::SGD sgd(a->parameters(), {.lr = 0.1, .momentum = 0.9});
  fit(*a, sgd, 1);
  io::save_checkpoint(path, *a, &sgd, io::TrainingState{});
  auto b = model(1);
  Velocity velocity(b->parameters(), 0.1, 0.5);
  expect_has(error_of([&] { io::load_checkpoint(path, *b, &velocity, nullptr); }),
             "the optimizer is Velocity, the checkpoint's SGD");
  // Non-strict: reported, nothing changed.
  const io::LoadReport r =
      io::load_checkpoint(path, *b, &velocity, nullptr, {.strict = false});
  EXPECT_EQ(velocity.decay(), 0.5);
  EXPECT_FALSE(velocity.param_groups()[0].state[0].buf1.defined());
  bool named = false;
  for (const auto& m : r.mismatched) named = named || m == "optimizer";
  EXPECT_TRUE(named);
}

TEST(OptimizerIO, SgdOptionsAreRestoredOnLoad) {
  test::TempDir tmp("joule_optimizer_io");
  const std::string path = tmp.file("sgd.h5");
  auto a = model(1);
  optim::SGD saved(a->parameters(), {.lr = 0.1, .momentum = 0.9, .nesterov = true});
  fit(*a, saved, 1);
  io::save_checkpoint(path, *a, &saved, io::TrainingState{});
  auto b = model(1);
  optim::SGD loaded(b->parameters(), {.lr = 0.1, .momentum = 0.5});
  io::load_checkpoint(path, *b, &loaded, nullptr);
  EXPECT_EQ(loaded.options().momentum, 0.9);
  EXPECT_TRUE(loaded.options().nesterov);
  EXPECT_EQ(loaded.options_by_name(), saved.options_by_name());
}
