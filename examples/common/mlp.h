// The Fashion-MNIST MLP the examples share: Linear + ReLU for each hidden width, then a Linear
// head.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "joule/nn/sequential.h"

namespace joule::examples {

// Returns the model; *arch receives its widths as "784-256-128-10".
std::shared_ptr<nn::Sequential> make_mlp(int64_t in, const std::vector<int64_t>& hidden,
                                         int64_t out, Generator& gen, std::string* arch);

}  // namespace joule::examples
