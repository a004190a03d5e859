// N:M semi-structured sparsity (2:4 is what sparse tensor cores run): in every group of M
// consecutive entries along the input dimension at most N are kept. For a Linear weight
// [out, in] the groups run along each row; for a weight of more dimensions along each row of its
// [size(0), rest] view (for a Conv2d weight: in * kh * kw); for a vector along the whole vector.
#pragma once

#include <cstdint>
#include <string>

#include "joule/prune/mask.h"

namespace joule::prune {

// Keeps in every group the `n` unpruned entries of largest |w| (ties: the earlier entry) and
// prunes the rest; entries already pruned stay pruned. The row length must be a multiple of `m`,
// and 1 <= n <= m.
void nm_sparsity(nn::Module& model, const std::string& name, int64_t n = 2, int64_t m = 4);

// True when every group of `m` consecutive entries (grouped as nm_sparsity does) of `t` holds at
// most `n` nonzeros.
bool is_nm_sparse(const Tensor& t, int64_t n, int64_t m);

}  // namespace joule::prune
