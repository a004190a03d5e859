// Dataset: features and integer labels held in memory as tensors, plus the per-sample shape.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "joule/core/tensor.h"

namespace joule::data {

struct Dataset {
  Tensor features;      // (N, D) float32, row-major, one sample per row
  Tensor labels;        // (N) int64 class indices in [0, num_classes)
  Shape sample_shape;   // the shape of one sample, e.g. [1, 28, 28] for an image (numel == D)
  int64_t num_classes = 0;

  int64_t size() const { return labels.defined() ? labels.numel() : 0; }
  int64_t feature_dim() const { return features.size(1); }
  // Samples [begin, end), sharing storage.
  Dataset slice(int64_t begin, int64_t end) const;
  // The samples at `indices`, copied, in that order.
  Dataset subset(const std::vector<int64_t>& indices) const;
  // A seeded random split: the first has n_first samples, the second the rest.
  std::pair<Dataset, Dataset> random_split(int64_t n_first, uint64_t seed) const;
  // Throws (naming `who`) unless features/labels are consistent and labels lie in range.
  void validate(const std::string& who) const;
};

}  // namespace joule::data
