#include "joule/prune/erk.h"

#include <algorithm>
#include <cmath>

#include "joule/core/check.h"

namespace joule::prune {

double er_density(int64_t in, int64_t out, double epsilon) {
  JOULE_CHECK(in > 0 && out > 0, "er_density: sizes must be positive, got in=", in, " out=", out);
  JOULE_CHECK(epsilon > 0, "er_density: epsilon must be > 0, got ", epsilon);
  const double d = epsilon * static_cast<double>(in + out) /
                   (static_cast<double>(in) * static_cast<double>(out));
  return std::min(1.0, d);
}

std::vector<double> erk_densities(const std::vector<std::vector<int64_t>>& shapes, double density,
                                  double power_scale) {
  JOULE_CHECK(density > 0 && density <= 1, "erk_densities: density must be in (0, 1], got ",
              density);
  const size_t L = shapes.size();
  std::vector<double> n_param(L), raw(L);
  for (size_t l = 0; l < L; ++l) {
    JOULE_CHECK(!shapes[l].empty(), "erk_densities: layer ", l, " has an empty shape");
    double sum = 0, prod = 1;
    for (int64_t d : shapes[l]) {
      JOULE_CHECK(d > 0, "erk_densities: layer ", l, " has a non-positive size ", d);
      sum += static_cast<double>(d);
      prod *= static_cast<double>(d);
    }
    n_param[l] = prod;
    raw[l] = std::pow(sum / prod, power_scale);
  }
  std::vector<bool> dense(L, false);
  double eps = 0;
  for (;;) {
    // Kept weights must equal density·N: the dense layers keep all theirs, the others ε·raw each.
    double rhs = 0, divisor = 0;
    for (size_t l = 0; l < L; ++l) {
      if (dense[l]) {
        rhs -= n_param[l] * (1 - density);
      } else {
        rhs += n_param[l] * density;
        divisor += raw[l] * n_param[l];
      }
    }
    if (divisor == 0) break;  // every layer dense
    eps = rhs / divisor;
    double max_raw = 0;
    for (size_t l = 0; l < L; ++l)
      if (!dense[l]) max_raw = std::max(max_raw, raw[l]);
    if (max_raw * eps <= 1) break;
    for (size_t l = 0; l < L; ++l)
      if (!dense[l] && raw[l] == max_raw) dense[l] = true;
  }
  std::vector<double> out(L);
  for (size_t l = 0; l < L; ++l) out[l] = dense[l] ? 1.0 : eps * raw[l];
  return out;
}

}  // namespace joule::prune
