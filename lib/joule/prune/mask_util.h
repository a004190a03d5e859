// Helpers shared by the pruning methods (not part of the public API): the parameter a dotted name
// refers to, its values and mask as host vectors, the selection of the smallest scores, and
// writing a new mask back (on the parameter's device, zeroing the pruned weights).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "joule/nn/module.h"

namespace joule::prune::detail {

// The parameter `name` of `model` (not a buffer); throws naming `op` and listing the parameters.
Tensor parameter(const nn::Module& model, const std::string& name, const char* op);

// The parameter's values and its current mask (all ones when it has none), on the host.
struct HostParam {
  std::string name;
  Tensor param;
  std::vector<float> values;
  std::vector<float> mask;
};
HostParam host_param(const nn::Module& model, const std::string& name, const char* op);

// The indices of the `k` smallest scores among the entries with alive[i] != 0, ties broken
// towards the lower index (a strict total order, so the choice is deterministic).
std::vector<int64_t> smallest_alive(const std::vector<double>& score,
                                    const std::vector<float>& alive, int64_t k);

// Entries with mask != 0.
int64_t count_alive(const std::vector<float>& mask);

// Registers (if needed) the mask of `name`, copies `mask` (host, the parameter's numel) into it
// and zeroes the parameter's pruned entries.
void write_mask(nn::Module& model, const std::string& name, const std::vector<float>& mask);

}  // namespace joule::prune::detail
