#include "joule/train/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "joule/autograd/grad_mode.h"
#include "joule/core/cuda_backend.h"
#include "joule/ops/loss.h"
#include "joule/ops/reduce.h"
#include "joule/train/progress.h"

namespace joule::train {

namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}
// labels: on the host
int64_t count_correct(const Tensor& output, const Tensor& labels) {
  Tensor pred = argmax(output);
  if (!pred.device().is_cpu()) pred = pred.to(Device::cpu());
  const int64_t* p = pred.data<int64_t>();
  const int64_t* y = labels.data<int64_t>();
  int64_t n = 0;
  for (int64_t i = 0; i < labels.numel(); ++i) n += p[i] == y[i];
  return n;
}
// The batch with x and y on `device` (the same batch on the CPU); indices stay on the host.
data::Batch on_device(const data::Batch& b, Device device) {
  if (device.is_cpu()) return b;
  return data::Batch{b.x.to(device), b.y.to(device), b.indices, b.global_size};
}
// Waits for the GPU's queued work, so that a wall-clock time covers it.
void finish_queued_work(Device device) {
  if (!device.is_cpu()) cuda_synchronize();
}
std::string fmt4(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}
}  // namespace

Trainer::Trainer(nn::Module& model, optim::Optimizer& optimizer, const TrainerOptions& options)
    : model_(model), optimizer_(optimizer), options_(options),
      loss_([](const Tensor& out, const data::Batch& b) { return cross_entropy(out, b.y); }) {
  JOULE_CHECK(options.epochs >= 0, "Trainer: epochs must be >= 0, got ", options.epochs);
}

std::ostream& Trainer::log() const { return options_.log ? *options_.log : std::cout; }

Device Trainer::device() const {
  if (options_.device) return *options_.device;
  const std::vector<Tensor> params = model_.parameters();
  return params.empty() ? Device::cpu() : params.front().device();
}

void Trainer::request_stop(const std::string& reason) {
  stop_ = true;
  stop_reason_ = reason;
}

EpochRecord Trainer::train_epoch(data::DataLoader& train, int64_t epoch) {
  model_.train();
  train.set_epoch(epoch - 1);
  const int64_t steps = train.num_batches();
  ProgressBar bar(stderr, options_.progress);
  bar.start("epoch " + std::to_string(epoch), steps);
  EpochRecord rec;
  rec.epoch = epoch;
  rec.lr = optimizer_.lr();
  double loss_sum = 0;
  int64_t correct = 0, seen = 0;
  const Device dev = device();
  const auto t0 = Clock::now();
  for (int64_t s = 0; s < steps; ++s) {
    const data::Batch host = train.batch(s);
    data::Batch b = on_device(host, dev);
    for (auto& c : callbacks_) c->on_batch_begin(*this, b);
    Tensor out = model_.forward(b.x);
    Tensor loss = loss_(out, b);
    const float l = loss.item();
    JOULE_CHECK(std::isfinite(l), "training stopped: the loss is ", l, " at epoch ", epoch,
                ", step ", s + 1, " of ", steps, " (lr=", optimizer_.lr(),
                "); lower the learning rate or check the inputs for NaN/Inf");
    Tensor out_d = out.detach();
    // counted before the backward: on a GPU this read waits only for the forward pass
    correct += count_correct(out_d, host.y);
    optimizer_.zero_grad();
    loss.backward();
    StepInfo info{epoch, s, steps, b, out_d, l};
    for (auto& c : callbacks_) c->on_after_backward(*this, info);
    optimizer_.step();
    if (scheduler_ && options_.scheduler_per_batch) scheduler_->step();
    for (auto& c : callbacks_) c->on_batch_end(*this, info);
    loss_sum += static_cast<double>(l) * static_cast<double>(b.size());
    seen += b.size();
    bar.update(s + 1, "loss=" + fmt4(loss_sum / static_cast<double>(seen)));
  }
  finish_queued_work(dev);
  rec.train_s = seconds_since(t0);
  bar.finish();
  rec.loss = seen ? loss_sum / static_cast<double>(seen) : 0.0;
  rec.train_acc = seen ? 100.0 * static_cast<double>(correct) / static_cast<double>(seen) : 0.0;
  return rec;
}

const std::vector<EpochRecord>& Trainer::fit(data::DataLoader& train, data::DataLoader* test,
                                             data::DataLoader* val) {
  stop_ = false;
  for (auto& c : callbacks_) c->on_train_begin(*this);
  for (int64_t epoch = start_epoch_; epoch <= options_.epochs && !stop_; ++epoch) {
    for (auto& c : callbacks_) c->on_epoch_begin(*this, epoch);
    EpochRecord rec = train_epoch(train, epoch);
    const auto t0 = Clock::now();
    if (val) rec.val_acc = evaluate(*val, "val").accuracy;
    if (test) {
      EvalResult ev = evaluate(*test, "test");
      rec.test_loss = ev.loss;
      rec.test_acc = ev.accuracy;
    }
    rec.eval_s = seconds_since(t0);
    if (scheduler_ && !options_.scheduler_per_batch) scheduler_->step();
    for (auto& c : callbacks_) c->on_epoch_end(*this, rec);
    history_.push_back(rec);
    if (!options_.quiet) log() << rec.line() << std::endl;
  }
  if (stop_ && !options_.quiet) log() << "stopped: " << stop_reason_ << std::endl;
  for (auto& c : callbacks_) c->on_train_end(*this);
  return history_;
}

EvalResult Trainer::evaluate(data::DataLoader& loader, const std::string& split) {
  for (auto& c : callbacks_) c->on_eval_begin(*this, split);
  const bool was_training = model_.is_training();
  model_.eval();
  NoGradGuard no_grad;
  EvalResult r;
  double loss_sum = 0;
  int64_t correct = 0;
  const Device dev = device();
  for (int64_t s = 0; s < loader.num_batches(); ++s) {
    const data::Batch host = loader.batch(s);
    data::Batch b = on_device(host, dev);
    Tensor out = model_.forward(b.x);
    loss_sum += static_cast<double>(loss_(out, b).item()) * static_cast<double>(b.size());
    correct += count_correct(out, host.y);
    r.samples += b.size();
    for (auto& c : callbacks_) c->on_eval_batch_end(*this, split, s, loader.num_batches());
  }
  model_.train(was_training);
  if (r.samples) {
    r.loss = loss_sum / static_cast<double>(r.samples);
    r.accuracy = 100.0 * static_cast<double>(correct) / static_cast<double>(r.samples);
  }
  for (auto& c : callbacks_) c->on_eval_end(*this, split, r);
  return r;
}

}  // namespace joule::train
