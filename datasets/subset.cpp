#include "datasets/subset.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "joule/core/generator.h"

namespace joule::data {

namespace {

// round(fraction * n), at least 1 when n > 0.
int64_t kept_count(double fraction, int64_t n) {
  if (n == 0) return 0;
  const auto k = static_cast<int64_t>(std::llround(fraction * static_cast<double>(n)));
  return std::clamp<int64_t>(k, 1, n);
}

// `candidates` ordered hardest first (ties in the random order `rank` gives), then the first
// `k` of them for Keep::Hard, the last `k` for Keep::Easy.
std::vector<int64_t> take(std::vector<int64_t> candidates, const std::vector<float>& scores,
                          const std::vector<int64_t>& rank, int64_t k, Keep keep) {
  std::sort(candidates.begin(), candidates.end(), [&](int64_t a, int64_t b) {
    const float sa = scores[static_cast<size_t>(a)], sb = scores[static_cast<size_t>(b)];
    if (sa != sb) return keep == Keep::Hard ? sa > sb : sa < sb;
    return rank[static_cast<size_t>(a)] < rank[static_cast<size_t>(b)];
  });
  candidates.resize(static_cast<size_t>(k));
  return candidates;
}

}  // namespace

Keep parse_keep(const std::string& name) {
  if (name == "hard") return Keep::Hard;
  if (name == "easy") return Keep::Easy;
  JOULE_CHECK(false, "keep: expected hard or easy, got '", name, "'");
  return Keep::Hard;
}

const char* keep_name(Keep keep) { return keep == Keep::Hard ? "hard" : "easy"; }

std::vector<int64_t> select_by_score(const std::vector<float>& scores, const Tensor& labels,
                                     int64_t num_classes, const SelectOptions& options) {
  const double f = options.fraction;
  JOULE_CHECK(f > 0 && f <= 1, "select_by_score: fraction must be in (0, 1], got ", f);
  JOULE_CHECK(labels.defined() && labels.dtype() == DType::Int64 && labels.dim() == 1,
              "select_by_score: labels must be (N) int64, got ",
              labels.defined() ? labels.str() : std::string("an undefined tensor"));
  const int64_t n = labels.numel();
  JOULE_CHECK(static_cast<int64_t>(scores.size()) == n, "select_by_score: ", scores.size(),
              " scores for ", n, " examples");
  JOULE_CHECK(num_classes > 0, "select_by_score: num_classes must be > 0, got ", num_classes);
  const std::vector<int64_t> y = labels.contiguous().to_vector<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    JOULE_CHECK(!std::isnan(scores[static_cast<size_t>(i)]), "select_by_score: score of example ",
                i, " is NaN");
    JOULE_CHECK(y[static_cast<size_t>(i)] >= 0 && y[static_cast<size_t>(i)] < num_classes,
                "select_by_score: label ", y[static_cast<size_t>(i)], " of example ", i,
                " is outside [0, ", num_classes, ")");
  }
  // rank[i]: example i's place in a seeded random permutation, the tie-break
  std::vector<int64_t> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  Generator gen(options.seed);
  for (size_t i = perm.size(); i > 1; --i) std::swap(perm[i - 1], perm[gen.below(i)]);
  std::vector<int64_t> rank(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) rank[static_cast<size_t>(perm[static_cast<size_t>(i)])] = i;

  std::vector<int64_t> kept;
  if (options.class_balanced) {
    std::vector<std::vector<int64_t>> by_class(static_cast<size_t>(num_classes));
    for (int64_t i = 0; i < n; ++i)
      by_class[static_cast<size_t>(y[static_cast<size_t>(i)])].push_back(i);
    for (auto& members : by_class) {
      const int64_t k = kept_count(f, static_cast<int64_t>(members.size()));
      const std::vector<int64_t> part = take(std::move(members), scores, rank, k, options.keep);
      kept.insert(kept.end(), part.begin(), part.end());
    }
  } else {
    std::vector<int64_t> all(static_cast<size_t>(n));
    std::iota(all.begin(), all.end(), 0);
    kept = take(std::move(all), scores, rank, kept_count(f, n), options.keep);
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

std::vector<int64_t> class_counts(const Tensor& labels, int64_t num_classes,
                                  const std::vector<int64_t>& indices) {
  const std::vector<int64_t> y = labels.contiguous().to_vector<int64_t>();
  std::vector<int64_t> counts(static_cast<size_t>(num_classes), 0);
  for (int64_t i : indices) {
    JOULE_CHECK(i >= 0 && i < static_cast<int64_t>(y.size()), "class_counts: index ", i,
                " is outside [0, ", y.size(), ")");
    const int64_t c = y[static_cast<size_t>(i)];
    JOULE_CHECK(c >= 0 && c < num_classes, "class_counts: label ", c, " is outside [0, ",
                num_classes, ")");
    ++counts[static_cast<size_t>(c)];
  }
  return counts;
}

}  // namespace joule::data
