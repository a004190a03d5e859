// sparse_vs_dense: what true sparse storage buys in a whole training step and in training, on
// Fashion-MNIST MLPs, against the dense kernels. For every net and sparsity:
//   step:  forward + backward + SGD step of the full model on real batches (batch 128), dense
//          (nn::Linear, GEMM) and sparse (nn::SparseLinear at ERK densities) timed in alternating
//          rounds on the same batches; joules per step from the meter over the same windows.
//   train: `--epochs` epochs (dense model at sparsity 0, SET on the sparse model otherwise):
//          seconds and joules per epoch, test accuracy, nonzeros.
// At sparsity 0 the sparse kernels run on a full pattern (every entry stored), which shows their
// overhead; the crossover is the lowest sparsity whose sparse step beats the dense one.
// Output: key=value lines per row, a CSV (--csv) and an SVG of accuracy against joules per
// epoch for the largest net (--svg). The Markdown report is bench/sparse_vs_dense.py's.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/cli.h"
#include "common/mlp.h"
#include "datasets/fashion_mnist.h"
#include "joule/energy/make_meter.h"
#include "joule/joule.h"
#include "joule/report/svg_plot.h"
#include "joule/train/metering.h"

using namespace joule;

namespace {

std::vector<int64_t> parse_net(const std::string& text) {
  std::vector<int64_t> sizes;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, '-'))
    sizes.push_back(examples::parse_int("nets", part, {.min = 1}));
  if (sizes.size() < 2)
    throw examples::CliError("--nets: a net is sizes joined by '-' (784-256-10), got '" + text +
                             "'");
  return sizes;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, sep))
    if (!part.empty()) out.push_back(part);
  return out;
}

struct Model {
  std::shared_ptr<nn::Sequential> net;
  std::unique_ptr<optim::SGD> opt;
};

Model build(const std::vector<int64_t>& sizes, double sparsity, bool sparse_kernels,
            uint64_t seed) {
  const std::vector<int64_t> hidden(sizes.begin() + 1, sizes.end() - 1);
  Generator gen(seed);
  Model m;
  if (!sparse_kernels) {
    m.net = examples::make_mlp(sizes.front(), hidden, sizes.back(), gen, nullptr);
  } else {
    const auto shapes = examples::mlp_weight_shapes(sizes.front(), hidden, sizes.back());
    const std::vector<double> d = prune::erk_densities(shapes, 1 - sparsity);
    m.net = examples::make_sparse_mlp(sizes.front(), hidden, sizes.back(), d, gen, nullptr,
                                      /*sparse_when_full=*/sparsity == 0);
  }
  m.opt = std::make_unique<optim::SGD>(m.net->parameters(),
                                       optim::SGDOptions{.lr = 0.05, .momentum = 0.9});
  return m;
}

void train_step(Model& m, const data::Batch& b) {
  m.opt->zero_grad();
  cross_entropy((*m.net)(b.x), b.y).backward();
  m.opt->step();
}

struct StepCost {
  double ms = 0, joules = 0;
};

