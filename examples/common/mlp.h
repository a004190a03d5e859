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

// The same MLP with SparseLinear layers: layer l keeps densities[l] of its weights (a layer with
// density 1 stays a dense Linear unless `sparse_when_full`, e.g. to time the sparse kernels on a
// full pattern). *arch as above.
std::shared_ptr<nn::Sequential> make_sparse_mlp(int64_t in, const std::vector<int64_t>& hidden,
                                                int64_t out, const std::vector<double>& densities,
                                                Generator& gen, std::string* arch,
                                                bool sparse_when_full = false);

// The (out, in) shapes of the MLP's weight matrices, for prune::erk_densities.
std::vector<std::vector<int64_t>> mlp_weight_shapes(int64_t in, const std::vector<int64_t>& hidden,
                                                    int64_t out);

// Weights in use: nnz of every SparseLinear plus, for each Linear, its weight's nonzero mask
// entries (all entries when unpruned). Biases are not counted.
int64_t weight_nnz(nn::Module& model);
// Every weight a dense twin would hold (Σ in·out).
int64_t dense_weight_count(nn::Module& model);

}  // namespace joule::examples
