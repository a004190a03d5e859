// Fashion-MNIST with a small CNN: conv(1->16, 5x5, pad 2)-ReLU-maxpool-conv(16->32, 5x5, pad 2)-
// ReLU-maxpool-FC128-FC10 (BatchNorm and Dropout optional), SGD with momentum and a cosine
// learning rate; one key=value line per epoch with its energy; a checkpoint after every epoch,
// from which --resume continues a killed run.
#include <chrono>
#include <filesystem>
#include <iostream>

#include "common/cli.h"
#include "common/cnn.h"
#include "common/distributed.h"
#include "common/export.h"
#include "common/metering.h"
#include "common/recipes.h"
#include "datasets/fashion_mnist.h"
#include "joule/joule.h"
#include "joule/train/checkpointing.h"

using namespace joule;

int main(int argc, char** argv) {
  examples::Cli cli("fashion_cnn", "Train a small CNN on Fashion-MNIST; one key=value line per epoch.");
  examples::add_recipe_flags(cli, examples::fashion_cnn_recipe());
  cli.real_flag("dropout", "0", "dropout probability before the last layer (0: none)",
                {.min = 0, .max = 1, .max_open = true})
      .flag("checkpoint", "runs/fashion_cnn", "folder for last.h5, written after every epoch "
                                               "('' writes none)")
      .toggle("batchnorm", "BatchNorm2d after each convolution")
      .toggle("resume", "continue from the checkpoint in --checkpoint (same flags and threads)");
  examples::add_device_flag(cli);
  examples::add_metering_flags(cli, "runs");
  examples::add_export_flag(cli);
  cli.parse_or_exit(argc, argv);
  examples::Distributed dist("fashion_cnn");  // mpirun -np N: one rank of N (docs/distributed.md)
  try {
    report::RunInfo info = examples::new_run_info("examples/fashion_cnn");
    const int threads = examples::set_threads(cli.i64("threads"));
    const Device device = examples::device_from_flags(cli);
    const uint64_t seed = static_cast<uint64_t>(cli.i64("seed"));
    data::Dataset train = data::load_fashion_mnist(data::Split::Train, cli.str("data"));
    data::Dataset test = data::load_fashion_mnist(data::Split::Test, cli.str("data"));

    Generator gen(seed);
    examples::Cnn cnn = examples::make_cnn(
        {.batchnorm = cli.on("batchnorm"), .dropout = cli.f64("dropout")}, gen, seed);
    auto& model = *cnn.model;
    model.to(device);
    examples::Recipe recipe = examples::recipe_from_flags(cli, examples::fashion_cnn_recipe());
    recipe.batch = examples::batch_size(cli, train.size(), std::cerr);
    examples::Sgd sgd = examples::make_sgd(recipe, model.parameters());
    optim::SGD& opt = *sgd.opt;
    auto sched = sgd.scheduler;
    const int64_t epochs = recipe.epochs;
    data::DataLoader train_loader(
        train, dist.shard({.batch_size = recipe.batch, .shuffle = true, .seed = seed}));
    data::DataLoader test_loader(test, dist.shard({.batch_size = 1000, .shuffle = false}));

    std::cout << "model=cnn params=" << model.num_parameters() << " batchnorm="
              << (cli.on("batchnorm") ? 1 : 0) << " dropout=" << cli.f64("dropout")
              << " train_samples=" << train.size() << " test_samples=" << test.size()
              << " batch=" << recipe.batch << " threads=" << threads << " blas="
              << examples::blas_name(device) << " " << examples::device_fields(device)
              << (device.is_cpu() ? " conv=direct" : " conv=im2col-cublas") << " "
              << dist.fields() << std::endl;
    examples::Metering metering = examples::start_metering(cli, std::cout, device);
    train::Trainer trainer(model, opt,
                           {.epochs = epochs,
                            .progress = !cli.on("no-progress") && dist.is_root(),
                            .device = device});
    trainer.set_scheduler(sched);
    dist.add_callbacks(trainer, metering);

    train::CheckpointParts parts{sched, cnn.generators, metering.callback.get(), {}};
    for (const char* k : {"epochs", "batch", "lr", "momentum", "weight-decay", "seed", "dropout"})
      parts.attributes.emplace_back(k, cli.str(k));
    parts.attributes.emplace_back("batchnorm", cli.on("batchnorm") ? "1" : "0");
    parts.attributes.emplace_back("threads", std::to_string(threads));
    parts.attributes.emplace_back("device", device.str());
    const std::string ckpt = cli.str("checkpoint");
    if (cli.on("resume")) {
      JOULE_CHECK(!ckpt.empty(), "fashion_cnn: --resume needs a --checkpoint folder");
      const int64_t next = dist.resume(ckpt, trainer, parts);
      std::cout << "resume checkpoint=" << train::checkpoint_path(ckpt) << " next_epoch=" << next
                << std::endl;
    }
    if (!ckpt.empty() && dist.is_root())  // rank 0 writes; resume sends its state to every rank
      trainer.add_callback(std::make_shared<train::CheckpointCallback>(ckpt, parts));

    const auto& history = trainer.fit(train_loader, &test_loader);
    if (!history.empty())
      std::cout << "done epochs=" << history.back().epoch << " test_acc=" << history.back().test_acc
                << " joules=" << metering.callback->cumulative_joules()
                << " energy_source=" << metering.meter->source()
                << " energy=" << metering.meter->kind()
                << (ckpt.empty() ? "" : " checkpoint=" + train::checkpoint_path(ckpt)) << std::endl;
    for (const auto& [k, v] : parts.attributes) info.params.emplace_back(k, v);
    info.params.emplace_back("world_size", std::to_string(dist.size()));
    std::vector<std::string> artifacts;  // the final checkpoint, for the MLflow run
    if (!ckpt.empty() && std::filesystem::exists(train::checkpoint_path(ckpt)))
      artifacts.push_back(train::checkpoint_path(ckpt));
    if (dist.is_root())
      examples::write_outputs(metering, info, "fashion_cnn", -1, {}, std::cout, artifacts);
    if (dist.is_root())
      examples::export_if_asked(cli, model, examples::fashion_input_shape(true), test, std::cout);
  } catch (const Error& e) {
    return dist.fail("fashion_cnn", e);
  }
  return 0;
}
