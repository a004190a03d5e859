// The frozen teacher (no graph, eval mode, logits cache, its energy metered apart) and the
// distillation glue with the Trainer.
#include <gtest/gtest.h>

#include <sstream>

#include "joule/autograd/node.h"
#include "joule/distill/distiller.h"
#include "joule/distill/teacher.h"
#include "joule/joule.h"
#include "test_util.h"

using namespace joule;

namespace {

std::shared_ptr<nn::Sequential> mlp(int64_t in, int64_t hidden, int64_t out, uint64_t seed,
                                    double dropout = 0) {
  Generator g(seed);
  auto m = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(in, hidden, g),
                                            std::make_shared<nn::ReLU>());
  if (dropout > 0) m->push_back(std::make_shared<nn::Dropout>(dropout, seed));
  m->push_back(std::make_shared<nn::Linear>(hidden, out, g));
  return m;
}

// n samples of d features in [-1, 1), labels c = i % k.
data::Dataset noise_data(int64_t n, int64_t d, int64_t k, uint64_t seed) {
  Generator g(seed);
  std::vector<int64_t> l;
  for (int64_t i = 0; i < n; ++i) l.push_back(i % k);
  return {Tensor::uniform({n, d}, g, -1, 1), Tensor::labels(l), Shape{d}, k};
}

// Each read adds one joule of CPU energy.
class CountingMeter : public energy::Meter {
 public:
  std::string source() const override { return "fake"; }
  bool measured() const override { return true; }
  energy::EnergyTotals read() override { return {static_cast<double>(++reads_), 0, 0}; }
  std::string describe() const override { return "fake: one joule a read"; }

 private:
  int64_t reads_ = 0;
};

std::vector<float> values(const Tensor& t) { return t.contiguous().to_vector<float>(); }

std::string field(const std::string& line, const std::string& key) {
  const size_t at = line.find(" " + key + "=");
  if (at == std::string::npos) return "";
  const size_t begin = at + key.size() + 2;
  return line.substr(begin, line.find(' ', begin) - begin);
}

}  // namespace

TEST(Teacher, IsFrozenInEvalModeAndBuildsNoGraph) {
  auto model = mlp(4, 8, 3, 1, /*dropout=*/0.5);
  distill::Teacher teacher(model, {});
  for (const auto& [n, p] : model->named_parameters()) EXPECT_FALSE(p.requires_grad()) << n;
  EXPECT_FALSE(model->is_training());
  Generator g(2);
  Tensor x = Tensor::uniform({5, 4}, g).set_requires_grad();  // even an input that wants grad
  Tensor a = teacher.forward(x);
  EXPECT_FALSE(a.requires_grad());
  EXPECT_EQ(a.grad_fn(), nullptr);
  model->train();  // someone switches the tree back: the teacher still runs in eval mode
  EXPECT_EQ(values(teacher.forward(x)), values(a));  // dropout is off, so the runs agree
  EXPECT_EQ(teacher.forward_samples(), 10);
}

TEST(Teacher, CacheServesLaterEpochsWithoutAForward) {
  data::Dataset ds = noise_data(50, 4, 3, 3);
  auto model = mlp(4, 8, 3, 4);
  distill::Teacher teacher(model, {.cache_samples = ds.size()});
  data::DataLoader loader(ds, {.batch_size = 16, .shuffle = true, .seed = 5});
  std::vector<std::vector<float>> first;
  for (int64_t i = 0; i < loader.num_batches(); ++i)
    first.push_back(values(teacher.logits(loader.batch(i))));
  EXPECT_EQ(teacher.forward_samples(), 50);
  EXPECT_EQ(teacher.cached_samples(), 50);
  // Epoch 2 in another order: no forward pass, and every sample gets its own logits back (equal
  // to a fresh forward up to float rounding: the GEMM's blocking depends on the batch's rows).
  loader.set_epoch(1);
  for (int64_t i = 0; i < loader.num_batches(); ++i) {
    data::Batch b = loader.batch(i);
    const auto cached = values(teacher.logits(b)), fresh = values(teacher.forward(b.x));
    ASSERT_EQ(cached.size(), fresh.size());
    for (size_t k = 0; k < cached.size(); ++k) EXPECT_NEAR(cached[k], fresh[k], 1e-6);
  }
  EXPECT_EQ(teacher.forward_samples(), 50 + 50);  // only the reference forwards above
}

TEST(Teacher, FillCacheComputesEverySampleOnce) {
  data::Dataset ds = noise_data(37, 4, 3, 6);
  distill::Teacher teacher(mlp(4, 8, 3, 7), {.cache_samples = 37, .batch_size = 10});
  teacher.fill_cache(ds);
  EXPECT_EQ(teacher.forward_samples(), 37);
  data::DataLoader loader(ds, {.batch_size = 8, .shuffle = true, .seed = 1});
  for (int64_t i = 0; i < loader.num_batches(); ++i) teacher.logits(loader.batch(i));
  EXPECT_EQ(teacher.forward_samples(), 37);
}

TEST(Teacher, MetersItsOwnForwardPasses) {
  CountingMeter meter;
  data::Dataset ds = noise_data(20, 4, 3, 8);
  distill::Teacher teacher(mlp(4, 8, 3, 9), {.cache_samples = 20});
  teacher.set_meter(&meter);
  data::DataLoader loader(ds, {.batch_size = 10, .shuffle = false});
  for (int64_t i = 0; i < 2; ++i) teacher.logits(loader.batch(i));
  EXPECT_DOUBLE_EQ(teacher.energy().total_j(), 2.0);  // one joule per window: two forwards
  EXPECT_EQ(teacher.energy().source, "fake");
  for (int64_t i = 0; i < 2; ++i) teacher.logits(loader.batch(i));  // cached: not metered
  EXPECT_DOUBLE_EQ(teacher.energy().total_j(), 2.0);
  teacher.reset_counters();
  EXPECT_EQ(teacher.forward_samples(), 0);
  EXPECT_DOUBLE_EQ(teacher.energy().total_j(), 0.0);
}

