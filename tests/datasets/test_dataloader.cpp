#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "datasets/dataloader.h"

using namespace joule;
using namespace joule::data;

namespace {
Dataset numbered(int64_t n, int64_t d = 2) {
  std::vector<float> f(static_cast<size_t>(n * d));
  std::vector<int64_t> l(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < d; ++j) f[static_cast<size_t>(i * d + j)] = static_cast<float>(i);
    l[static_cast<size_t>(i)] = i % 3;
  }
  return {Tensor::from_vector(f, {n, d}), Tensor::labels(l), Shape{d}, 3};
}
std::vector<int64_t> epoch_order(DataLoader& dl, int64_t epoch) {
  dl.set_epoch(epoch);
  std::vector<int64_t> order;
  for (int64_t b = 0; b < dl.num_batches(); ++b) {
    Batch batch = dl.batch(b);
    for (int64_t i = 0; i < batch.size(); ++i) {
      const int64_t idx = batch.indices.data<int64_t>()[i];
      EXPECT_EQ(batch.x.data<float>()[i * 2], static_cast<float>(idx));  // rows follow indices
      EXPECT_EQ(batch.y.data<int64_t>()[i], idx % 3);
      order.push_back(idx);
    }
  }
  return order;
}
}  // namespace

TEST(DataLoader, EveryEpochIsAPermutation) {
  DataLoader dl(numbered(10), {.batch_size = 4, .shuffle = true, .seed = 5});
  EXPECT_EQ(dl.num_batches(), 3);
  auto e0 = epoch_order(dl, 0), e1 = epoch_order(dl, 1);
  EXPECT_EQ(std::set<int64_t>(e0.begin(), e0.end()).size(), 10u);
  EXPECT_EQ(e0.size(), 10u);
  EXPECT_NE(e0, e1);
  EXPECT_EQ(dl.batch(2).size(), 2);  // the partial last batch
  // Same seed and epoch: same order, whatever came before.
  DataLoader again(numbered(10), {.batch_size = 4, .shuffle = true, .seed = 5});
  EXPECT_EQ(epoch_order(again, 1), e1);
}

TEST(DataLoader, NoShuffleAndDropLast) {
  DataLoader dl(numbered(10), {.batch_size = 4, .shuffle = false, .drop_last = true});
  EXPECT_EQ(dl.num_batches(), 2);
  auto order = epoch_order(dl, 3);
  EXPECT_EQ(order, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_THROW(dl.batch(2), Error);
}

TEST(DataLoader, RejectsInconsistentData) {
  Dataset bad = numbered(4);
  bad.labels = Tensor::labels({0, 1, 5, 0});
  EXPECT_THROW(DataLoader(bad, {}), Error);
  EXPECT_THROW(DataLoader(numbered(4), {.batch_size = 0}), Error);
}

TEST(Dataset, SliceSubsetAndSplit) {
  Dataset d = numbered(10);
  Dataset s = d.slice(2, 5);
  EXPECT_EQ(s.size(), 3);
  EXPECT_EQ(s.features.contiguous().data<float>()[0], 2.f);
  Dataset sub = d.subset({9, 0});
  EXPECT_EQ(sub.labels.to_vector<int64_t>(), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(sub.features.to_vector<float>()[0], 9.f);
  auto [a, b] = d.random_split(7, 1);
  EXPECT_EQ(a.size(), 7);
  EXPECT_EQ(b.size(), 3);
  std::set<float> all;
  for (float v : a.features.to_vector<float>()) all.insert(v);
  for (float v : b.features.to_vector<float>()) all.insert(v);
  EXPECT_EQ(all.size(), 10u);
}
