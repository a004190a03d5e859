// The gradient bucketer and the data-parallel pieces in a world of one process (no mpirun): the
// bucket plan, the hooks that start buckets during backward, and a DataParallel that changes
// nothing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "data_util.h"
#include "joule/dist/bucketer.h"
#include "joule/dist/data_parallel.h"
#include "joule/dist/environment.h"
#include "joule/dist/state_sync.h"
#include "joule/joule.h"

using namespace joule;

namespace {
std::shared_ptr<nn::Sequential> mlp(Generator& g) {
  return std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(2, 16, g),
                                          std::make_shared<nn::ReLU>(),
                                          std::make_shared<nn::Linear>(16, 3, g));
}
}  // namespace

TEST(Bucketer, PlanCutsBeforeTheCapInReverseOrder) {
  // 4-byte floats: 10 -> 40 B, 20 -> 80 B, 5 -> 20 B, 30 -> 120 B
  const std::vector<int64_t> numels{10, 20, 5, 30};
  using Plan = std::vector<std::vector<size_t>>;
  EXPECT_EQ(dist::plan_buckets(numels, 1000), (Plan{{3, 2, 1, 0}}));
  EXPECT_EQ(dist::plan_buckets(numels, 140), (Plan{{3, 2}, {1, 0}}));
  EXPECT_EQ(dist::plan_buckets(numels, 100), (Plan{{3}, {2, 1}, {0}}));
  EXPECT_EQ(dist::plan_buckets(numels, 4), (Plan{{3}, {2}, {1}, {0}}));  // each over the cap
  EXPECT_TRUE(dist::plan_buckets({}, 100).empty());
  EXPECT_THROW(dist::plan_buckets(numels, 0), Error);
}

TEST(Bucketer, WorldOfOneScalesByTheWeightAndKeepsEveryParameter) {
  dist::Communicator solo(0, 1, false);
  Generator g(1);
  auto model = mlp(g);
  dist::GradBucketer b(model->parameters(), solo, {.cap_bytes = 64});
  EXPECT_EQ(b.buckets().size(), 4u);  // 16x2 weight (128 B) > 64: every tensor alone
  Tensor x = Tensor::from_vector(std::vector<float>{1, 2, -1, 0.5f}, Shape{2, 2});
  Tensor loss = sum(model->forward(x));
  b.begin_step(0.25);
  loss.backward();
  std::vector<Tensor> before;
  for (const Tensor& p : model->parameters()) before.push_back(p.grad().clone());
  b.finish();
  const auto params = model->parameters();
  for (size_t i = 0; i < params.size(); ++i)
    for (int64_t k = 0; k < params[i].numel(); ++k)
      EXPECT_FLOAT_EQ(params[i].grad().data<float>()[k], 0.25f * before[i].data<float>()[k]);
  EXPECT_THROW(b.finish(), Error);  // not armed
}

TEST(Bucketer, ParameterWithoutGradientGetsZeros) {
  dist::Communicator solo(0, 1, false);
  Generator g(2);
  auto model = mlp(g);
  dist::GradBucketer b(model->parameters(), solo);
  b.begin_step(1.0);
  b.finish();
  for (const Tensor& p : model->parameters()) {
    ASSERT_TRUE(p.grad().defined());
    for (int64_t k = 0; k < p.numel(); ++k) EXPECT_EQ(p.grad().data<float>()[k], 0.0f);
  }
}

TEST(DistEnvironment, PlainRunIsAWorldOfOneWithoutMpi) {
  ASSERT_FALSE(dist::Environment::launched_by_mpirun()) << "run the unit tests without mpirun";
  dist::Environment env;
  EXPECT_EQ(env.size(), 1);
  EXPECT_EQ(env.rank(), 0);
  EXPECT_EQ(env.local_rank(), 0);
  EXPECT_TRUE(env.is_root());
  EXPECT_FALSE(env.uses_mpi());
  EXPECT_EQ(env.library(), "none");
  std::vector<double> v{1.5, 2.5};
  env.world().allreduce_sum(v.data(), 2);  // nothing to sum with
  EXPECT_EQ(v, (std::vector<double>{1.5, 2.5}));
  EXPECT_EQ(env.world().allgather(v.data(), 2), v);
}

TEST(DataParallel, WorldOfOneTrainsExactlyAsWithout) {
  dist::Communicator solo(0, 1, false);
  std::vector<std::vector<float>> weights;
  for (bool with : {false, true}) {
    Generator g(3);
    auto model = mlp(g);
    optim::SGD opt(model->parameters(), {.lr = 0.1, .momentum = 0.9});
    data::DataLoader train(test::blobs(300, 1), {.batch_size = 32, .seed = 2});
    std::ostringstream log;
    train::Trainer t(*model, opt, {.epochs = 2, .progress = false, .log = &log});
    auto dp = std::make_shared<dist::DataParallel>(solo);
    if (with) t.add_callback(dp);
    t.fit(train);
    EXPECT_EQ(dp->bucketer(), nullptr);  // a world of one never builds one
    std::vector<float> w;
    for (const Tensor& p : model->parameters())
      w.insert(w.end(), p.data<float>(), p.data<float>() + p.numel());
    weights.push_back(w);
  }
  EXPECT_EQ(weights[0], weights[1]);
}

TEST(StateSync, FingerprintFollowsSparsePatterns) {
  Generator g(4);
  nn::Sequential dense(std::make_shared<nn::Linear>(4, 3, g));
  EXPECT_FALSE(dist::has_patterns(dense));
  nn::SparseLinear a({.in = 20, .out = 10, .density = 0.3}, g);
  nn::SparseLinear b({.in = 20, .out = 10, .density = 0.3}, g);
  EXPECT_TRUE(dist::has_patterns(a));
  EXPECT_EQ(dist::pattern_fingerprint(a), dist::pattern_fingerprint(a));
  EXPECT_NE(dist::pattern_fingerprint(a), dist::pattern_fingerprint(b));
}