TEST(Teacher, FromCheckpointLoadsStrictly) {
  test::TempDir dir("joule_teacher");
  auto trained = mlp(4, 8, 3, 10);
  io::save_checkpoint(dir.file("t.h5"), *trained, nullptr, {});
  distill::Teacher teacher = distill::Teacher::from_checkpoint(dir.file("t.h5"), mlp(4, 8, 3, 11), {});
  Generator g(3);
  Tensor x = Tensor::uniform({2, 4}, g);
  NoGradGuard ng;
  EXPECT_EQ(values(teacher.forward(x)), values(trained->forward(x)));
  test::expect_has(test::error_of([&] {
                     distill::Teacher::from_checkpoint(dir.file("t.h5"), mlp(4, 9, 3, 1), {});
                   }),
                   "does not match (strict)");
}

TEST(Teacher, BadUseNamesTheProblem) {
  data::Dataset ds = noise_data(10, 4, 3, 1);
  distill::Teacher teacher(mlp(4, 8, 3, 1), {.cache_samples = 5});
  data::DataLoader loader(ds, {.batch_size = 10, .shuffle = false});
  test::expect_has(test::error_of([&] { teacher.logits(loader.batch(0)); }),
                   "sample index 5 is outside the cached dataset of 5 samples");
  test::expect_has(test::error_of([&] { teacher.fill_cache(ds); }),
                   "the cache is for 5 samples, the dataset has 10");
  distill::Teacher plain(mlp(4, 8, 3, 1), {});
  test::expect_has(test::error_of([&] { plain.fill_cache(ds); }), "caching is off");
  test::expect_has(test::error_of([&] { distill::Teacher(nullptr, {}); }), "the model is null");
}

// alpha = 0 is plain cross-entropy: the student ends bit for bit where a run without
// distillation does, and the teacher never runs.
TEST(Distillation, AlphaZeroIsTheHardLabelRun) {
  data::Dataset ds = noise_data(64, 4, 3, 12);
  auto run = [&](bool distilled, distill::Teacher* teacher) {
    auto student = mlp(4, 6, 3, 13);
    optim::SGD opt(student->parameters(), {.lr = 0.1, .momentum = 0.9});
    data::DataLoader loader(ds, {.batch_size = 16, .seed = 2});
    std::ostringstream log;
    train::Trainer trainer(*student, opt, {.epochs = 2, .progress = false, .log = &log});
    if (distilled) distill::attach_distillation(trainer, *teacher, {.temperature = 4, .alpha = 0});
    trainer.fit(loader);
    return values(student->parameter("2.weight"));
  };
  distill::Teacher teacher(mlp(4, 8, 3, 14), {.cache_samples = 64});
  EXPECT_EQ(run(true, &teacher), run(false, nullptr));
  EXPECT_EQ(teacher.forward_samples(), 0);
}

TEST(Distillation, TrainsTowardsTheTeacherAndReportsItsShare) {
  CountingMeter meter;
  data::Dataset train = noise_data(96, 4, 3, 15), held_out = noise_data(30, 4, 3, 16);
  distill::Teacher teacher(mlp(4, 16, 3, 17), {.cache_samples = train.size()});
  teacher.set_meter(&meter);
  auto student = mlp(4, 16, 3, 18);
  optim::SGD opt(student->parameters(), {.lr = 0.2, .momentum = 0.9});
  data::DataLoader train_loader(train, {.batch_size = 32, .seed = 3});
  data::DataLoader test_loader(held_out, {.batch_size = 30, .shuffle = false});
  std::ostringstream log;
  train::Trainer trainer(*student, opt, {.epochs = 30, .progress = false, .log = &log});
  distill::attach_distillation(trainer, teacher, {.temperature = 2, .alpha = 1});
  // The soft loss of the untrained student against the teacher, before and after.
  Generator g(4);
  Tensor probe = Tensor::uniform({40, 4}, g, -1, 1);
  auto gap = [&] {
    NoGradGuard ng;
    return distill::soft_target_loss(student->forward(probe), teacher.forward(probe), 2).item();
  };
  const float before = gap();
  const auto& history = trainer.fit(train_loader, &test_loader);
  EXPECT_LT(gap(), 0.2f * before);
  // Epoch 1 fills the cache (three metered forwards of 32); later epochs run no teacher.
  EXPECT_EQ(history[0].extra.back(), (std::pair<std::string, std::string>{"teacher_samples", "96"}));
  std::istringstream lines(log.str());
  std::string line;
  std::vector<std::string> epoch_lines;
  while (std::getline(lines, line))
    if (line.rfind("epoch=", 0) == 0) epoch_lines.push_back(line);
  ASSERT_EQ(epoch_lines.size(), 30u);
  EXPECT_EQ(field(epoch_lines[0], "teacher_joules"), "3.00");
  EXPECT_EQ(field(epoch_lines[1], "teacher_joules"), "0.00");
  EXPECT_EQ(field(epoch_lines[1], "teacher_samples"), "0");
  // Evaluation reports plain cross-entropy of the student.
  NoGradGuard ng;
  Tensor out = student->forward(held_out.features);
  EXPECT_NEAR(history.back().test_loss, cross_entropy(out, held_out.labels).item(), 1e-5);
}
