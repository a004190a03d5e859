#include "joule/datadiet/scoring.h"

#include <chrono>
#include <sstream>

#include "datasets/dataloader.h"
#include "joule/autograd/grad_mode.h"
#include "joule/datadiet/forgetting.h"
#include "joule/datadiet/per_example.h"
#include "joule/nn/freeze.h"
#include "joule/optim/lr_scheduler.h"
#include "joule/optim/sgd.h"
#include "joule/train/trainer.h"

namespace joule::datadiet {

namespace {

constexpr int64_t kScoreBatch = 1000;  // examples per forward pass when scoring

std::string text(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// Trains `model` on `train` for options.epochs epochs (SGD, momentum, cosine), with `extra`
// watching every step.
void train_model(nn::Sequential& model, const data::Dataset& train, const ScoreOptions& o,
                 int64_t epochs, uint64_t seed, std::shared_ptr<train::Callback> extra) {
  if (epochs == 0) return;
  optim::SGD opt(model.parameters(), {.lr = o.lr, .momentum = o.momentum});
  auto sched = std::make_shared<optim::Scheduler>(
      opt, std::make_shared<optim::CosineAnnealingLR>(epochs));
  data::DataLoader loader(train, {.batch_size = o.batch, .shuffle = true, .seed = seed});
  train::Trainer trainer(model, opt,
                         {.epochs = epochs, .progress = false, .quiet = true,
                          .device = o.device.value_or(Device::cpu())});
  trainer.set_scheduler(sched);
  if (extra) trainer.add_callback(std::move(extra));
  trainer.fit(loader);
}

// Adds `per_batch(model, x, y)` of every example of `train` into sum[i] (eval mode).
template <class PerBatch>
void accumulate(nn::Sequential& model, const data::Dataset& train, Device device,
                PerBatch per_batch, std::vector<double>& sum) {
  model.eval();
  data::DataLoader loader(train, {.batch_size = kScoreBatch, .shuffle = false});
  loader.set_epoch(0);
  for (int64_t s = 0; s < loader.num_batches(); ++s) {
    const data::Batch b = loader.batch(s);
    const Tensor x = device.is_cpu() ? b.x : b.x.to(device);
    const std::vector<float> v = per_batch(model, x, b.y);
    const std::vector<int64_t> idx = b.indices.to_vector<int64_t>();
    for (size_t k = 0; k < idx.size(); ++k) sum[static_cast<size_t>(idx[k])] += v[k];
  }
}

}  // namespace

Method parse_method(const std::string& name) {
  if (name == "el2n") return Method::EL2N;
  if (name == "grand") return Method::GraNd;
  if (name == "forgetting") return Method::Forgetting;
  if (name == "random") return Method::Random;
  JOULE_CHECK(false, "score method: expected el2n, grand, forgetting or random, got '", name,
              "'");
  return Method::Random;
}

const char* method_name(Method method) {
  switch (method) {
    case Method::EL2N: return "el2n";
    case Method::GraNd: return "grand";
    case Method::Forgetting: return "forgetting";
    case Method::Random: return "random";
  }
  return "unknown";
}

int64_t default_epochs(Method method) {
  switch (method) {
    case Method::EL2N: return 2;
    case Method::Forgetting: return 4;
    case Method::GraNd:
    case Method::Random: return 0;
  }
  return 0;
}

std::string Scores::recipe_value(const std::string& key) const {
  std::string keys;
  for (const auto& [k, v] : recipe) {
    if (k == key) return v;
    keys += (keys.empty() ? "" : ", ") + k;
  }
  JOULE_CHECK(false, "scores '", method, "': no recipe entry '", key, "' (has: ", keys, ")");
  return {};
}

std::vector<float> random_scores(int64_t n, uint64_t seed) {
  JOULE_CHECK(n >= 0, "random_scores: n must be >= 0, got ", n);
  Generator gen(seed);
  std::vector<float> out(static_cast<size_t>(n));
  for (float& v : out) v = gen.uniform01();
  return out;
}

Scores compute_scores(const data::Dataset& train, const ModelFactory& make_model,
                      const ScoreOptions& options, energy::Meter& meter) {
  train.validate("compute_scores");
  const int64_t epochs = options.epochs < 0 ? default_epochs(options.method) : options.epochs;
  const char* name = method_name(options.method);
  JOULE_CHECK(options.seeds >= 1, "compute_scores: seeds must be >= 1, got ", options.seeds);
  JOULE_CHECK(options.batch >= 1, "compute_scores: batch must be >= 1, got ", options.batch);
  JOULE_CHECK(options.epochs >= -1, "compute_scores: epochs must be >= 0 (or -1: the default), "
              "got ", options.epochs);
  JOULE_CHECK(epochs >= 1 || (options.method != Method::EL2N &&
                              options.method != Method::Forgetting),
              "compute_scores: ", name, " needs at least one training epoch, got ", epochs);
  const int64_t n = train.size();
  Scores out;
  out.method = name;
  out.recipe = {{"method", name},
                {"epochs", std::to_string(epochs)},
                {"seeds", std::to_string(options.seeds)},
                {"seed", std::to_string(options.seed)},
                {"batch", std::to_string(options.batch)},
                {"lr", text(options.lr)},
                {"momentum", text(options.momentum)},
                {"model", options.model},
                {"examples", std::to_string(n)}};
  if (options.method == Method::Random) {
    out.values = random_scores(n, options.seed);
    out.energy_source = "none";
    out.energy_kind = "none";
    return out;
  }
  const Device device = options.device.value_or(Device::cpu());
  const auto t0 = std::chrono::steady_clock::now();
  energy::EnergyWindow window(meter);
  std::vector<double> sum(static_cast<size_t>(n), 0.0);
  for (int64_t k = 0; k < options.seeds; ++k) {
    const uint64_t seed = options.seed + static_cast<uint64_t>(k);
    std::shared_ptr<nn::Sequential> model = make_model(seed);
    JOULE_CHECK(model != nullptr, "compute_scores: the model factory returned no model");
    model->to(device);
    if (options.method == Method::Forgetting) {
      auto watch = std::make_shared<ForgettingCallback>(n);
      train_model(*model, train, options, epochs, seed, watch);
      const std::vector<float> s = watch->tracker().scores();
      for (int64_t i = 0; i < n; ++i) sum[static_cast<size_t>(i)] += s[static_cast<size_t>(i)];
      continue;
    }
    train_model(*model, train, options, epochs, seed, nullptr);
    if (options.method == Method::EL2N) {
      NoGradGuard no_grad;
      accumulate(*model, train, device,
                 [](nn::Sequential& m, const Tensor& x, const Tensor& y) {
                   return el2n(m.forward(x), y);
                 }, sum);
    } else {
      nn::freeze(*model);
      accumulate(*model, train, device, grand_norms, sum);
    }
  }
  const energy::Measurement m = window.stop();
  const double divide = options.method == Method::Forgetting ? 1.0
                                                             : static_cast<double>(options.seeds);
  out.values.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    out.values[static_cast<size_t>(i)] = static_cast<float>(sum[static_cast<size_t>(i)] / divide);
  out.joules = m.total_j();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.energy_source = m.source;
  out.energy_kind = m.kind();
  return out;
}

}  // namespace joule::datadiet
