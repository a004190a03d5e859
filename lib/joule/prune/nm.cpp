#include "joule/prune/nm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "joule/prune/mask_util.h"

namespace joule::prune {

namespace {
// The row length the groups run along; throws naming `op`, `what` and the sizes when it is not a
// multiple of m or n and m are out of range.
int64_t row_length(const Shape& shape, int64_t n, int64_t m, const char* op,
                   const std::string& what) {
  JOULE_CHECK(m >= 1 && n >= 1 && n <= m, op, ": '", what, "': N:M = ", n, ":", m,
              " needs 1 <= N <= M");
  JOULE_CHECK(shape.dim() >= 1 && shape.numel() > 0, op, ": '", what, "': cannot group ", shape);
  const int64_t row = shape.dim() == 1 ? shape[0] : shape.numel() / shape[0];
  JOULE_CHECK(row % m == 0, op, ": '", what, "': rows of ", row, " entries (shape ", shape,
              ") do not split into groups of M = ", m);
  return row;
}
}  // namespace

void nm_sparsity(nn::Module& model, const std::string& name, int64_t n, int64_t m) {
  const char* op = "prune::nm_sparsity";
  detail::HostParam h = detail::host_param(model, name, op);
  row_length(h.param.shape(), n, m, op, name);
  // Rows are multiples of m, so groups are simply consecutive runs of m in the flat order.
  std::vector<int64_t> order(static_cast<size_t>(m));
  for (size_t g = 0; g < h.values.size(); g += static_cast<size_t>(m)) {
    order.clear();
    for (int64_t i = 0; i < m; ++i)
      if (h.mask[g + static_cast<size_t>(i)] != 0.f) order.push_back(i);
    if (static_cast<int64_t>(order.size()) <= n) continue;
    auto larger = [&](int64_t a, int64_t b) {
      const float va = std::fabs(h.values[g + static_cast<size_t>(a)]);
      const float vb = std::fabs(h.values[g + static_cast<size_t>(b)]);
      return va > vb || (va == vb && a < b);
    };
    std::sort(order.begin(), order.end(), larger);
    for (size_t i = static_cast<size_t>(n); i < order.size(); ++i)
      h.mask[g + static_cast<size_t>(order[i])] = 0.f;
  }
  detail::write_mask(model, name, h.mask);
}

bool is_nm_sparse(const Tensor& t, int64_t n, int64_t m) {
  check_float(t, "prune::is_nm_sparse", "tensor");
  row_length(t.shape(), n, m, "prune::is_nm_sparse", t.str());
  const std::vector<float> v = t.to_vector<float>();
  for (size_t g = 0; g < v.size(); g += static_cast<size_t>(m)) {
    int64_t nonzero = 0;
    for (size_t i = g; i < g + static_cast<size_t>(m); ++i) nonzero += v[i] != 0.f;
    if (nonzero > n) return false;
  }
  return true;
}

}  // namespace joule::prune
