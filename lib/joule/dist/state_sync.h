// Keeping every rank's copy of the model the same: rank 0's parameters, buffers (running
// statistics, sparse patterns, pruning masks) and optimizer state sent to every rank, and a cheap
// check that the sparse patterns still agree (SET and RigL rewire each rank's copy).
#pragma once

#include <cstdint>

#include "joule/core/tensor.h"
#include "joule/dist/communicator.h"
#include "joule/nn/module.h"
#include "joule/optim/optimizer.h"

namespace joule::dist {

// Copies `t`'s values from rank `root` to every rank, in place (a tensor on a GPU goes through
// the host). Every rank must pass a tensor of the same shape and dtype.
void broadcast_tensor(Communicator& comm, Tensor& t, int root = 0);

// Copies rank 0's parameters and buffers into every rank's model (then Module::state_loaded, so
// derived state such as SparseLinear's CSC view follows) and, when given, rank 0's optimizer
// state (momentum, Adam moments, step counts; learning rates too). A state buffer that rank 0 has
// not created yet is dropped on every rank. Throws when the ranks' models differ in their names
// or sizes.
void broadcast_state(Communicator& comm, nn::Module& model, optim::Optimizer* optimizer);

// A hash of the model's int64 buffers (sparse patterns): equal on every rank while the patterns
// agree. 0 for a model without any.
uint64_t pattern_fingerprint(const nn::Module& model);
// True when the model has int64 buffers (a sparse pattern) that can drift apart between ranks.
bool has_patterns(const nn::Module& model);

}  // namespace joule::dist
