#include "common/recipes.h"

#include <algorithm>
#include <iostream>
#include <sstream>

#include "datasets/dataloader.h"
#include "joule/train/trainer.h"

namespace joule::examples {

namespace {
std::string text(double x) {
  std::ostringstream os;
  os << x;
  return os.str();
}
}  // namespace

Recipe fashion_cnn_recipe() {
  return {.name = "fashion_cnn",
          .model = "cnn",
          .epochs = 15,
          .batch = 64,
          .lr = 0.02,
          .momentum = 0.9,
          .weight_decay = 0,
          .expected_test_acc = 91.0};
}

Recipe fashion_mlp_recipe() {
  return {.name = "fashion_mlp",
          .model = "256,128",
          .epochs = 10,
          .batch = 128,
          .lr = 0.05,
          .momentum = 0.9,
          .weight_decay = 0,
          .expected_test_acc = 88.0};
}

void add_recipe_flags(Cli& cli, const Recipe& recipe) {
  add_recipe_flags(cli, std::to_string(recipe.epochs), std::to_string(recipe.batch),
                   text(recipe.lr), text(recipe.momentum), text(recipe.weight_decay));
}

Recipe recipe_from_flags(const Cli& cli, Recipe base) {
  base.epochs = cli.i64("epochs");
  base.batch = cli.i64("batch");
  base.lr = cli.f64("lr");
  base.momentum = cli.f64("momentum");
  base.weight_decay = cli.f64("weight-decay");
  return base;
}

Sgd make_sgd(const Recipe& recipe, std::vector<Tensor> params) {
  return make_sgd(recipe, optim::single_group(std::move(params)));
}

Sgd make_sgd(const Recipe& recipe, std::vector<optim::ParamGroup> groups) {
  Sgd s;
  s.opt = std::make_unique<optim::SGD>(
      std::move(groups),
      optim::SGDOptions{.lr = recipe.lr, .momentum = recipe.momentum,
                        .weight_decay = recipe.weight_decay});
  s.scheduler = std::make_shared<optim::Scheduler>(
      *s.opt, std::make_shared<optim::CosineAnnealingLR>(std::max<int64_t>(recipe.epochs, 1)));
  return s;
}

std::vector<std::pair<std::string, std::string>> recipe_attributes(const Recipe& recipe) {
  return {{"epochs", std::to_string(recipe.epochs)},
          {"batch", std::to_string(recipe.batch)},
          {"lr", text(recipe.lr)},
          {"momentum", text(recipe.momentum)},
          {"weight-decay", text(recipe.weight_decay)}};
}

void fit_recipe(nn::Module& model, const data::Dataset& train, const data::Dataset& test,
                const Recipe& recipe, uint64_t seed, const std::string& prefix,
                const std::function<void(train::Trainer&)>& setup) {
  Sgd sgd = make_sgd(recipe, model.parameters());
  data::DataLoader train_loader(train, {.batch_size = recipe.batch, .shuffle = true, .seed = seed});
  data::DataLoader test_loader(test, {.batch_size = 1000, .shuffle = false});
  std::ostringstream log;  // the trainer's own lines: the caller prints its short ones
  train::Trainer trainer(model, *sgd.opt,
                         {.epochs = recipe.epochs, .progress = false, .log = &log});
  trainer.set_scheduler(sgd.scheduler);
  if (setup) setup(trainer);
  for (const auto& e : trainer.fit(train_loader, &test_loader)) {
    std::cout << prefix << " epoch=" << e.epoch << " test_acc=" << e.test_acc;
    for (const auto& [k, v] : e.extra)
      if (k == "sparsity") std::cout << " sparsity=" << v;
    std::cout << std::endl;
  }
}

data::Dataset first_examples(const data::Dataset& d, int64_t n) {
  return n > 0 && n < d.size() ? d.slice(0, n) : d;
}

}  // namespace joule::examples
