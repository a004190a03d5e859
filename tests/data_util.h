// Small synthetic datasets for the tests that train (trainer, pruning callback, ...).
#pragma once

#include <cstdint>
#include <vector>

#include "datasets/dataset.h"
#include "joule/core/generator.h"

namespace joule::test {

// Three Gaussian blobs in 2-D, well separated (centres (-3,0), (3,0), (0,4), unit variance);
// sample i belongs to class i % 3.
inline data::Dataset blobs(int64_t n, uint64_t seed) {
  Generator g(seed);
  const float centers[3][2] = {{-3, 0}, {3, 0}, {0, 4}};
  std::vector<float> f;
  std::vector<int64_t> l;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = i % 3;
    f.push_back(centers[c][0] + g.normal());
    f.push_back(centers[c][1] + g.normal());
    l.push_back(c);
  }
  return {Tensor::from_vector(f, {n, 2}), Tensor::labels(l), Shape{2}, 3};
}

}  // namespace joule::test
