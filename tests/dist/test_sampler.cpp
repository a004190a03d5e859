// The distributed sampler: every rank's slices partition each global batch, and the global order
// does not depend on the number of ranks.
#include <gtest/gtest.h>

#include <vector>

#include "data_util.h"
#include "datasets/dataloader.h"
#include "datasets/distributed_sampler.h"

using namespace joule;

TEST(DistributedSampler, SlicesPartitionTheBatchAndDifferByAtMostOne) {
  for (int64_t count : {0, 1, 7, 64, 128, 129, 1000})
    for (int64_t world : {1, 2, 3, 4, 7, 8}) {
      int64_t next = 0, smallest = count, largest = 0;
      for (int64_t r = 0; r < world; ++r) {
        const data::Slice s = data::shard_of_batch(count, world, r);
        EXPECT_EQ(s.begin, next) << "count " << count << " world " << world << " rank " << r;
        next += s.count;
        smallest = std::min(smallest, s.count);
        largest = std::max(largest, s.count);
      }
      EXPECT_EQ(next, count);
      EXPECT_LE(largest - smallest, 1);
    }
  EXPECT_EQ(data::shard_of_batch(10, 4, 0).count, 3);
  EXPECT_EQ(data::shard_of_batch(10, 4, 3).begin, 8);
  EXPECT_THROW(data::shard_of_batch(10, 2, 2), Error);
  EXPECT_THROW(data::shard_of_batch(10, 0, 0), Error);
}

TEST(DistributedSampler, GlobalOrderDoesNotDependOnTheNumberOfRanks) {
  const data::Dataset ds = test::blobs(1001, 3);
  const data::LoaderOptions one{.batch_size = 128, .shuffle = true, .seed = 9};
  data::DataLoader single(ds, one);
  for (int64_t world : {2, 3, 4}) {
    std::vector<data::DataLoader> ranks;
    for (int64_t r = 0; r < world; ++r) {
      data::LoaderOptions o = one;
      o.world_size = world;
      o.rank = r;
      ranks.emplace_back(ds, o);
    }
    for (int64_t epoch : {0, 5}) {
      single.set_epoch(epoch);
      for (auto& l : ranks) l.set_epoch(epoch);
      for (int64_t i = 0; i < single.num_batches(); ++i) {
        const data::Batch whole = single.batch(i);
        std::vector<int64_t> joined;
        for (auto& l : ranks) {
          ASSERT_EQ(l.num_batches(), single.num_batches());
          const data::Batch part = l.batch(i);
          EXPECT_EQ(part.global_size, whole.size());
          EXPECT_EQ(part.global_count(), whole.size());
          for (int64_t k = 0; k < part.size(); ++k)
            joined.push_back(part.indices.data<int64_t>()[k]);
        }
        ASSERT_EQ(static_cast<int64_t>(joined.size()), whole.size());
        for (int64_t k = 0; k < whole.size(); ++k)
          EXPECT_EQ(joined[static_cast<size_t>(k)], whole.indices.data<int64_t>()[k])
              << "world " << world << " epoch " << epoch << " batch " << i << " sample " << k;
      }
    }
  }
  EXPECT_EQ(single.batch(0).global_size, -1);  // a whole batch
}

TEST(DistributedSampler, RejectsABatchTooSmallToShare) {
  const data::Dataset ds = test::blobs(130, 3);  // last batch: 2 samples
  data::LoaderOptions o{.batch_size = 128, .world_size = 3, .rank = 0};
  EXPECT_THROW(data::DataLoader(ds, o), Error);
  o.drop_last = true;
  EXPECT_NO_THROW(data::DataLoader(ds, o));
  o.rank = 3;
  EXPECT_THROW(data::DataLoader(ds, o), Error);
}
