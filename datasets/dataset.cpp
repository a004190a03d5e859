#include "datasets/dataset.h"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace joule::data {

Dataset Dataset::slice(int64_t begin, int64_t end) const {
  JOULE_CHECK(0 <= begin && begin <= end && end <= size(), "Dataset::slice: range [", begin, ", ",
              end, ") is outside [0, ", size(), ")");
  return {features.narrow(0, begin, end - begin), labels.narrow(0, begin, end - begin),
          sample_shape, num_classes};
}

Dataset Dataset::subset(const std::vector<int64_t>& indices) const {
  const int64_t n = static_cast<int64_t>(indices.size()), D = feature_dim();
  Tensor fc = features.contiguous(), lc = labels.contiguous();
  Tensor f = Tensor::empty(Shape{n, D});
  Tensor l = Tensor::empty(Shape{n}, DType::Int64);
  const float* src = fc.data<float>();
  const int64_t* lsrc = lc.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t j = indices[static_cast<size_t>(i)];
    JOULE_CHECK(j >= 0 && j < size(), "Dataset::subset: index ", j, " is outside [0, ", size(), ")");
    std::memcpy(f.data<float>() + i * D, src + j * D, static_cast<size_t>(D) * sizeof(float));
    l.data<int64_t>()[i] = lsrc[j];
  }
  return {f, l, sample_shape, num_classes};
}

std::pair<Dataset, Dataset> Dataset::random_split(int64_t n_first, uint64_t seed) const {
  JOULE_CHECK(n_first >= 0 && n_first <= size(), "Dataset::random_split: cannot take ", n_first,
              " of ", size(), " samples");
  std::vector<int64_t> perm(static_cast<size_t>(size()));
  std::iota(perm.begin(), perm.end(), 0);
  Generator gen(seed);
  for (size_t i = perm.size(); i > 1; --i) std::swap(perm[i - 1], perm[gen.below(i)]);
  std::vector<int64_t> a(perm.begin(), perm.begin() + n_first), b(perm.begin() + n_first, perm.end());
  return {subset(a), subset(b)};
}

void Dataset::validate(const std::string& who) const {
  JOULE_CHECK(features.defined() && labels.defined(), who, ": dataset has no features or labels");
  JOULE_CHECK(features.dtype() == DType::Float32 && features.dim() == 2, who,
              ": features must be (N, D) float32, got ", features.str());
  JOULE_CHECK(labels.dtype() == DType::Int64 && labels.dim() == 1, who,
              ": labels must be (N) int64, got ", labels.str());
  JOULE_CHECK(features.size(0) == labels.size(0), who, ": ", features.size(0), " samples but ",
              labels.size(0), " labels");
  JOULE_CHECK(sample_shape.numel() == features.size(1), who, ": sample shape ", sample_shape,
              " does not hold ", features.size(1), " features");
  Tensor lc = labels.contiguous();
  const int64_t* l = lc.data<int64_t>();
  for (int64_t i = 0; i < lc.numel(); ++i)
    JOULE_CHECK(l[i] >= 0 && l[i] < num_classes, who, ": label ", l[i], " of sample ", i,
                " is outside [0, ", num_classes, ")");
}

}  // namespace joule::data
