#include "common/inference.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "datasets/dataloader.h"
#include "joule/autograd/grad_mode.h"
#include "joule/core/check.h"
#include "joule/ops/reduce.h"

namespace joule::examples {

double test_accuracy(nn::Module& model, const data::Dataset& test) {
  NoGradGuard no_grad;
  model.eval();
  data::DataLoader loader(test, {.batch_size = 1000, .shuffle = false});
  int64_t right = 0;
  for (int64_t b = 0; b < loader.num_batches(); ++b) {
    const data::Batch batch = loader.batch(b);
    const auto pred = argmax(model.forward(batch.x)).to_vector<int64_t>();
    const auto want = batch.y.to_vector<int64_t>();
    for (size_t i = 0; i < pred.size(); ++i) right += pred[i] == want[i];
  }
  return 100.0 * static_cast<double>(right) / static_cast<double>(test.size());
}

std::vector<double> time_forwards(nn::Module& model, const Tensor& x, int warmup, int runs) {
  NoGradGuard no_grad;
  for (int i = 0; i < warmup; ++i) model.forward(x);
  std::vector<double> s;
  s.reserve(static_cast<size_t>(runs));
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    model.forward(x);
    s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return s;
}

double quantile(std::vector<double> v, double p) {
  JOULE_CHECK(!v.empty(), "quantile of no values");
  JOULE_CHECK(p >= 0 && p <= 1, "quantile must be in [0, 1], got ", p);
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

InferenceStats measure_inference(nn::Module& model, const data::Dataset& test,
                                 energy::Meter& meter, int runs) {
  JOULE_CHECK(test.size() >= 256, "measure_inference: the test set must hold at least 256 "
              "images (one timed batch of 256), got ", test.size());
  JOULE_CHECK(runs >= 1, "measure_inference: runs must be >= 1, got ", runs);
  InferenceStats s;
  s.test_acc = test_accuracy(model, test);
  const Tensor one = test.features.slice_rows(0, 1).clone();
  const Tensor batch = test.features.slice_rows(0, 256).clone();
  const std::vector<double> b1 = time_forwards(model, one, 20, 10 * runs);
  s.latency_ms_b1 = 1e3 * quantile(b1, 0.5);
  s.latency_p99_ms_b1 = 1e3 * quantile(b1, 0.99);
  s.images_per_s_b256 = 256.0 / quantile(time_forwards(model, batch, 3, runs), 0.5);
  NoGradGuard no_grad;
  int64_t images = 0;
  energy::EnergyWindow window(meter);
  for (int rep = 0; rep < 2; ++rep)
    for (int64_t b = 0; b + 256 <= test.size(); b += 256) {
      model.forward(test.features.slice_rows(b, b + 256));
      images += 256;
    }
  s.j_per_1k = window.stop().total_j() / static_cast<double>(images) * 1000.0;
  return s;
}

}  // namespace joule::examples
