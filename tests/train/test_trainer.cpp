#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "datasets/fashion_mnist.h"
#include "joule/joule.h"
#include "data_util.h"

using namespace joule;

namespace {

using test::blobs;

std::shared_ptr<nn::Sequential> mlp(int64_t in, int64_t hidden, int64_t out, Generator& g) {
  return std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(in, hidden, g),
                                          std::make_shared<nn::ReLU>(),
                                          std::make_shared<nn::Linear>(hidden, out, g));
}

struct Counter : train::Callback {
  int begin = 0, epochs = 0, batches = 0, after_backward = 0, end = 0, evals = 0;
  int64_t stop_after = -1;
  void on_train_begin(train::Trainer&) override { ++begin; }
  void on_after_backward(train::Trainer& t, const train::StepInfo&) override {
    ++after_backward;
    for (auto& p : t.model().parameters()) EXPECT_TRUE(p.grad().defined());
  }
  void on_batch_end(train::Trainer&, const train::StepInfo& s) override {
    ++batches;
    EXPECT_TRUE(std::isfinite(s.loss));
  }
  void on_epoch_end(train::Trainer& t, train::EpochRecord& r) override {
    ++epochs;
    r.set("custom", 1.5, 1);
    if (r.epoch == stop_after) t.request_stop("test asked to stop");
  }
  void on_eval_end(train::Trainer&, const std::string& split, const train::EvalResult& r) override {
    EXPECT_EQ(split, "test");
    ++evals;
    EXPECT_GT(r.samples, 0);
  }
  void on_train_end(train::Trainer&) override { ++end; }
};

}  // namespace

TEST(Trainer, LearnsBlobsAndCallsCallbacks) {
  Generator g(1);
  auto model = mlp(2, 16, 3, g);
  optim::SGD opt(model->parameters(), {.lr = 0.1, .momentum = 0.9});
  data::DataLoader train(blobs(600, 1), {.batch_size = 32, .seed = 2});
  data::DataLoader test(blobs(300, 2), {.batch_size = 100, .shuffle = false});
  std::ostringstream log;
  train::Trainer t(*model, opt, {.epochs = 5, .progress = false, .log = &log});
  auto counter = std::make_shared<Counter>();
  t.add_callback(counter);
  t.set_scheduler(std::make_shared<optim::Scheduler>(opt, std::make_shared<optim::CosineAnnealingLR>(5)));
  const auto& h = t.fit(train, &test);
  ASSERT_EQ(h.size(), 5u);
  EXPECT_GT(h.back().test_acc, 95.0);
  EXPECT_LT(h.back().loss, h.front().loss);
  EXPECT_EQ(counter->begin, 1);
  EXPECT_EQ(counter->end, 1);
  EXPECT_EQ(counter->epochs, 5);
  EXPECT_EQ(counter->batches, 5 * 19);
  EXPECT_EQ(counter->after_backward, counter->batches);
  EXPECT_EQ(counter->evals, 5);
  EXPECT_NEAR(h[1].lr, 0.1 * (1 + std::cos(M_PI / 5)) / 2, 1e-9);
  // One key=value line per epoch, with the standard fields and the callback's.
  std::string line;
  std::istringstream lines(log.str());
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    for (const char* key : {"epoch=", "loss=", "train_s=", "test_acc=", "custom=1.5"})
      EXPECT_NE(line.find(key), std::string::npos) << line;
  }
  EXPECT_EQ(n, 5);
}

TEST(Trainer, CallbackCanStopTraining) {
  Generator g(1);
  auto model = mlp(2, 8, 3, g);
  optim::SGD opt(model->parameters(), {.lr = 0.1});
  data::DataLoader train(blobs(90, 1), {.batch_size = 30});
  std::ostringstream log;
  train::Trainer t(*model, opt, {.epochs = 10, .progress = false, .log = &log});
  auto counter = std::make_shared<Counter>();
  counter->stop_after = 2;
  t.add_callback(counter);
  EXPECT_EQ(t.fit(train).size(), 2u);
  EXPECT_NE(log.str().find("stopped: test asked to stop"), std::string::npos);
}

TEST(Trainer, NanLossStopsWithAClearMessage) {
  Generator g(1);
  auto model = mlp(2, 8, 3, g);
  optim::SGD opt(model->parameters(), {.lr = 0.1});
  data::Dataset d = blobs(60, 1);
  d.features.data<float>()[5] = std::nanf("");
  data::DataLoader train(d, {.batch_size = 60, .shuffle = false});
  train::Trainer t(*model, opt, {.epochs = 1, .progress = false, .quiet = true});
  try {
    t.fit(train);
    FAIL() << "a NaN loss must stop training";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the loss is nan at epoch 1, step 1"), std::string::npos)
        << e.what();
  }
}

TEST(Trainer, FashionMnistSubsetReachesRealAccuracy) {
  data::Dataset train_set, test_set;
  try {
    train_set = data::load_fashion_mnist(data::Split::Train).slice(0, 10000);
    test_set = data::load_fashion_mnist(data::Split::Test).slice(0, 2000);
  } catch (const Error& e) {
    GTEST_SKIP() << "Fashion-MNIST is not installed: " << e.what();
  }
  Generator g(7);
  auto model = mlp(784, 64, 10, g);
  optim::SGD opt(model->parameters(), {.lr = 0.05, .momentum = 0.9});
  data::DataLoader train(train_set, {.batch_size = 64, .seed = 7});
  data::DataLoader test(test_set, {.batch_size = 500, .shuffle = false});
  train::Trainer t(*model, opt, {.epochs = 4, .progress = false, .quiet = true});
  const auto& h = t.fit(train, &test);
  EXPECT_GT(h.back().test_acc, 80.0);
}
