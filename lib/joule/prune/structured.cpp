#include "joule/prune/structured.h"

#include <algorithm>
#include <cmath>

#include "joule/prune/mask_util.h"

namespace joule::prune {

void ln_structured(nn::Module& model, const std::string& name, Amount amount, double n,
                   int64_t dim) {
  const char* op = "prune::ln_structured";
  detail::HostParam h = detail::host_param(model, name, op);
  const Shape& shape = h.param.shape();
  JOULE_CHECK(n > 0 && !std::isnan(n), op, ": '", name, "': norm order n = ", n,
              " must be > 0 (or INFINITY)");
  const int64_t d = dim < 0 ? dim + shape.dim() : dim;
  JOULE_CHECK(d >= 0 && d < shape.dim(), op, ": '", name, "': dim ", dim, " is out of range for ",
              shape);
  // The parameter viewed as [outer, size, inner]: slice j holds entries (o, j, i).
  const int64_t size = shape[d];
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < d; ++i) outer *= shape[i];
  for (int64_t i = d + 1; i < shape.dim(); ++i) inner *= shape[i];
  auto at = [&](int64_t o, int64_t j, int64_t i) {
    return static_cast<size_t>((o * size + j) * inner + i);
  };

  std::vector<double> norm(static_cast<size_t>(size), 0.0);
  std::vector<float> alive(static_cast<size_t>(size), 0.f);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < size; ++j)
      for (int64_t i = 0; i < inner; ++i) {
        const double a = std::fabs(static_cast<double>(h.values[at(o, j, i)]));
        double& s = norm[static_cast<size_t>(j)];
        s = std::isinf(n) ? std::max(s, a) : s + std::pow(a, n);
        if (h.mask[at(o, j, i)] != 0.f) alive[static_cast<size_t>(j)] = 1.f;
      }
  if (!std::isinf(n))
    for (double& s : norm) s = std::pow(s, 1.0 / n);

  const int64_t k = amount.count_of(detail::count_alive(alive), op, name, "slices");
  for (int64_t j : detail::smallest_alive(norm, alive, k))
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) h.mask[at(o, j, i)] = 0.f;
  detail::write_mask(model, name, h.mask);
}

}  // namespace joule::prune
