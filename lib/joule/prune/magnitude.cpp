#include "joule/prune/magnitude.h"

#include <cmath>
#include <set>

#include "joule/prune/mask_util.h"

namespace joule::prune {

namespace {

// Several parameters laid end to end: |w| as scores and their masks, so one selection covers all.
struct Concat {
  std::vector<detail::HostParam> params;
  std::vector<double> score;
  std::vector<float> mask;
};

Concat concat(const nn::Module& model, const std::vector<std::string>& names, const char* op) {
  JOULE_CHECK(!names.empty(), op, ": no parameter names given");
  std::set<std::string> seen;
  Concat c;
  for (const auto& name : names) {
    JOULE_CHECK(seen.insert(name).second, op, ": parameter '", name, "' is named twice");
    c.params.push_back(detail::host_param(model, name, op));
    const detail::HostParam& h = c.params.back();
    for (float v : h.values) c.score.push_back(std::fabs(static_cast<double>(v)));
    c.mask.insert(c.mask.end(), h.mask.begin(), h.mask.end());
  }
  return c;
}

// Prunes the k smallest unpruned entries of `c` and writes every parameter's mask back.
void prune_smallest(nn::Module& model, Concat& c, int64_t k) {
  for (int64_t i : detail::smallest_alive(c.score, c.mask, k)) c.mask[static_cast<size_t>(i)] = 0.f;
  size_t offset = 0;
  for (const auto& h : c.params) {
    const auto begin = c.mask.begin() + static_cast<std::ptrdiff_t>(offset);
    const auto end = begin + static_cast<std::ptrdiff_t>(h.mask.size());
    detail::write_mask(model, h.name, std::vector<float>(begin, end));
    offset += h.mask.size();
  }
}

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// How many more entries to prune so that `target` of `mask` is pruned.
int64_t more_to_reach(const std::vector<float>& mask, double target, const char* op,
                      const std::string& what) {
  JOULE_CHECK(std::isfinite(target) && target >= 0 && target <= 1, op, ": '", what,
              "': target sparsity ", target, " is not in [0, 1]");
  const auto n = static_cast<int64_t>(mask.size());
  const auto want = static_cast<int64_t>(std::nearbyint(target * static_cast<double>(n)));
  const int64_t pruned = n - detail::count_alive(mask);
  return want > pruned ? want - pruned : 0;
}

}  // namespace

void l1_unstructured(nn::Module& model, const std::string& name, Amount amount) {
  const char* op = "prune::l1_unstructured";
  Concat c = concat(model, {name}, op);
  prune_smallest(model, c, amount.count_of(detail::count_alive(c.mask), op, name));
}

void global_unstructured(nn::Module& model, const std::vector<std::string>& names, Amount amount) {
  const char* op = "prune::global_unstructured";
  Concat c = concat(model, names, op);
  prune_smallest(model, c, amount.count_of(detail::count_alive(c.mask), op, joined(names)));
}

void magnitude_to_sparsity(nn::Module& model, const std::string& name, double target) {
  const char* op = "prune::magnitude_to_sparsity";
  Concat c = concat(model, {name}, op);
  prune_smallest(model, c, more_to_reach(c.mask, target, op, name));
}

void global_magnitude_to_sparsity(nn::Module& model, const std::vector<std::string>& names,
                                  double target) {
  const char* op = "prune::global_magnitude_to_sparsity";
  Concat c = concat(model, names, op);
  prune_smallest(model, c, more_to_reach(c.mask, target, op, joined(names)));
}

}  // namespace joule::prune
