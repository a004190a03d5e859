// Data pruning's selection: which training examples to keep, given one score per example (higher
// means harder). The kept indices go to Dataset::subset, whose result any DataLoader takes.
//
//   std::vector<int64_t> kept = data::select_by_score(scores, train.labels, train.num_classes,
//                                                     {.fraction = 0.5, .keep = data::Keep::Hard});
//   data::DataLoader loader(train.subset(kept), {.batch_size = 128});
//
// The rule: order the examples by score (ties in a seeded random order, so that equal scores do
// not favour the dataset's own order), then keep the first round(fraction * N): the highest
// scores for Keep::Hard, the lowest for Keep::Easy. Class-balanced selection applies the same rule
// inside every class, so each class keeps round(fraction * its size) examples (at least one when
// it has any). Sorscher et al. (2022) advise keeping easy examples when little data is kept and
// hard ones when much is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/dataset.h"

namespace joule::data {

enum class Keep { Hard, Easy };

// "hard" or "easy"; throws joule::Error naming the value otherwise.
Keep parse_keep(const std::string& name);
const char* keep_name(Keep keep);

struct SelectOptions {
  double fraction = 1.0;        // in (0, 1]
  Keep keep = Keep::Hard;
  bool class_balanced = false;  // the same fraction of every class
  uint64_t seed = 0;            // orders ties
};

// scores: one per example (N); labels: (N) int64 in [0, num_classes). Returns the kept indices
// in increasing order. Throws joule::Error on a fraction outside (0, 1], a size mismatch, a label
// out of range or a NaN score.
std::vector<int64_t> select_by_score(const std::vector<float>& scores, const Tensor& labels,
                                     int64_t num_classes, const SelectOptions& options);

// How many of `indices` fall in each class: the check that a selection is (or is not) balanced.
std::vector<int64_t> class_counts(const Tensor& labels, int64_t num_classes,
                                  const std::vector<int64_t>& indices);

}  // namespace joule::data
