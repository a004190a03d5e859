// Energy-aware stopping on Fashion-MNIST: the MLP recipe of fashion_mlp with an epoch budget
// (30 by default, cosine learning rate over the budget) and the marginal-accuracy-per-joule rule
// on. A validation split held out from the training set drives the rule; the test set is only
// reported. With --compare-full it also trains the full budget (fashion_mlp's recipe) and prints
// the energy saved and the accuracy given up.
#include <chrono>
#include <iostream>

#include "common/cli.h"
#include "common/metering.h"
#include "common/mlp.h"
#include "common/recipes.h"
#include "datasets/fashion_mnist.h"
#include "joule/joule.h"
#include "joule/train/stopping.h"

using namespace joule;

namespace {

struct RunResult {
  std::vector<train::EpochRecord> history;
  double joules = 0;
  double final_test_acc = 0;  // of the weights the run ends with (restored best, with the rule)
};

}  // namespace

int main(int argc, char** argv) {
  examples::Cli cli("energy_aware_stop",
                    "Train the Fashion-MNIST MLP until the accuracy gained per joule no longer pays.");
  examples::Recipe recipe = examples::fashion_mlp_recipe();
  recipe.epochs = 30;  // the budget the rule stops inside
  examples::add_recipe_flags(cli, recipe);
  cli.list_flag("hidden", recipe.model, "hidden layer widths, comma-separated")
      .int_flag("val", "5000", "training samples held out for validation (the rule reads these)",
                {.min = 1, .max = 59999})
      .int_flag("window", "2", "rule: epochs the marginal gain is measured over", {.min = 1})
      .real_flag("min-rate-fraction", "0.1",
                 "rule: stop below this fraction of the best gain per joule", {.min = 0, .max = 1})
      .real_flag("min-rate", "0", "rule: also stop below this many accuracy points per kJ",
                 {.min = 0, .note = "0 = off"})
      .int_flag("patience", "1", "rule: epochs below the threshold before deciding", {.min = 1})
      .int_flag("min-epochs", "4", "rule: never decide before this epoch", {.min = 1})
      .int_flag("landing", "5", "rule: epochs of learning-rate annealing before stopping",
                {.min = 0})
      .toggle("compare-full", "also train the full budget and report the energy saved");
  examples::add_metering_flags(cli, "runs");
  cli.parse_or_exit(argc, argv);
  try {
    const int threads = examples::set_threads(cli.i64("threads"));
    const int64_t budget = cli.i64("epochs");
    const uint64_t seed = static_cast<uint64_t>(cli.i64("seed"));
    data::Dataset full_train = data::load_fashion_mnist(data::Split::Train, cli.str("data"));
    data::Dataset test = data::load_fashion_mnist(data::Split::Test, cli.str("data"));
    auto [val, train] = full_train.random_split(cli.i64("val"), seed);
    data::DataLoader test_loader(test, {.batch_size = 1000, .shuffle = false});
    examples::Metering metering = examples::start_metering(cli, std::cout);

    // One run of the recipe on `train_set`; with a rule when `stop` is given.
    auto run = [&](const data::Dataset& train_set, data::DataLoader* val_loader,
                   std::shared_ptr<train::EnergyAwareStop> stop, examples::Metering& m,
                   const std::string& name) {
      report::RunInfo info = examples::new_run_info("examples/energy_aware_stop");
      Generator gen(seed);
      std::string arch;
      auto model = examples::make_mlp(train_set.feature_dim(), cli.i64_list("hidden"),
                                      train_set.num_classes, gen, &arch);
      optim::SGD opt(model->parameters(), {.lr = cli.f64("lr"), .momentum = cli.f64("momentum"),
                                           .weight_decay = cli.f64("weight-decay")});
      const int64_t batch = examples::batch_size(cli, train_set.size(), std::cerr);
      data::DataLoader loader(train_set, {.batch_size = batch, .shuffle = true,
                                          .seed = seed});
      std::cout << "run=" << name << " model=" << arch << " train_samples=" << train_set.size()
                << " val_samples=" << (val_loader ? val_loader->dataset().size() : 0)
                << " budget_epochs=" << budget << " threads=" << threads << std::endl;
      m.callback = std::make_shared<train::MeteringCallback>(*m.meter, m.carbon);
      train::Trainer trainer(*model, opt, {.epochs = budget, .progress = !cli.on("no-progress")});
      trainer.set_scheduler(std::make_shared<optim::Scheduler>(
          opt, std::make_shared<optim::CosineAnnealingLR>(std::max<int64_t>(budget, 1))));
      examples::add_metering(trainer, m);
      if (stop) trainer.add_callback(stop);
      RunResult r;
      r.history = trainer.fit(loader, &test_loader, val_loader);
      r.joules = m.callback->cumulative_joules();
      r.final_test_acc = trainer.evaluate(test_loader).accuracy;
      for (const char* k : {"epochs", "batch", "lr", "momentum", "seed", "hidden", "val", "window",
                            "min-rate-fraction", "patience", "min-epochs", "landing"})
        info.params.emplace_back(k, cli.str(k));
      std::vector<std::pair<double, double>> forecast;
      if (stop && stop->fit().ok) {
        const double j0 = r.history.back().cumulative_joules, j1 = stop->forecast_budget_joules();
        for (int i = 0; i <= 20; ++i) {
          const double j = j0 + (j1 - j0) * i / 20.0;
          forecast.emplace_back(j, stop->fit().at(j));
        }
      }
      if (stop) {  // the stopping rule's decision point and its forecast, for joule_report
        info.tags.emplace_back("joule.stop.decided_epoch", std::to_string(stop->decided_epoch()));
        info.tags.emplace_back("joule.stop.stopped_epoch", std::to_string(stop->stopped_epoch()));
        info.tags.emplace_back("joule.stop.best_epoch", std::to_string(stop->best_epoch()));
        if (stop->fit().ok) {
          info.tags.emplace_back("joule.stop.forecast_budget_joules",
                                 std::to_string(stop->forecast_budget_joules()));
          info.tags.emplace_back("joule.stop.forecast_val_acc_at_budget",
                                 std::to_string(stop->forecast_acc_at_budget()));
        }
      }
      examples::write_outputs(m, info, name, stop ? stop->stopped_epoch() - 1 : -1, forecast,
                              std::cout);
      return r;
    };

    train::StopRuleOptions rule{.window = cli.i64("window"),
                                .min_rate = cli.f64("min-rate") / 1000.0,
                                .min_rate_fraction = cli.f64("min-rate-fraction"),
                                .patience = cli.i64("patience"),
                                .min_epochs = cli.i64("min-epochs"),
                                .landing_epochs = cli.i64("landing")};
    auto stop = std::make_shared<train::EnergyAwareStop>(rule, budget);
    data::DataLoader val_loader(val, {.batch_size = 1000, .shuffle = false});
    RunResult ruled = run(train, &val_loader, stop, metering, "energy_aware_stop");

    const int64_t stopped = stop->stopped_epoch() ? stop->stopped_epoch()
                                                  : static_cast<int64_t>(ruled.history.size());
    if (stop->decided_epoch())
      std::cout << "stop_decided_epoch=" << stop->decided_epoch() << " stopped_epoch=" << stopped
                << " why=\"" << stop->reason() << "\"" << std::endl;
    else
      std::cout << "stop: the rule never fired; trained the whole budget" << std::endl;
    if (stop->fit().ok)
      std::cout << "forecast curve=\"acc(J) = " << stop->fit().a << " - " << stop->fit().b
                << " exp(-J / " << stop->fit().c << ")\" fit_rmse=" << stop->fit().rmse
                << " forecast_val_acc_at_budget=" << stop->forecast_acc_at_budget()
                << " forecast_gain=" << stop->forecast_acc_at_budget() - stop->rule().best_accuracy()
                << " forecast_budget_joules=" << stop->forecast_budget_joules()
                << " forecast_extra_joules=" << stop->forecast_budget_joules() - ruled.joules
                << std::endl;
    std::cout << "stopped_epoch=" << stopped << " best_epoch=" << stop->best_epoch()
              << " best_test_acc=" << ruled.final_test_acc << " joules=" << ruled.joules
              << " budget_epochs=" << budget << " energy_source=" << metering.meter->source()
              << " energy=" << metering.meter->kind()
              << std::endl;

    if (cli.on("compare-full")) {
      RunResult full = run(full_train, nullptr, nullptr, metering, "full_budget");
      double best = 0;
      for (const auto& r : full.history) best = std::max(best, r.test_acc);
      std::cout << "full_best_test_acc=" << best << " full_joules=" << full.joules
                << " energy_saved_pct=" << 100.0 * (1.0 - ruled.joules / full.joules)
                << " acc_given_up=" << best - ruled.final_test_acc
                << " energy_source=" << metering.meter->source()
                << " energy=" << metering.meter->kind()
                << std::endl;
    }
  } catch (const Error& e) {
    std::cerr << "energy_aware_stop: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
