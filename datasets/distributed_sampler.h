// The distributed sampler: how a global batch is shared among the ranks of a data-parallel job.
// Every rank draws the same shuffled order (from seed and epoch, as DataLoader does) and cuts the
// same global batches from it; rank r keeps the r-th contiguous slice of each. The slices
// partition the batch, sizes differ by at most one, and neither the order nor the global batch
// depends on the number of ranks: N ranks with slices of B/N step exactly as one process with B.
#pragma once

#include <cstdint>

namespace joule::data {

struct Slice {
  int64_t begin = 0;  // offset in the global batch
  int64_t count = 0;
};

// Rank `rank`'s slice of a global batch of `batch_count` samples shared by `world_size` ranks:
// the first batch_count % world_size ranks get one sample more than the others.
Slice shard_of_batch(int64_t batch_count, int64_t world_size, int64_t rank);

}  // namespace joule::data
