// DataLoader: batches of a Dataset, reshuffled every epoch from (seed, epoch) so that any epoch's
// order can be reproduced on its own (resuming a run needs exactly that). In a data-parallel job
// (world_size > 1) each rank's loader returns its slice of every global batch (see
// distributed_sampler.h); num_batches() counts global batches, the same on every rank.
#pragma once

#include <cstdint>
#include <vector>

#include "datasets/dataset.h"

namespace joule::data {

struct Batch {
  Tensor x;        // (B, D) float32
  Tensor y;        // (B) int64
  Tensor indices;  // (B) int64: positions of these samples in the dataset
  // Samples in the global batch this one is a rank's slice of; -1: the batch is whole.
  int64_t global_size = -1;
  int64_t size() const { return y.numel(); }
  int64_t global_count() const { return global_size < 0 ? size() : global_size; }
};

struct LoaderOptions {
  int64_t batch_size = 64;
  bool shuffle = true;
  uint64_t seed = 0;
  bool drop_last = false;
  // Data parallelism: the number of ranks sharing each batch and this loader's rank. batch_size
  // stays the global batch; every batch, the last included, must hold at least world_size samples.
  int64_t world_size = 1;
  int64_t rank = 0;
};

class DataLoader {
 public:
  DataLoader(Dataset dataset, const LoaderOptions& options);

  // Fixes the sample order for `epoch` (a permutation drawn from seed and epoch when shuffling).
  void set_epoch(int64_t epoch);
  int64_t num_batches() const;
  // Batch i of the current epoch: gathered into fresh contiguous tensors.
  Batch batch(int64_t i) const;
  const Dataset& dataset() const { return dataset_; }
  const LoaderOptions& options() const { return options_; }

 private:
  Dataset dataset_;
  LoaderOptions options_;
  std::vector<int64_t> order_;
};

}  // namespace joule::data
