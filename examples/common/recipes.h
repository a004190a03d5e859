// The training recipes of the Fashion-MNIST examples, each written down once: fashion_cnn's
// (which distill also uses for its teacher and transfer for its pretraining) and fashion_mlp's.
// A recipe is the model it trains (cnn.h, mlp.h), SGD with momentum, a cosine learning rate
// decaying to 0 over the epochs, the batch size and the epochs; the flags of
// add_recipe_flags() override its numbers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/cli.h"
#include "datasets/dataset.h"
#include "joule/nn/module.h"
#include "joule/optim/lr_scheduler.h"
#include "joule/optim/sgd.h"

namespace joule::train {
class Trainer;
}

namespace joule::examples {

struct Recipe {
  std::string name;  // "fashion_cnn": the example that trains it
  std::string model;  // "cnn" (make_cnn with default options) or the MLP's widths "256,128"
  int64_t epochs = 0;
  int64_t batch = 0;
  double lr = 0;  // initial; cosine decay to 0 over `epochs`
  double momentum = 0;
  double weight_decay = 0;
  // The test accuracy in percent the recipe reaches on Fashion-MNIST with its defaults (seed 1):
  // the bar a teacher trained with it should clear.
  double expected_test_acc = 0;
};

// CNN (cnn.h, no BatchNorm, no Dropout), 15 epochs, batch 64, lr 0.02, momentum 0.9: ~91%.
Recipe fashion_cnn_recipe();
// MLP 784-256-128-10 (mlp.h), 10 epochs, batch 128, lr 0.05, momentum 0.9: ~88%.
Recipe fashion_mlp_recipe();

// --epochs --batch --lr --momentum --weight-decay with the recipe's values as defaults, and the
// other flags add_recipe_flags(cli, ...) declares (--seed --threads --data --no-progress).
void add_recipe_flags(Cli& cli, const Recipe& recipe);
// `base` with the numbers the flags of add_recipe_flags set.
Recipe recipe_from_flags(const Cli& cli, Recipe base);

// The recipe's optimizer and schedule over `params` (or parameter groups).
struct Sgd {
  std::unique_ptr<optim::SGD> opt;
  std::shared_ptr<optim::Scheduler> scheduler;  // cosine to 0 over recipe.epochs
};
Sgd make_sgd(const Recipe& recipe, std::vector<Tensor> params);
Sgd make_sgd(const Recipe& recipe, std::vector<optim::ParamGroup> groups);

// Trains `model` on `train` with the recipe's SGD and cosine schedule over `recipe.epochs`
// (shuffled with `seed`), evaluating on `test` after each epoch, and prints one line per epoch:
// `<prefix> epoch= test_acc=` (and `sparsity=` when a pruning callback reports it). `setup`
// (may be empty) adds callbacks to the Trainer before it trains.
void fit_recipe(nn::Module& model, const data::Dataset& train, const data::Dataset& test,
                const Recipe& recipe, uint64_t seed, const std::string& prefix,
                const std::function<void(train::Trainer&)>& setup = nullptr);

// The first `n` examples of `d` when 0 < n < its size, else `d` itself (--train-samples and
// --test-samples).
data::Dataset first_examples(const data::Dataset& d, int64_t n);

// The recipe as checkpoint attributes: epochs, batch, lr, momentum, weight-decay.
std::vector<std::pair<std::string, std::string>> recipe_attributes(const Recipe& recipe);

}  // namespace joule::examples
