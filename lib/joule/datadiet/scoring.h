// Scoring every training example for data pruning, with the Trainer, metered: what the scores
// cost is part of the bill (total joules = scoring + training on the kept examples).
//
//   el2n        train `epochs` epochs (default 2), then ||softmax(f(x)) - onehot(y)||_2 of every
//               example in eval mode; the mean over `seeds` models (Paul et al., 2021)
//   grand       the per-example gradient norm over the Linear layers' parameters, after `epochs`
//               epochs (default 0: at initialisation, no training); the mean over `seeds` models
//   forgetting  forgetting events counted over a run of `epochs` epochs (default 4), summed over
//               `seeds` runs (Toneva et al., 2019; see forgetting.h)
//   random      uniform random scores from `seed`: the baseline; costs nothing and is not metered
//
// Every model comes from the factory, seeded seed, seed+1, ...; a small proxy model (a narrow
// MLP, say) scores for a fraction of the cost of the model that will be trained. Training uses
// SGD with momentum and a cosine learning rate over the scoring epochs. Layer order: this room
// sits above train/ (it drives the Trainer) and below the examples.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "datasets/dataset.h"
#include "joule/energy/meter.h"
#include "joule/nn/sequential.h"

namespace joule::datadiet {

enum class Method { EL2N, GraNd, Forgetting, Random };

// "el2n", "grand", "forgetting" or "random"; throws joule::Error naming the value otherwise.
Method parse_method(const std::string& name);
const char* method_name(Method method);
// The default `epochs` of each method (above).
int64_t default_epochs(Method method);

// A fresh model initialised from `seed`.
using ModelFactory = std::function<std::shared_ptr<nn::Sequential>(uint64_t seed)>;

struct ScoreOptions {
  Method method = Method::EL2N;
  int64_t epochs = -1;  // -1: default_epochs(method)
  int64_t seeds = 1;    // models averaged (el2n, grand) or runs summed (forgetting)
  uint64_t seed = 1;
  int64_t batch = 128;
  double lr = 0.05;
  double momentum = 0.9;
  std::string model = "";  // what the factory builds, for the recipe ("mlp 784-64-10")
  std::optional<Device> device = std::nullopt;  // where the models run (unset: the CPU)
};

struct Scores {
  std::string method;          // method_name()
  std::vector<float> values;   // one per training example; higher means harder
  double joules = 0;           // what computing them cost (0 for random)
  double seconds = 0;          // wall time of the scoring
  std::string energy_source;   // the meter's source ("estimate", "rapl"); "none" for random
  std::string energy_kind;     // "measured" or "estimated"
  // The recipe, saved with the scores as attributes: method, epochs, seeds, seed, batch, lr,
  // momentum, model, examples.
  std::vector<std::pair<std::string, std::string>> recipe;

  // The recipe's value for `key`; throws naming the key and the keys present when missing.
  std::string recipe_value(const std::string& key) const;
};

// Scores every example of `train` (validated first). Throws joule::Error on bad options (seeds
// or batch < 1, epochs < 0 after defaulting, a method that needs training with epochs 0).
Scores compute_scores(const data::Dataset& train, const ModelFactory& make_model,
                      const ScoreOptions& options, energy::Meter& meter);

// The random baseline alone: n uniform values in [0, 1) from `seed`.
std::vector<float> random_scores(int64_t n, uint64_t seed);

}  // namespace joule::datadiet
