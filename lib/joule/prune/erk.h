// Layer densities for sparse networks: Erdős–Rényi (SET, Mocanu et al. 2018) and
// Erdős–Rényi-Kernel (RigL, Evci et al. 2020), as in RigL's reference (sparse_utils.py).
#pragma once

#include <cstdint>
#include <vector>

namespace joule::prune {

// SET's Erdős–Rényi density of an (out, in) layer: epsilon·(in + out)/(in·out), capped at 1.
double er_density(int64_t in, int64_t out, double epsilon);

// ERK densities of layers with the given weight shapes ((out, in) or (out, in, kh, kw)) so that
// the network as a whole keeps `density` of its weights: density_l ∝ (Σ dims / Π dims)^power,
// scaled by one ε. A layer whose density would exceed 1 is made dense and ε is solved again
// without it (the reference's iterative capping), until every density is ≤ 1.
std::vector<double> erk_densities(const std::vector<std::vector<int64_t>>& shapes, double density,
                                  double power_scale = 1.0);

}  // namespace joule::prune
