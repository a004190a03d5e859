// Fashion-MNIST MLP trained dense or sparse: --method dense | static (random ERK pattern, fixed)
// | gmp (dense layers pruned gradually by magnitude, Zhu & Gupta) | set | rigl (dynamic sparse
// training on true sparse storage). One key=value line per epoch with nnz= and its energy.
#include <iostream>
#include <sstream>

#include "common/cli.h"
#include "common/distributed.h"
#include "common/metering.h"
#include "common/mlp.h"
#include "datasets/fashion_mnist.h"
#include "joule/joule.h"

using namespace joule;

namespace {

// Adds nnz= and density= (of the weights, biases not counted) to every epoch line.
class NnzField : public train::Callback {
 public:
  explicit NnzField(nn::Module& model) : model_(model) {}
  void on_epoch_end(train::Trainer&, train::EpochRecord& r) override {
    const int64_t nnz = examples::weight_nnz(model_);
    r.set("nnz", static_cast<double>(nnz), 0);
    r.set("density", static_cast<double>(nnz) / examples::dense_weight_count(model_), 4);
  }

 private:
  nn::Module& model_;
};

}  // namespace

int main(int argc, char** argv) {
  examples::Cli cli("sparse_mlp",
                    "Train a dense or sparse MLP on Fashion-MNIST; one key=value line per epoch.");
  examples::add_recipe_flags(cli, "10", "128", "0.05");
  cli.list_flag("hidden", "256,128", "hidden layer widths, comma-separated")
      .real_flag("sparsity", "0.9", "fraction of the weights removed (ERK layer densities)",
                 {.min = 0, .max = 1, .max_open = true})
      .choice_flag("method", "rigl", "dense | static | gmp | set | rigl",
                   {"dense", "static", "gmp", "set", "rigl"})
      .real_flag("zeta", "0.3", "SET: fraction of each sign's weights replaced per epoch",
                 {.min = 0, .max = 1})
      .choice_flag("set-schedule", "cosine", "SET: constant (zeta every epoch, Mocanu et al.) or "
                   "cosine (zeta decays by a cosine, evolution stops at 75% of the epochs: "
                   "RigL's schedule)", {"constant", "cosine"})
      .choice_flag("set-regrowth", "zero", "SET: regrown weights start at zero or random",
                   {"zero", "random"})
      .int_flag("delta-t", "100", "RigL: steps between connectivity updates", {.min = 1})
      .real_flag("alpha", "0.3", "RigL: initial drop fraction (cosine decay)", {.min = 0, .max = 1})
      .int_flag("prune-begin", "1", "gmp: first epoch boundary that prunes", {.min = 0,
                .note = "0 = from the start"})
      .int_flag("prune-end", "7", "gmp: epoch boundary by which the final sparsity is reached",
                {.min = 1})
      .int_flag("prune-every", "100", "gmp: steps between pruning events", {.min = 1});
  examples::add_metering_flags(cli, "runs");
  cli.parse_or_exit(argc, argv);
  examples::Distributed dist("sparse_mlp");  // mpirun -np N: one rank of N (docs/distributed.md)
  try {
    report::RunInfo info = examples::new_run_info("examples/sparse_mlp");
    const int threads = examples::set_threads(cli.i64("threads"));
    const std::string method = cli.str("method");
    const double sparsity = cli.f64("sparsity");
    data::Dataset train = data::load_fashion_mnist(data::Split::Train, cli.str("data"));
    data::Dataset test = data::load_fashion_mnist(data::Split::Test, cli.str("data"));
    const std::vector<int64_t> hidden = cli.i64_list("hidden");
    const int64_t epochs = cli.i64("epochs");
    const uint64_t seed = static_cast<uint64_t>(cli.i64("seed"));

    Generator gen(seed);
    std::string arch;
    std::shared_ptr<nn::Sequential> model;
    std::string densities_text;
    const bool born_sparse = method == "static" || method == "set" || method == "rigl";
    if (born_sparse && sparsity > 0) {
      const std::vector<double> d = prune::erk_densities(
          examples::mlp_weight_shapes(train.feature_dim(), hidden, train.num_classes),
          1 - sparsity);
      std::ostringstream text;
      for (size_t l = 0; l < d.size(); ++l) text << (l ? "," : "") << d[l];
      densities_text = text.str();
      model = examples::make_sparse_mlp(train.feature_dim(), hidden, train.num_classes, d, gen,
                                        &arch);
    } else {
      model = examples::make_mlp(train.feature_dim(), hidden, train.num_classes, gen, &arch);
    }
    optim::SGD opt(model->parameters(), {.lr = cli.f64("lr"), .momentum = cli.f64("momentum"),
                                         .weight_decay = cli.f64("weight-decay")});
    auto sched = std::make_shared<optim::Scheduler>(
        opt, std::make_shared<optim::CosineAnnealingLR>(std::max<int64_t>(epochs, 1)));
    const int64_t batch = examples::batch_size(cli, train.size(), std::cerr);
    data::DataLoader train_loader(
        train, dist.shard({.batch_size = batch, .shuffle = true, .seed = seed}));
    data::DataLoader test_loader(test, dist.shard({.batch_size = 1000, .shuffle = false}));

    std::cout << "model=" << arch << " method=" << method << " sparsity=" << sparsity
              << " nnz=" << examples::weight_nnz(*model)
              << " dense_weights=" << examples::dense_weight_count(*model)
              << (densities_text.empty() ? "" : " layer_densities=" + densities_text)
              << " train_samples=" << train.size() << " batch=" << batch
              << " threads=" << threads << " " << dist.fields() << std::endl;
    examples::Metering metering = examples::start_metering(cli, std::cout);
    train::Trainer trainer(*model, opt, {.epochs = epochs,
                                         .progress = !cli.on("no-progress") && dist.is_root()});
    trainer.set_scheduler(sched);
    dist.add_data_parallel(trainer);  // first: SET/RigL see the averaged gradients
    if (method == "set")
      trainer.add_callback(std::make_shared<prune::SET>(
          *model, prune::SETOptions{.zeta = cli.f64("zeta"), .seed = seed + 1,
                                .regrowth = cli.str("set-regrowth") == "random"
                                                ? prune::SetRegrowth::Random
                                                : prune::SetRegrowth::Zero,
                                .anneal = cli.str("set-schedule") == "cosine"}));
    if (method == "rigl")
      trainer.add_callback(std::make_shared<prune::RigL>(
          *model, prune::RigLOptions{.delta_t = cli.i64("delta-t"), .alpha = cli.f64("alpha")}));
    if (method == "gmp") {
      // Zhu & Gupta: from 0 to the final sparsity, every --prune-every steps between the two
      // epoch boundaries, s_t = s_f + (s_i - s_f)(1 - (t - t0)/(n dt))^3; each layer on its own.
      const int64_t spe = train_loader.num_batches(), every = cli.i64("prune-every");
      const int64_t t0 = cli.i64("prune-begin") * spe;
      const int64_t n = (cli.i64("prune-end") * spe - t0) / every;
      JOULE_CHECK(n > 0, "sparse_mlp: --prune-end must come after --prune-begin by at least one "
                  "--prune-every, got ", cli.i64("prune-begin"), " .. ", cli.i64("prune-end"));
      auto schedule = std::make_shared<prune::PolynomialDecay>(
          prune::PolynomialDecay::zhu_gupta(0, sparsity, t0, n, every));
      std::cout << "schedule=" << schedule->str() << std::endl;
      trainer.add_callback(std::make_shared<prune::PruningCallback>(schedule));
    }
    trainer.add_callback(std::make_shared<NnzField>(*model));
    dist.add_metering(trainer, metering);
    const auto& history = trainer.fit(train_loader, &test_loader);
    double total_s = 0;
    for (const auto& r : history) total_s += r.train_s;
    if (!history.empty())
      std::cout << "done method=" << method << " sparsity=" << sparsity
                << " epochs=" << history.size() << " test_acc=" << history.back().test_acc
                << " nnz=" << examples::weight_nnz(*model) << " total_train_s=" << total_s
                << " joules=" << metering.callback->cumulative_joules()
                << " energy_source=" << metering.meter->source()
                << " energy=" << metering.meter->kind()
                << std::endl;
    if (method == "gmp" && !history.empty()) {
      // Realise the savings: the pruned dense layers become SparseLinear layers (same function).
      auto sparse_model = std::make_shared<nn::Sequential>();
      for (size_t i = 0; i < model->size(); ++i) {
        if (auto* lin = dynamic_cast<nn::Linear*>((*model)[i].get()))
          sparse_model->push_back(
              nn::SparseLinear::from_dense(*lin, prune::mask_of(*lin, "weight")));
        else
          sparse_model->push_back((*model)[i]);
      }
      train::Trainer eval(*sparse_model, opt, {.epochs = 0, .progress = false, .quiet = true});
      const train::EvalResult r = eval.evaluate(test_loader);  // this rank's share of the test set
      const double acc =
          dist::weighted_mean(dist.env().world(), r.accuracy, static_cast<double>(r.samples));
      std::cout << "converted=SparseLinear nnz=" << examples::weight_nnz(*sparse_model)
                << " test_acc=" << acc << std::endl;
    }
    for (const char* k : {"epochs", "batch", "lr", "momentum", "weight-decay", "seed", "hidden",
                          "sparsity", "method"})
      info.params.emplace_back(k, cli.str(k));
    info.params.emplace_back("threads", std::to_string(threads));
    info.params.emplace_back("world_size", std::to_string(dist.size()));
    if (dist.is_root())
      examples::write_outputs(metering, info, "sparse_mlp_" + method, -1, {}, std::cout);
  } catch (const Error& e) {
    return dist.fail("sparse_mlp", e);
  }
  return 0;
}
