#include "joule/dist/data_parallel.h"

#include "joule/dist/state_sync.h"

namespace joule::dist {

double weighted_mean(Communicator& comm, double value, double samples) {
  double sums[2] = {value * samples, samples};
  comm.allreduce_sum(sums, 2);
  return sums[1] > 0 ? sums[0] / sums[1] : -1.0;
}

DataParallel::DataParallel(Communicator& comm, const DataParallelOptions& options)
    : comm_(comm), options_(options) {}

void DataParallel::on_train_begin(train::Trainer& t) {
  if (comm_.size() == 1) return;
  broadcast_state(comm_, t.model(), &t.optimizer());
  std::vector<Tensor> params;
  for (const auto& g : t.optimizer().param_groups())
    for (const Tensor& p : g.params)
      if (p.requires_grad()) params.push_back(p);
  bucketer_ = std::make_unique<GradBucketer>(std::move(params), comm_, options_.buckets);
  patterns_ = has_patterns(t.model());
}

void DataParallel::on_epoch_begin(train::Trainer&, int64_t) {
  train_samples_ = 0;
  evals_.clear();
}

void DataParallel::sync_patterns(train::Trainer& t) {
  if (!patterns_) return;
  const std::vector<uint64_t> all = comm_.allgather(pattern_fingerprint(t.model()));
  for (uint64_t h : all)
    if (h != all[0]) {
      broadcast_state(comm_, t.model(), &t.optimizer());
      ++pattern_syncs_;
      return;
    }
}

void DataParallel::on_batch_begin(train::Trainer& t, const data::Batch& batch) {
  if (comm_.size() == 1) return;
  JOULE_CHECK(batch.global_size > 0, "DataParallel: the training batch is not a rank's slice "
              "(global_size unset): give the training DataLoader world_size=", comm_.size(),
              " and this rank (", comm_.rank(), ")");
  sync_patterns(t);
  bucketer_->begin_step(static_cast<double>(batch.size()) /
                        static_cast<double>(batch.global_size));
}

void DataParallel::on_after_backward(train::Trainer&, const train::StepInfo& info) {
  train_samples_ += static_cast<double>(info.batch.size());
  if (!bucketer_) return;
  buckets_overlapped_ += bucketer_->started_in_backward();
  buckets_reduced_ += static_cast<int64_t>(bucketer_->buckets().size());
  bucketer_->finish();
}

void DataParallel::on_eval_begin(train::Trainer& t, const std::string&) {
  if (comm_.size() > 1) sync_patterns(t);
}

void DataParallel::on_eval_end(train::Trainer&, const std::string& split,
                               const train::EvalResult& r) {
  evals_[split] = Eval{static_cast<double>(r.samples), r.loss, r.accuracy};
}

void DataParallel::on_epoch_end(train::Trainer&, train::EpochRecord& rec) {
  if (comm_.size() == 1) return;
  rec.loss = weighted_mean(comm_, rec.loss, train_samples_);
  rec.train_acc = weighted_mean(comm_, rec.train_acc, train_samples_);
  // Every rank evaluates the same splits in the same order (map order), so the calls match.
  for (const auto& [split, e] : evals_) {
    const double acc = weighted_mean(comm_, e.accuracy, e.samples);
    const double loss = weighted_mean(comm_, e.loss, e.samples);
    if (split == "val") rec.val_acc = acc;
    if (split == "test") {
      rec.test_acc = acc;
      rec.test_loss = loss;
    }
  }
}

void DataParallel::on_train_end(train::Trainer&) { bucketer_.reset(); }

}  // namespace joule::dist