// Rounds of `per_round` steps, dense and sparse alternating on the same batches; the median
// round of each gives ms per step, the meter over all of its rounds joules per step.
std::pair<StepCost, StepCost> time_steps(Model& dense, Model& sparse, data::DataLoader& loader,
                                         energy::Meter& meter, int rounds, int per_round) {
  std::vector<double> ms[2];
  double joules[2] = {0, 0};
  Model* models[2] = {&dense, &sparse};
  for (int warm = 0; warm < 3; ++warm)
    for (Model* m : models) train_step(*m, loader.batch(warm));
  for (int r = 0; r < rounds; ++r)
    for (int which = 0; which < 2; ++which) {
      energy::EnergyWindow window(meter);
      const auto t0 = std::chrono::steady_clock::now();
      for (int s = 0; s < per_round; ++s)
        train_step(*models[which], loader.batch((r * per_round + s) % loader.num_batches()));
      const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      joules[which] += window.stop().total_j();
      ms[which].push_back(1e3 * dt / per_round);
    }
  std::pair<StepCost, StepCost> out;
  StepCost* cost[2] = {&out.first, &out.second};
  for (int which = 0; which < 2; ++which) {
    std::sort(ms[which].begin(), ms[which].end());
    cost[which]->ms = ms[which][ms[which].size() / 2];
    cost[which]->joules = joules[which] / (rounds * per_round);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  examples::Cli cli("sparse_vs_dense", "Training step and training cost, sparse vs dense kernels.");
  cli.flag("nets", "784-256-128-10,784-1024-1024-10,784-2048-2048-10", "MLPs, comma-separated")
      .flag("sparsities", "0,0.5,0.8,0.9,0.95,0.99", "sparsities, comma-separated, each in [0, 1)")
      .int_flag("epochs", "2", "training epochs per row",
                {.min = 0, .note = "0 = step timing only"})
      .int_flag("rounds", "7", "timing rounds per kernel", {.min = 1})
      .int_flag("steps", "10", "steps per timing round", {.min = 1})
      .int_flag("seed", "1", "seed", {.min = 0});
  examples::add_threads_flag(cli);
  cli.flag("data", "", "Fashion-MNIST folder (default: $JOULE_FASHION_MNIST or the Debian path)")
      .flag("csv", "", "write the rows as CSV here")
      .flag("svg", "", "write accuracy against joules per epoch for the largest net here");
  cli.parse_or_exit(argc, argv);
  // The lists, checked before any work.
  std::vector<std::pair<std::string, std::vector<int64_t>>> nets;
  std::vector<double> sparsities;
  try {
    for (const std::string& net : split(cli.str("nets"), ','))
      nets.emplace_back(net, parse_net(net));
    for (const std::string& s : split(cli.str("sparsities"), ','))
      sparsities.push_back(examples::parse_real("sparsities", s,
                                                {.min = 0, .max = 1, .max_open = true}));
    if (nets.empty() || sparsities.empty())
      throw examples::CliError("--nets and --sparsities must each name at least one value");
  } catch (const examples::CliError& e) {
    std::cerr << "sparse_vs_dense: " << e.what()
              << "\nrun 'sparse_vs_dense --help' for the flags\n";
    return 2;
  }
  try {
    const int threads = examples::set_threads(cli.i64("threads"));
    data::Dataset train = data::load_fashion_mnist(data::Split::Train, cli.str("data"));
    data::Dataset test = data::load_fashion_mnist(data::Split::Test, cli.str("data"));
    const uint64_t seed = static_cast<uint64_t>(cli.i64("seed"));
    std::vector<std::string> notes;
    std::unique_ptr<energy::Meter> meter = energy::make_meter({}, &notes);
    std::cout << "sparse_vs_dense threads=" << threads << " batch=128 energy_source="
              << meter->source() << " energy=" << meter->kind()
              << std::endl;
    std::ofstream csv;
    if (!cli.str("csv").empty()) {
      csv.open(cli.str("csv"));
      JOULE_CHECK(csv.good(), "sparse_vs_dense: cannot write ", cli.str("csv"));
      csv << "net,sparsity,nnz,dense_weights,dense_step_ms,sparse_step_ms,step_speedup,"
             "dense_step_j,sparse_step_j,step_energy_ratio,epochs,epoch_s,epoch_j,test_acc,"
             "energy_source,energy\n";
    }
    std::vector<std::pair<double, double>> plot;
    std::string plot_net;
    for (const auto& [net_text, sizes] : nets) {
      if (net_text == nets.back().first) plot.clear(), plot_net = net_text;
      for (const double sparsity : sparsities) {
        data::DataLoader loader(train, {.batch_size = 128, .shuffle = true, .seed = seed});
        Model dense = build(sizes, 0, false, seed), sparse = build(sizes, sparsity, true, seed);
        const auto [d, s] = time_steps(dense, sparse, loader, *meter,
                                       static_cast<int>(cli.i64("rounds")),
                                       static_cast<int>(cli.i64("steps")));
        const int64_t nnz = examples::weight_nnz(*sparse.net);
        const int64_t total = examples::dense_weight_count(*sparse.net);
        // Training: the dense model at sparsity 0, SET on the sparse one otherwise.
        double epoch_s = 0, epoch_j = 0, acc = -1;
        const int64_t epochs = cli.i64("epochs");
        if (epochs > 0) {
          Model m = build(sizes, sparsity, sparsity > 0, seed);
          auto sched = std::make_shared<optim::Scheduler>(
              *m.opt, std::make_shared<optim::CosineAnnealingLR>(epochs));
          std::ostringstream quiet;
          train::Trainer trainer(*m.net, *m.opt, {.epochs = epochs, .progress = false, .log = &quiet});
          trainer.set_scheduler(sched);
          auto metering = std::make_shared<train::MeteringCallback>(*meter, energy::CarbonOptions{});
          if (sparsity > 0)
            trainer.add_callback(std::make_shared<prune::SET>(*m.net, prune::SETOptions{.seed = seed}));
          trainer.add_callback(metering);
          data::DataLoader train_loader(train, {.batch_size = 128, .shuffle = true, .seed = seed});
          data::DataLoader test_loader(test, {.batch_size = 1000, .shuffle = false});
          const auto& history = trainer.fit(train_loader, &test_loader);
          for (const auto& r : history) {
            epoch_s += r.train_s / epochs;
            epoch_j += r.joules() / epochs;
          }
          acc = history.back().test_acc;
          if (net_text == plot_net) plot.emplace_back(epoch_j, acc);
        }
        std::ostringstream row;
        row << "net=" << net_text << " sparsity=" << sparsity << " nnz=" << nnz
            << " dense_weights=" << total << " dense_step_ms=" << d.ms
            << " sparse_step_ms=" << s.ms << " step_speedup=" << d.ms / s.ms
            << " dense_step_j=" << d.joules << " sparse_step_j=" << s.joules
            << " step_energy_ratio=" << d.joules / s.joules << " epochs=" << epochs
            << " epoch_s=" << epoch_s << " epoch_j=" << epoch_j << " test_acc=" << acc
            << " energy_source=" << meter->source()
            << " energy=" << meter->kind();
        std::cout << row.str() << std::endl;
        if (csv.is_open())
          csv << net_text << ',' << sparsity << ',' << nnz << ',' << total << ',' << d.ms << ','
              << s.ms << ',' << d.ms / s.ms << ',' << d.joules << ',' << s.joules << ','
              << d.joules / s.joules << ',' << epochs << ',' << epoch_s << ',' << epoch_j << ','
              << acc << ',' << meter->source() << ','
              << meter->kind() << '\n';
      }
    }
    if (!cli.str("svg").empty() && !plot.empty()) {
      std::sort(plot.begin(), plot.end());
      report::write_accuracy_energy_svg(cli.str("svg"), plot, -1, {},
                                        "Test accuracy vs joules per epoch, " + plot_net +
                                            ", sparsity 0-99% (" +
                                            std::string(meter->kind()) + ")");
    }
  } catch (const Error& e) {
    std::cerr << "sparse_vs_dense: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
