#include "datasets/distributed_sampler.h"

#include <algorithm>

#include "joule/core/check.h"

namespace joule::data {

Slice shard_of_batch(int64_t batch_count, int64_t world_size, int64_t rank) {
  JOULE_CHECK(world_size >= 1 && rank >= 0 && rank < world_size, "shard_of_batch: rank ", rank,
              " is not within a world of ", world_size, " ranks");
  JOULE_CHECK(batch_count >= 0, "shard_of_batch: batch_count must be >= 0, got ", batch_count);
  const int64_t base = batch_count / world_size, extra = batch_count % world_size;
  return Slice{rank * base + std::min(rank, extra), base + (rank < extra ? 1 : 0)};
}

}  // namespace joule::data
