#include "joule/dist/bucketer.h"

#include <algorithm>
#include <cstring>

namespace joule::dist {

std::vector<std::vector<size_t>> plan_buckets(const std::vector<int64_t>& numels,
                                              int64_t cap_bytes) {
  JOULE_CHECK(cap_bytes > 0, "plan_buckets: cap_bytes must be > 0, got ", cap_bytes);
  std::vector<std::vector<size_t>> plan;
  std::vector<size_t> bucket;
  int64_t bytes = 0;
  for (size_t k = numels.size(); k-- > 0;) {
    const int64_t b = numels[k] * static_cast<int64_t>(sizeof(float));
    if (!bucket.empty() && bytes + b > cap_bytes) {
      plan.push_back(std::move(bucket));
      bucket.clear();
      bytes = 0;
    }
    bucket.push_back(k);
    bytes += b;
  }
  if (!bucket.empty()) plan.push_back(std::move(bucket));
  return plan;
}

GradBucketer::GradBucketer(std::vector<Tensor> params, Communicator& comm,
                           const BucketOptions& options)
    : params_(std::move(params)), comm_(comm), options_(options) {
  std::vector<int64_t> numels;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i];
    JOULE_CHECK(p.defined() && p.requires_grad() && p.dtype() == DType::Float32,
                "GradBucketer: parameter ", i, " must be a float32 tensor that requires grad");
    numels.push_back(p.numel());
  }
  plan_ = plan_buckets(numels, options_.cap_bytes);
  bucket_of_.assign(params_.size(), 0);
  buckets_.resize(plan_.size());
  for (size_t b = 0; b < plan_.size(); ++b) {
    int64_t at = 0;
    for (size_t i : plan_[b]) {
      bucket_of_[i] = b;
      buckets_[b].offsets.push_back(at);
      at += numels[i];
    }
    buckets_[b].flat.assign(static_cast<size_t>(at), 0.0f);
  }
  ready_.assign(params_.size(), 0);
  if (options_.overlap && comm_.size() > 1)
    for (size_t i = 0; i < params_.size(); ++i)
      hooks_.push_back(autograd::register_post_accumulate_grad_hook(
          params_[i], [this, i](const Tensor&) { on_ready(i); }));
}

void GradBucketer::begin_step(double weight) {
  JOULE_CHECK(weight >= 0 && weight <= 1, "GradBucketer: a rank's weight n_r/n must be in [0, 1], "
              "got ", weight);
  for (auto& b : buckets_) {
    b.request.wait();
    b.started = false;
    b.pending = static_cast<int64_t>(b.offsets.size());
  }
  std::fill(ready_.begin(), ready_.end(), 0);
  next_to_start_ = 0;
  started_in_backward_ = 0;
  weight_ = weight;
  armed_ = true;
}

void GradBucketer::on_ready(size_t param) {
  if (!armed_) return;  // a backward outside a training step (not ours to reduce)
  JOULE_CHECK(!ready_[param], "GradBucketer: parameter ", param, " received its gradient twice "
              "in one step (two backward passes per step are not supported in data-parallel "
              "training)");
  ready_[param] = 1;
  --buckets_[bucket_of_[param]].pending;
  start_ready_buckets(false);
  // Gives MPI a chance to progress the buckets already under way.
  for (size_t b = 0; b < next_to_start_; ++b) buckets_[b].request.test();
}

void GradBucketer::start_ready_buckets(bool all) {
  while (next_to_start_ < buckets_.size() && (all || buckets_[next_to_start_].pending == 0)) {
    start(buckets_[next_to_start_], next_to_start_);
    if (!all) ++started_in_backward_;
    ++next_to_start_;
  }
}

void GradBucketer::start(Bucket& b, size_t index) {
  const float w = static_cast<float>(weight_);
  const std::vector<size_t>& members = plan_[index];
  for (size_t k = 0; k < members.size(); ++k) {
    Tensor g = params_[members[k]].grad();
    float* dst = b.flat.data() + b.offsets[k];
    const int64_t n = params_[members[k]].numel();
    if (!g.defined()) {
      std::fill(dst, dst + n, 0.0f);
      continue;
    }
    if (!g.device().is_cpu()) g = g.to(Device::cpu());
    g = g.contiguous();
    const float* src = g.data<float>();
    for (int64_t j = 0; j < n; ++j) dst[j] = src[j] * w;
  }
  b.request = comm_.iallreduce_sum(b.flat.data(), static_cast<int64_t>(b.flat.size()));
  b.started = true;
}

void GradBucketer::finish() {
  JOULE_CHECK(armed_, "GradBucketer::finish: no step was begun (call begin_step before backward)");
  armed_ = false;
  start_ready_buckets(true);
  for (size_t b = 0; b < buckets_.size(); ++b) {
    Bucket& bucket = buckets_[b];
    bucket.request.wait();
    for (size_t k = 0; k < plan_[b].size(); ++k) {
      Tensor& p = params_[plan_[b][k]];
      const Tensor sum = Tensor::from_data(bucket.flat.data() + bucket.offsets[k], p.shape());
      Tensor g = p.grad();
      if (g.defined() && g.device().is_cpu() && g.is_contiguous() && g.shape() == p.shape()) {
        std::memcpy(g.data<float>(), sum.data<float>(), static_cast<size_t>(p.numel()) * 4);
      } else if (g.defined() && g.shape() == p.shape()) {
        g.copy_(sum.to(g.device()));
      } else {
        p.impl().grad = (p.device().is_cpu() ? sum : sum.to(p.device())).impl_ptr();
      }
    }
  }
}

}  // namespace joule::dist
