// Resuming from a checkpoint ends with the same weights as an uninterrupted run.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "joule/joule.h"
#include "joule/nn/dropout.h"
#include "joule/train/checkpointing.h"
#include "test_util.h"

using namespace joule;

namespace {

data::Dataset blobs(int64_t n) {
  Generator g(5);
  std::vector<float> f;
  std::vector<int64_t> l;
  for (int64_t i = 0; i < n; ++i) {
    f.push_back(static_cast<float>(i % 3) * 2.f + g.normal());
    f.push_back(static_cast<float>((i % 3) == 1) * 3.f + g.normal());
    l.push_back(i % 3);
  }
  return {Tensor::from_vector(f, {n, 2}), Tensor::labels(l), Shape{2}, 3};
}

struct StopAt : train::Callback {
  int64_t epoch;
  explicit StopAt(int64_t e) : epoch(e) {}
  void on_epoch_end(train::Trainer& t, train::EpochRecord& r) override {
    if (r.epoch == epoch) t.request_stop("simulated kill");
  }
};

// One run of 4 epochs (cosine over 4, momentum, dropout), optionally stopped after `stop_after`
// epochs, optionally resumed from `dir`; returns the final weights.
std::vector<std::vector<float>> run(const std::string& dir, int64_t stop_after, bool resume,
                                    int64_t* resumed_at = nullptr) {
  Generator gen(3);
  auto model = std::make_shared<nn::Sequential>();
  model->push_back(std::make_shared<nn::Linear>(2, 16, gen));
  model->push_back(std::make_shared<nn::ReLU>());
  auto drop = model->push_back(std::make_shared<nn::Dropout>(0.2, 11));
  model->push_back(std::make_shared<nn::Linear>(16, 3, gen));
  optim::SGD opt(model->parameters(), {.lr = 0.1, .momentum = 0.9});
  auto sched = std::make_shared<optim::Scheduler>(opt, std::make_shared<optim::CosineAnnealingLR>(4));
  data::DataLoader loader(blobs(120), {.batch_size = 16, .seed = 9});
  train::Trainer t(*model, opt, {.epochs = 4, .progress = false, .quiet = true});
  t.set_scheduler(sched);
  train::CheckpointParts parts{sched, {{"dropout", &drop->generator()}}, nullptr, {{"recipe", "test"}}};
  if (resume) {
    const int64_t next = train::resume(dir, t, parts);
    if (resumed_at) *resumed_at = next;
  }
  if (stop_after > 0) t.add_callback(std::make_shared<StopAt>(stop_after));
  t.add_callback(std::make_shared<train::CheckpointCallback>(dir, parts));
  t.fit(loader);
  std::vector<std::vector<float>> w;
  for (const Tensor& p : model->parameters()) w.push_back(p.to_vector<float>());
  return w;
}

}  // namespace

TEST(Checkpointing, ResumeMatchesAnUninterruptedRunBitForBit) {
  test::TempDir dir("joule_resume_test");
  const auto full = run(dir.file("full"), 0, false);
  run(dir.file("killed"), 2, false);  // "killed" after epoch 2: last.h5 holds epoch 2
  int64_t next = 0;
  const auto resumed = run(dir.file("killed"), 0, true, &next);
  EXPECT_EQ(next, 3);
  ASSERT_EQ(full.size(), resumed.size());
  for (size_t i = 0; i < full.size(); ++i) {
    ASSERT_EQ(full[i].size(), resumed[i].size());
    EXPECT_EQ(std::memcmp(full[i].data(), resumed[i].data(), full[i].size() * sizeof(float)), 0)
        << "parameter " << i << " differs after resuming";
  }
}

TEST(Checkpointing, NoCheckpointMeansAFreshStart) {
  test::TempDir dir("joule_resume_test");
  int64_t next = 0;
  run(dir.file("empty"), 1, true, &next);
  EXPECT_EQ(next, 1);
  EXPECT_TRUE(std::filesystem::exists(train::checkpoint_path(dir.file("empty"))));
}
