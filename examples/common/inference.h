// Inference measurements the examples and benchmarks share (quantize, deploy, bench/inference):
// test accuracy, batch-1 latency (median and p99), batch-256 throughput (median of timed runs
// after a warm-up) and joules per 1,000 predictions over the test set.
#pragma once

#include <string>

#include "datasets/dataset.h"
#include "joule/energy/meter.h"
#include "joule/nn/module.h"

namespace joule::examples {

// Top-1 accuracy in percent of `model` (put in eval mode) on `test`, batches of 1000.
double test_accuracy(nn::Module& model, const data::Dataset& test);

// Seconds of each of `runs` timed forwards of `x` after `warmup` untimed ones.
std::vector<double> time_forwards(nn::Module& model, const Tensor& x, int warmup, int runs);

// The p-th quantile (0..1) of `v` (nearest rank).
double quantile(std::vector<double> v, double p);

struct InferenceStats {
  double test_acc = 0;          // percent
  double latency_ms_b1 = 0;     // median of the batch-1 runs
  double latency_p99_ms_b1 = 0; // 99th percentile of the batch-1 runs
  double images_per_s_b256 = 0; // 256 / median seconds of the batch-256 runs
  double j_per_1k = 0;          // joules per 1,000 predictions over the test set, twice
};

// Measures `model` (put in eval mode, no gradients): `runs` timed batch-256 forwards and ten
// times as many batch-1 ones, then the whole test set twice in batches of 256 inside an energy
// window of `meter`.
InferenceStats measure_inference(nn::Module& model, const data::Dataset& test,
                                 energy::Meter& meter, int runs);

}  // namespace joule::examples
