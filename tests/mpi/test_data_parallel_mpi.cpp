// Run under mpirun -np 2 (CTest does, when joule is built with MPI): two ranks, each with half of
// every global batch of 128, end an epoch with the same weights as one process with batch 128 -
// computed inside this test by rank 0 - to 1e-5; the epoch's loss and accuracies are the job's.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "data_util.h"
#include "joule/dist/data_parallel.h"
#include "joule/dist/environment.h"
#include "joule/dist/state_sync.h"
#include "joule/joule.h"

using namespace joule;

namespace {

dist::Environment* env = nullptr;

struct EpochRun {
  std::vector<float> weights;
  train::EpochRecord record;
  int64_t started_in_backward = 0;
  int64_t buckets = 0;
};

// One epoch of a 20-64-32-5 MLP (SGD, momentum, weight decay) on 1,001 samples with global batch
// 128: the last batch, 105 samples, splits 53 / 52. `comm` null: one process with every sample.
EpochRun train_once(dist::Communicator* comm, uint64_t init_seed, int64_t bucket_cap_bytes) {
  Generator g(init_seed);
  nn::Sequential model(std::make_shared<nn::Linear>(20, 64, g), std::make_shared<nn::ReLU>(),
                       std::make_shared<nn::Linear>(64, 32, g), std::make_shared<nn::ReLU>(),
                       std::make_shared<nn::Linear>(32, 5, g));
  optim::SGD opt(model.parameters(), {.lr = 0.05, .momentum = 0.9, .weight_decay = 1e-4});
  // Gaussian features, labels from a fixed linear rule: learnable, not trivial.
  Generator dg(77);
  const int64_t n = 1001;
  std::vector<float> x(static_cast<size_t>(n * 20));
  std::vector<int64_t> y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    float best = -1e30f;
    for (int64_t k = 0; k < 20; ++k) x[static_cast<size_t>(i * 20 + k)] = dg.normal();
    for (int64_t c = 0; c < 5; ++c) {
      float s = 0;
      for (int64_t k = c; k < 20; k += 5) s += x[static_cast<size_t>(i * 20 + k)];
      if (s > best) best = s, y[static_cast<size_t>(i)] = c;
    }
  }
  data::Dataset ds{Tensor::from_vector(x, {n, 20}), Tensor::labels(y), Shape{20}, 5};
  data::LoaderOptions lo{.batch_size = 128, .shuffle = true, .seed = 5};
  data::LoaderOptions eo{.batch_size = 143, .shuffle = false};  // 7 x 143 = 1,001
  if (comm) {
    lo.world_size = eo.world_size = comm->size();
    lo.rank = eo.rank = comm->rank();
  }
  data::DataLoader train(ds, lo);
  data::DataLoader test(ds, eo);
  std::ostringstream log;
  train::Trainer t(model, opt, {.epochs = 1, .progress = false, .log = &log, .quiet = true});
  std::shared_ptr<dist::DataParallel> dp;
  if (comm) {
    dp = std::make_shared<dist::DataParallel>(
        *comm, dist::DataParallelOptions{.buckets = {.cap_bytes = bucket_cap_bytes}});
    t.add_callback(dp);
  }
  EpochRun run;
  run.record = t.fit(train, &test).back();
  if (dp) {
    run.started_in_backward = dp->buckets_overlapped();
    run.buckets = dp->buckets_reduced();
  }
  for (const Tensor& p : model.parameters())
    run.weights.insert(run.weights.end(), p.data<float>(), p.data<float>() + p.numel());
  return run;
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::fabs(a[i] - b[i]));
  return d;
}

}  // namespace

TEST(DataParallelMpi, TwoRanksEndTheEpochWithTheWeightsOfOneProcess) {
  ASSERT_EQ(env->size(), 2) << "run with mpirun -np 2";
  dist::Communicator& comm = env->world();
  // Different initial seeds per rank: the broadcast from rank 0 must make them equal.
  for (int64_t cap : {int64_t{25} << 20, int64_t{4096}}) {
    const EpochRun mine = train_once(&comm, 11 + static_cast<uint64_t>(comm.rank()), cap);
    // every rank ends with the same weights
    std::vector<float> theirs = mine.weights;
    comm.broadcast(theirs.data(), static_cast<int64_t>(theirs.size() * sizeof(float)));
    EXPECT_EQ(mine.weights, theirs) << "rank " << comm.rank() << " differs from rank 0";
    if (cap == 4096) {
      // 4 buckets a step, 8 steps; each starts from a hook, inside backward, none in finish()
      EXPECT_EQ(mine.buckets, 4 * 8);
      EXPECT_EQ(mine.started_in_backward, 4 * 8) << "buckets that overlapped backward";
    }
    if (comm.rank() == 0) {
      const EpochRun single = train_once(nullptr, 11, cap);
      ASSERT_EQ(single.weights.size(), mine.weights.size());
      EXPECT_LE(max_abs_diff(single.weights, mine.weights), 1e-5f) << "bucket cap " << cap;
      EXPECT_NEAR(mine.record.loss, single.record.loss, 1e-4);
      EXPECT_NEAR(mine.record.train_acc, single.record.train_acc, 1e-9);
      EXPECT_NEAR(mine.record.test_acc, single.record.test_acc, 0.11);  // one sample of 1,001
      EXPECT_NEAR(mine.record.test_loss, single.record.test_loss, 1e-4);
    }
    comm.barrier();
  }
}

TEST(DataParallelMpi, BroadcastStateCopiesRankZerosModel) {
  dist::Communicator& comm = env->world();
  Generator g(100 + static_cast<uint64_t>(comm.rank()));
  nn::SparseLinear layer({.in = 30, .out = 8, .density = 0.2}, g);
  const bool differed = comm.allgather(dist::pattern_fingerprint(layer))[0] !=
                        comm.allgather(dist::pattern_fingerprint(layer))[1];
  EXPECT_TRUE(differed);
  dist::broadcast_state(comm, layer, nullptr);
  const std::vector<uint64_t> after = comm.allgather(dist::pattern_fingerprint(layer));
  EXPECT_EQ(after[0], after[1]);
  std::vector<float> w(layer.values().data<float>(),
                       layer.values().data<float>() + layer.values().numel());
  std::vector<float> root = w;
  comm.broadcast(root.data(), static_cast<int64_t>(root.size() * sizeof(float)));
  EXPECT_EQ(w, root);
}

int main(int argc, char** argv) {
  dist::Environment environment;
  env = &environment;
  ::testing::InitGoogleTest(&argc, argv);
  const int failed = RUN_ALL_TESTS();
  // Every rank ends with the same status, so mpirun reports a failure on any rank.
  double status = failed ? 1.0 : 0.0;
  environment.world().allreduce_sum(&status, 1);
  return status > 0 ? 1 : 0;
}
