// The Fashion-MNIST CNN the examples share (fashion_cnn trains it, distill uses it as the
// teacher, transfer pretrains and transfers it): conv(1->16, 5x5, pad 2)-ReLU-maxpool-
// conv(16->32, 5x5, pad 2)-ReLU-maxpool-FC128-FC<classes>, BatchNorm after each convolution and
// Dropout before the last layer optional. Layer names are Sequential indices, the head last.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "joule/core/generator.h"
#include "joule/nn/sequential.h"

namespace joule::examples {

struct CnnOptions {
  bool batchnorm = false;
  double dropout = 0;  // 0: no Dropout layer
  int64_t classes = 10;
};

struct Cnn {
  std::shared_ptr<nn::Sequential> model;
  std::vector<std::pair<std::string, Generator*>> generators;  // dropout's, for checkpoints
};

// Initialised from `gen`; the Dropout layer (if any) draws from its own generator seeded `seed`.
Cnn make_cnn(const CnnOptions& options, Generator& gen, uint64_t seed);

// The options a fashion_cnn checkpoint was written with (its batchnorm and dropout attributes),
// so that the model can be rebuilt to load it.
CnnOptions cnn_options_of(const std::string& checkpoint);

}  // namespace joule::examples
