// GradBucketer: averages the gradients of a model's parameters over every rank, as PyTorch DDP's
// Reducer does. Parameters are grouped into buckets of about cap_bytes, in reverse registration
// order (roughly the order backward finishes them); a post-accumulate-grad hook on each parameter
// marks it ready, and a bucket whose parameters are all ready is copied into one flat buffer,
// scaled by this rank's weight and summed over ranks with a non-blocking allreduce while backward
// goes on. finish() starts what is left (parameters that got no gradient count as zeros), waits
// for every bucket and writes the sums back as the gradients. Buckets start in index order on
// every rank, so the collectives always match.
//
// The weight makes the average exact for uneven batches: a rank whose loss is the mean over its
// n_r examples of a global batch of n passes n_r / n, and the sum over ranks is the gradient of
// the mean over all n (what one process with the whole batch computes).
#pragma once

#include <cstdint>
#include <vector>

#include "joule/autograd/hooks.h"
#include "joule/core/tensor.h"
#include "joule/dist/communicator.h"

namespace joule::dist {

struct BucketOptions {
  int64_t cap_bytes = int64_t{25} << 20;  // PyTorch DDP's default bucket_cap_mb = 25
  bool overlap = true;  // start buckets from backward's hooks; false: all of them in finish()
};

// The buckets for parameters of `numels` float elements (in registration order): indices, each
// bucket in the order its parameters are expected to become ready (last registered first). A
// bucket closes before the parameter that would take it past cap_bytes; a parameter larger than
// the cap has a bucket of its own.
std::vector<std::vector<size_t>> plan_buckets(const std::vector<int64_t>& numels,
                                              int64_t cap_bytes);

class GradBucketer {
 public:
  // params: float32 tensors that require grad, the same ones in the same order on every rank.
  GradBucketer(std::vector<Tensor> params, Communicator& comm, const BucketOptions& options = {});
  GradBucketer(const GradBucketer&) = delete;
  GradBucketer& operator=(const GradBucketer&) = delete;

  // Arms the next backward: this rank's gradients are scaled by `weight` (n_r / n) before the sum.
  void begin_step(double weight);
  // Starts the buckets not yet started, waits for all, sets every parameter's gradient to the
  // weighted sum over ranks. Throws when begin_step was not called.
  void finish();

  const std::vector<std::vector<size_t>>& buckets() const { return plan_; }
  // Buckets of the last step started during backward (from hooks), not by finish().
  int64_t started_in_backward() const { return started_in_backward_; }

 private:
  struct Bucket {
    std::vector<float> flat;
    std::vector<int64_t> offsets;  // of each parameter of the bucket in flat
    int64_t pending = 0;           // parameters not yet ready this step
    bool started = false;
    Request request;
  };
  void on_ready(size_t param);
  void start_ready_buckets(bool all);
  void start(Bucket& b, size_t index);

  std::vector<Tensor> params_;
  Communicator& comm_;
  BucketOptions options_;
  std::vector<std::vector<size_t>> plan_;
  std::vector<size_t> bucket_of_;  // per parameter
  std::vector<Bucket> buckets_;
  std::vector<char> ready_;  // per parameter, this step
  std::vector<autograd::HookHandle> hooks_;
  size_t next_to_start_ = 0;
  bool armed_ = false;
  double weight_ = 1;
  int64_t started_in_backward_ = 0;
};

}  // namespace joule::dist
