// DataLoader: batches of a Dataset, reshuffled every epoch from (seed, epoch) so that any epoch's
// order can be reproduced on its own (resuming a run needs exactly that).
#pragma once

#include <cstdint>
#include <vector>

#include "datasets/dataset.h"

namespace joule::data {

struct Batch {
  Tensor x;        // (B, D) float32
  Tensor y;        // (B) int64
  Tensor indices;  // (B) int64: positions of these samples in the dataset
  int64_t size() const { return y.numel(); }
};

struct LoaderOptions {
  int64_t batch_size = 64;
  bool shuffle = true;
  uint64_t seed = 0;
  bool drop_last = false;
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
