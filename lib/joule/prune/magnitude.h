// Magnitude pruning (L1, unstructured), per parameter and global across parameters, as
// torch.nn.utils.prune.l1_unstructured / global_unstructured: the unpruned entries with the
// smallest |w| are pruned (ties: the lower flat index first, the earlier parameter first), and a
// fraction applies to the entries still unpruned, so pruning 0.5 twice leaves 25%.
#pragma once

#include <string>
#include <vector>

#include "joule/prune/mask.h"

namespace joule::prune {

// Prunes `amount` of the unpruned entries of parameter `name` with the smallest |w|.
void l1_unstructured(nn::Module& model, const std::string& name, Amount amount);

// Prunes `amount` of all the unpruned entries of `names` taken together, those with the smallest
// |w| wherever they are: one threshold across the layers.
void global_unstructured(nn::Module& model, const std::vector<std::string>& names, Amount amount);

// Absolute sparsity for schedules: prunes the smallest unpruned entries of `name` until a fraction
// `target` (in [0, 1]) of all its entries is pruned (counted by the mask, rounded half to even).
// Only ever prunes more: when the mask already prunes that many, nothing changes.
void magnitude_to_sparsity(nn::Module& model, const std::string& name, double target);

// The same with one threshold across `names`: `target` of all their entries together.
void global_magnitude_to_sparsity(nn::Module& model, const std::vector<std::string>& names,
                                  double target);

}  // namespace joule::prune
