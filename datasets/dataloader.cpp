#include "datasets/dataloader.h"

#include <cstring>
#include <numeric>

#include "datasets/distributed_sampler.h"

namespace joule::data {

DataLoader::DataLoader(Dataset dataset, const LoaderOptions& options)
    : dataset_(std::move(dataset)), options_(options) {
  dataset_.validate("DataLoader");
  JOULE_CHECK(options.batch_size > 0, "DataLoader: batch_size must be positive, got ",
              options.batch_size);
  JOULE_CHECK(options.world_size >= 1 && options.rank >= 0 && options.rank < options.world_size,
              "DataLoader: rank ", options.rank, " is not within a world of ", options.world_size,
              " ranks");
  if (options.world_size > 1) {
    const int64_t n = dataset_.size(), b = options.batch_size;
    const int64_t smallest = (options.drop_last || n % b == 0 || n < b) ? std::min(n, b) : n % b;
    JOULE_CHECK(smallest >= options.world_size, "DataLoader: a batch of ", smallest,
                " samples (batch_size=", b, ", ", n, " samples) cannot be shared by ",
                options.world_size, " ranks: every rank needs at least one; use drop_last or "
                "another batch size");
  }
  dataset_.features = dataset_.features.contiguous();
  dataset_.labels = dataset_.labels.contiguous();
  set_epoch(0);
}

void DataLoader::set_epoch(int64_t epoch) {
  order_.resize(static_cast<size_t>(dataset_.size()));
  std::iota(order_.begin(), order_.end(), 0);
  if (!options_.shuffle) return;
  Generator gen(options_.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(epoch));
  for (size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[gen.below(i)]);
}

int64_t DataLoader::num_batches() const {
  const int64_t n = dataset_.size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

Batch DataLoader::batch(int64_t i) const {
  JOULE_CHECK(i >= 0 && i < num_batches(), "DataLoader::batch: index ", i, " is outside [0, ",
              num_batches(), ")");
  const int64_t global_begin = i * options_.batch_size;
  const int64_t global_count = std::min(options_.batch_size, dataset_.size() - global_begin);
  const Slice mine = shard_of_batch(global_count, options_.world_size, options_.rank);
  const int64_t begin = global_begin + mine.begin;
  const int64_t B = mine.count;
  const int64_t D = dataset_.feature_dim();
  Batch b{Tensor::empty(Shape{B, D}), Tensor::empty(Shape{B}, DType::Int64),
          Tensor::empty(Shape{B}, DType::Int64),
          options_.world_size > 1 ? global_count : -1};
  const float* src = dataset_.features.data<float>();
  const int64_t* lab = dataset_.labels.data<int64_t>();
  float* x = b.x.data<float>();
  int64_t* y = b.y.data<int64_t>();
  int64_t* idx = b.indices.data<int64_t>();
  for (int64_t r = 0; r < B; ++r) {
    const int64_t j = order_[static_cast<size_t>(begin + r)];
    std::memcpy(x + r * D, src + j * D, static_cast<size_t>(D) * sizeof(float));
    y[r] = lab[j];
    idx[r] = j;
  }
  return b;
}

}  // namespace joule::data
