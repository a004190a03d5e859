// Fashion-MNIST with an MLP (784-256-128-10 by default): SGD with momentum and a cosine learning
// rate, one key=value line per epoch with its energy.
#include <chrono>
#include <iostream>

#include "common/cli.h"
#include "common/distributed.h"
#include "common/export.h"
#include "common/metering.h"
#include "common/mlp.h"
#include "common/recipes.h"
#include "datasets/fashion_mnist.h"
#include "joule/joule.h"

using namespace joule;

int main(int argc, char** argv) {
  examples::Cli cli("fashion_mlp", "Train an MLP on Fashion-MNIST; one key=value line per epoch.");
  const examples::Recipe base = examples::fashion_mlp_recipe();
  examples::add_recipe_flags(cli, base);
  cli.list_flag("hidden", base.model, "hidden layer widths, comma-separated");
  examples::add_device_flag(cli);
  examples::add_metering_flags(cli, "runs");
  examples::add_export_flag(cli);
  cli.parse_or_exit(argc, argv);
  examples::Distributed dist("fashion_mlp");  // mpirun -np N: one rank of N (docs/distributed.md)
  try {
    report::RunInfo info = examples::new_run_info("examples/fashion_mlp");
    const int threads = examples::set_threads(cli.i64("threads"));
    const Device device = examples::device_from_flags(cli);
    data::Dataset train = data::load_fashion_mnist(data::Split::Train, cli.str("data"));
    data::Dataset test = data::load_fashion_mnist(data::Split::Test, cli.str("data"));

    Generator gen(static_cast<uint64_t>(cli.i64("seed")));
    std::string arch;
    auto model = examples::make_mlp(train.feature_dim(), cli.i64_list("hidden"),
                                    train.num_classes, gen, &arch);
    model->to(device);
    examples::Recipe recipe = examples::recipe_from_flags(cli, base);
    recipe.batch = examples::batch_size(cli, train.size(), std::cerr);
    examples::Sgd sgd = examples::make_sgd(recipe, model->parameters());
    optim::SGD& opt = *sgd.opt;
    auto sched = sgd.scheduler;
    const int64_t epochs = recipe.epochs;

    data::DataLoader train_loader(
        train, dist.shard({.batch_size = recipe.batch, .shuffle = true,
                           .seed = static_cast<uint64_t>(cli.i64("seed"))}));
    data::DataLoader test_loader(test, dist.shard({.batch_size = 1000, .shuffle = false}));

    std::cout << "model=" << arch << " params=" << model->num_parameters()
              << " train_samples=" << train.size() << " test_samples=" << test.size()
              << " batch=" << recipe.batch << " threads=" << threads << " blas="
              << examples::blas_name(device) << " " << examples::device_fields(device) << " "
              << dist.fields() << std::endl;
    examples::Metering metering = examples::start_metering(cli, std::cout, device);
    train::Trainer trainer(*model, opt,
                           {.epochs = epochs,
                            .progress = !cli.on("no-progress") && dist.is_root(),
                            .device = device});
    trainer.set_scheduler(sched);
    dist.add_callbacks(trainer, metering);
    const auto& history = trainer.fit(train_loader, &test_loader);
    double total_s = 0;
    for (const auto& r : history) total_s += r.train_s;
    if (!history.empty())
      std::cout << "done epochs=" << history.size() << " test_acc=" << history.back().test_acc
                << " total_train_s=" << total_s
                << " joules=" << metering.callback->cumulative_joules()
                << " energy_source=" << metering.meter->source()
                << " energy=" << metering.meter->kind()
                << std::endl;
    for (const char* k : {"epochs", "batch", "lr", "momentum", "weight-decay", "seed", "hidden"})
      info.params.emplace_back(k, cli.str(k));
    info.params.emplace_back("threads", std::to_string(threads));
    info.params.emplace_back("device", device.str());
    info.params.emplace_back("world_size", std::to_string(dist.size()));
    if (dist.is_root()) examples::write_outputs(metering, info, "fashion_mlp", -1, {}, std::cout);
    if (dist.is_root())
      examples::export_if_asked(cli, *model, examples::fashion_input_shape(false), test, std::cout);
  } catch (const Error& e) {
    return dist.fail("fashion_mlp", e);
  }
  return 0;
}
