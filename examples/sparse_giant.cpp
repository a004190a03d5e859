// SET on an MLP whose dense twin cannot exist on this machine: 784-50000-50000-50000-10 at
// Erdős–Rényi densities (ε = 20: about 99.9% sparse, ~5.5 million stored weights of ~5 billion),
// trained on 2 cores with true sparse storage. Prints the usual epoch lines plus peak memory
// (peak_rss_mb=) against what the dense twin would need for weights, gradients and momentum.
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/cli.h"
#include "common/recipes.h"
#include "common/distributed.h"
#include "common/metering.h"
#include "common/mlp.h"
#include "datasets/fashion_mnist.h"
#include "joule/joule.h"

using namespace joule;

namespace {

// The process's peak resident memory (VmHWM) in MiB, or -1 where /proc is not readable.
double peak_rss_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  return -1;
}

class MemoryField : public train::Callback {
 public:
  void on_epoch_end(train::Trainer&, train::EpochRecord& r) override {
    r.set("peak_rss_mb", peak_rss_mb(), 1);
  }
};

}  // namespace

int main(int argc, char** argv) {
  examples::Cli cli("sparse_giant",
                    "SET on a huge, extremely sparse MLP whose dense twin cannot fit in memory.");
  examples::add_recipe_flags(cli, "2", "128", "0.05");
  cli.list_flag("hidden", "50000,50000,50000", "hidden layer widths, comma-separated")
      .real_flag("epsilon", "20",
                 "SET: Erdős–Rényi density parameter, density = ε(in+out)/(in·out)",
                 {.min = 0, .min_open = true})
      .real_flag("zeta", "0.3", "SET: fraction of each sign's weights replaced per epoch",
                 {.min = 0, .max = 1})
      .int_flag("train-samples", "0", "train on the first N samples only",
                {.min = 0, .note = "0 = all 60000"});
  examples::add_metering_flags(cli, "runs");
  cli.parse_or_exit(argc, argv);
  examples::Distributed dist("sparse_giant");  // mpirun -np N: one rank of N (docs/distributed.md)
  try {
    report::RunInfo info = examples::new_run_info("examples/sparse_giant");
    const int threads = examples::set_threads(cli.i64("threads"));
    data::Dataset train = data::load_fashion_mnist(data::Split::Train, cli.str("data"));
    data::Dataset test = data::load_fashion_mnist(data::Split::Test, cli.str("data"));
    train = examples::first_examples(train, cli.i64("train-samples"));
    const std::vector<int64_t> hidden = cli.i64_list("hidden");
    const uint64_t seed = static_cast<uint64_t>(cli.i64("seed"));
    const double epsilon = cli.f64("epsilon");

    std::vector<double> densities;
    std::ostringstream dtext;
    for (const auto& s : examples::mlp_weight_shapes(train.feature_dim(), hidden,
                                                     train.num_classes)) {
      densities.push_back(prune::er_density(s[1], s[0], epsilon));
      dtext << (densities.size() > 1 ? "," : "") << densities.back();
    }
    Generator gen(seed);
    std::string arch;
    auto model = examples::make_sparse_mlp(train.feature_dim(), hidden, train.num_classes,
                                           densities, gen, &arch);
    const int64_t nnz = examples::weight_nnz(*model), dense = examples::dense_weight_count(*model);
    // A dense twin trained with SGD+momentum holds weights, gradients and momentum (fp32).
    const double dense_twin_gb = 3.0 * 4.0 * static_cast<double>(dense) / 1e9;
    optim::SGD opt(model->parameters(), {.lr = cli.f64("lr"), .momentum = cli.f64("momentum"),
                                         .weight_decay = cli.f64("weight-decay")});
    const int64_t epochs = cli.i64("epochs");
    auto sched = std::make_shared<optim::Scheduler>(
        opt, std::make_shared<optim::CosineAnnealingLR>(std::max<int64_t>(epochs, 1)));
    const int64_t batch = examples::batch_size(cli, train.size(), std::cerr);
    data::DataLoader train_loader(
        train, dist.shard({.batch_size = batch, .shuffle = true, .seed = seed}));
    data::DataLoader test_loader(test, dist.shard({.batch_size = 500, .shuffle = false}));

    std::cout << "model=" << arch << " method=set epsilon=" << epsilon
              << " layer_densities=" << dtext.str() << " nnz=" << nnz
              << " dense_weights=" << dense
              << " sparsity=" << 1.0 - static_cast<double>(nnz) / static_cast<double>(dense)
              << " dense_twin_gb=" << dense_twin_gb << " peak_rss_mb_after_init=" << peak_rss_mb()
              << " train_samples=" << train.size() << " threads=" << threads << " "
              << dist.fields() << std::endl;
    examples::Metering metering = examples::start_metering(cli, std::cout);
    train::Trainer trainer(*model, opt, {.epochs = epochs,
                                         .progress = !cli.on("no-progress") && dist.is_root()});
    trainer.set_scheduler(sched);
    dist.add_data_parallel(trainer);  // first: SET sees the averaged weights and gradients
    trainer.add_callback(
        std::make_shared<prune::SET>(*model, prune::SETOptions{.zeta = cli.f64("zeta"), .seed = seed + 1}));
    trainer.add_callback(std::make_shared<MemoryField>());
    dist.add_metering(trainer, metering);
    const auto& history = trainer.fit(train_loader, &test_loader);
    double total_s = 0;
    for (const auto& r : history) total_s += r.train_s;
    const double peak = peak_rss_mb();
    if (!history.empty())
      std::cout << "done epochs=" << history.size() << " test_acc=" << history.back().test_acc
                << " nnz=" << examples::weight_nnz(*model) << " dense_weights=" << dense
                << " peak_rss_mb=" << peak << " dense_twin_gb=" << dense_twin_gb
                << " memory_fraction=" << peak / 1024.0 * 1.073741824 / dense_twin_gb
                << " total_train_s=" << total_s
                << " joules=" << metering.callback->cumulative_joules()
                << " energy_source=" << metering.meter->source()
                << " energy=" << metering.meter->kind()
                << std::endl;
    for (const char* k : {"epochs", "batch", "lr", "momentum", "seed", "hidden", "epsilon", "zeta",
                          "train-samples"})
      info.params.emplace_back(k, cli.str(k));
    info.params.emplace_back("threads", std::to_string(threads));
    info.params.emplace_back("world_size", std::to_string(dist.size()));
    if (dist.is_root()) examples::write_outputs(metering, info, "sparse_giant", -1, {}, std::cout);
  } catch (const Error& e) {
    return dist.fail("sparse_giant", e);
  }
  return 0;
}
