// Data pruning on Fashion-MNIST, with the scoring on the bill: score every training example
// (EL2N, GraNd, forgetting events or random), keep a fraction of them, hardest or easiest first,
// and train the example's recipe (the MLP of fashion_mlp or the CNN of fashion_cnn) on the kept
// examples for the same number of epochs, once per seed. Ends with one line:
//   summary method= fraction= keep= test_acc_mean= test_acc_std= train_joules_mean=
//           scoring_joules= total_joules_mean= energy_source=
// where total = scoring + training (the training joules include each epoch's test evaluation,
// as in every example). --method full trains on every example: the reference point.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <numeric>

#include "common/cli.h"
#include "common/cnn.h"
#include "common/metering.h"
#include "common/mlp.h"
#include "common/recipes.h"
#include "datasets/fashion_mnist.h"
#include "datasets/subset.h"
#include "joule/datadiet/score_file.h"
#include "joule/datadiet/scoring.h"
#include "joule/joule.h"

using namespace joule;

namespace {

// The recipe of --model (fashion_mlp's or fashion_cnn's, from common/recipes.h); each of
// --epochs --batch --lr overrides it when not 0.
examples::Recipe recipe_from_flags(const examples::Cli& cli) {
  examples::Recipe r = cli.str("model") == "cnn" ? examples::fashion_cnn_recipe()
                                                 : examples::fashion_mlp_recipe();
  r.model = cli.str("model");
  if (cli.i64("epochs") != 0) r.epochs = cli.i64("epochs");
  if (cli.i64("batch") != 0) r.batch = cli.i64("batch");
  if (cli.f64("lr") != 0) r.lr = cli.f64("lr");
  r.momentum = cli.f64("momentum");
  r.weight_decay = cli.f64("weight-decay");
  return r;
}

std::shared_ptr<nn::Sequential> make_model(const std::string& model,
                                           const std::vector<int64_t>& hidden, uint64_t seed,
                                           std::string* arch) {
  Generator gen(seed);
  if (model == "cnn") {
    if (arch) *arch = "cnn";
    return examples::make_cnn({}, gen, seed).model;
  }
  return examples::make_mlp(784, hidden, 10, gen, arch);
}

// The scores of --method: loaded from --scores when that file holds them, else computed (and
// saved there when --scores is given).
datadiet::Scores get_scores(const examples::Cli& cli, const examples::Recipe& recipe,
                            const data::Dataset& train, energy::Meter& meter, Device device) {
  const datadiet::Method method = datadiet::parse_method(cli.str("method"));
  const std::string file = cli.str("scores");
  if (!file.empty() && std::filesystem::exists(file)) {
    const std::vector<std::string> have = datadiet::score_methods(file);
    if (std::find(have.begin(), have.end(), cli.str("method")) != have.end()) {
      datadiet::Scores s = datadiet::load_scores(file, cli.str("method"));
      JOULE_CHECK(static_cast<int64_t>(s.values.size()) == train.size(), "--scores ", file,
                  ": ", s.values.size(), " scores for ", train.size(), " training examples");
      std::cout << "scores loaded=" << file << " method=" << s.method << " model=\""
                << s.recipe_value("model") << "\" epochs=" << s.recipe_value("epochs")
                << " seeds=" << s.recipe_value("seeds") << " joules=" << s.joules
                << " (recorded when they were computed)" << std::endl;
      return s;
    }
  }
  const bool proxy = cli.str("score-model") == "proxy";
  const examples::Recipe proxy_recipe = examples::fashion_mlp_recipe();  // batch 128, lr 0.05
  const std::vector<int64_t> hidden = cli.i64_list(proxy ? "proxy-hidden" : "hidden");
  const std::string model = proxy ? "mlp" : recipe.model;
  std::string arch;
  make_model(model, hidden, 0, &arch);
  datadiet::ScoreOptions o{.method = method,
                           .epochs = cli.i64("score-epochs"),
                           .seeds = cli.i64("score-seeds"),
                           .seed = static_cast<uint64_t>(cli.i64("score-seed")),
                           .batch = proxy ? proxy_recipe.batch : recipe.batch,
                           .lr = proxy ? proxy_recipe.lr : recipe.lr,
                           .momentum = cli.f64("momentum"),
                           .model = (proxy ? "proxy " : "") + (arch == "cnn" ? arch
                                                                            : "mlp " + arch),
                           .device = device};
  datadiet::Scores s = datadiet::compute_scores(
      train, [&](uint64_t seed) { return make_model(model, hidden, seed, nullptr); }, o, meter);
  std::cout << "scoring method=" << s.method << " model=\"" << o.model << "\" epochs="
            << s.recipe_value("epochs") << " seeds=" << o.seeds << " seconds=" << s.seconds
            << " joules=" << s.joules << " energy_source=" << s.energy_source
            << " energy=" << s.energy_kind << std::endl;
  if (!file.empty() && method != datadiet::Method::Random) {
    datadiet::save_scores(file, s);
    std::cout << "scores saved=" << file << " dataset=/scores/" << s.method << std::endl;
  }
  return s;
}

struct RunResult {
  double test_acc = 0, joules = 0;
};

// One training run of the recipe on `train` from `seed`, metered from a fresh callback.
RunResult train_once(const examples::Cli& cli, const examples::Recipe& recipe,
                     const data::Dataset& train, const data::Dataset& test,
                     examples::Metering& metering, Device device, uint64_t seed) {
  std::string arch;
  auto model = make_model(recipe.model, cli.i64_list("hidden"), seed, &arch);
  model->to(device);
  examples::Sgd sgd = examples::make_sgd(recipe, model->parameters());
  data::DataLoader train_loader(train, {.batch_size = recipe.batch, .shuffle = true, .seed = seed});
  data::DataLoader test_loader(test, {.batch_size = 1000, .shuffle = false});
  metering.callback = std::make_shared<train::MeteringCallback>(*metering.meter, metering.carbon);
  train::Trainer trainer(*model, *sgd.opt,
                         {.epochs = recipe.epochs, .progress = !cli.on("no-progress"),
                          .device = device});
  trainer.set_scheduler(sgd.scheduler);
  examples::add_metering(trainer, metering);
  const auto& history = trainer.fit(train_loader, &test_loader);
  return {history.back().test_acc, metering.callback->cumulative_joules()};
}

double mean_of(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}
// The sample standard deviation (n - 1); 0 for one value.
double std_of(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

}  // namespace

int main(int argc, char** argv) {
  examples::Cli cli("data_diet", "Score Fashion-MNIST's training examples, keep a fraction and "
                                 "train on it; scoring and training joules, one summary line.");
  cli.choice_flag("model", "mlp", "the recipe to train: fashion_mlp's or fashion_cnn's",
                  {"mlp", "cnn"})
      .choice_flag("method", "el2n", "the score, or full (every example, the reference)",
                   {"el2n", "grand", "forgetting", "random", "full"})
      .real_flag("fraction", "0.5", "fraction of the training examples kept",
                 {.min = 0, .max = 1, .min_open = true})
      .int_flag("seeds", "3", "training runs, seeded --seed, --seed + 1, ...", {.min = 1})
      .choice_flag("keep", "hard", "hard (the highest scores) or easy (the lowest)",
                   {"hard", "easy"})
      .toggle("class-balanced", "keep the same fraction of every class")
      .choice_flag("score-model", "proxy", "what scores: proxy (a narrow MLP, --proxy-hidden) "
                                           "or same (the model trained)", {"proxy", "same"})
      .list_flag("proxy-hidden", "64", "hidden widths of the proxy MLP")
      .int_flag("score-epochs", "-1", "training epochs of each scoring model",
                {.min = -1, .note = "-1 = the method's default: el2n 2, grand 0, forgetting 4"})
      .int_flag("score-seeds", "1", "scoring models averaged (forgetting: runs summed)",
                {.min = 1})
      .int_flag("score-seed", "1", "seed of the first scoring model (and of the selection's ties)",
                {.min = 0})
      .flag("scores", "", "HDF5 score file: read /scores/<method> when present, else compute and "
                          "save it there");
  // The recipe's numbers depend on --model: 0 takes them from it.
  cli.int_flag("epochs", "0", "epochs", {.min = 0, .note = "0 = the recipe's: mlp 10, cnn 15"})
      .int_flag("batch", "0", "batch size", {.min = 0, .note = "0 = the recipe's: mlp 128, cnn 64"})
      .real_flag("lr", "0", "initial learning rate, cosine decay to 0",
                 {.min = 0, .note = "0 = the recipe's: mlp 0.05, cnn 0.02"})
      .real_flag("momentum", "0.9", "SGD momentum", {.min = 0, .max = 1, .max_open = true})
      .real_flag("weight-decay", "0", "SGD weight decay", {.min = 0})
      .int_flag("seed", "1", "seed of the first training run (initialisation, shuffling)",
                {.min = 0})
      .flag("data", "", "folder with the Fashion-MNIST IDX files (default: $JOULE_FASHION_MNIST "
                        "or /usr/share/datasets/fashion-mnist)")
      .toggle("no-progress", "never draw the progress bar");
  examples::add_threads_flag(cli);
  cli.list_flag("hidden", "256,128", "hidden widths of the MLP trained (--model mlp)");
  examples::add_device_flag(cli);
  examples::add_metering_flags(cli, "");
  cli.parse_or_exit(argc, argv);
  try {
    const examples::Recipe recipe = recipe_from_flags(cli);
    const std::string method = cli.str("method");
    const bool full = method == "full";
    const double fraction = full ? 1.0 : cli.f64("fraction");
    const int64_t seeds = cli.i64("seeds");
    const data::Keep keep = data::parse_keep(cli.str("keep"));
    const bool random = method == "random";
    const std::string keep_text = full || random ? "none" : data::keep_name(keep);

    const int threads = examples::set_threads(cli.i64("threads"));
    const Device device = examples::device_from_flags(cli);
    data::Dataset train = data::load_fashion_mnist(data::Split::Train, cli.str("data"));
    data::Dataset test = data::load_fashion_mnist(data::Split::Test, cli.str("data"));
    std::cout << "data_diet model=" << recipe.model << " method=" << method
              << " fraction=" << fraction << " keep=" << keep_text << " seeds=" << seeds
              << " epochs=" << recipe.epochs << " batch=" << recipe.batch << " lr=" << recipe.lr
              << " train_samples=" << train.size() << " threads=" << threads << " "
              << examples::device_fields(device) << std::endl;
    examples::Metering metering = examples::start_metering(cli, std::cout, device);

    datadiet::Scores scores;
    if (!full && !random) scores = get_scores(cli, recipe, train, *metering.meter, device);
    const uint64_t first_seed = static_cast<uint64_t>(cli.i64("seed"));
    std::vector<double> accs, joules;
    for (int64_t k = 0; k < seeds; ++k) {
      const uint64_t seed = first_seed + static_cast<uint64_t>(k);
      data::Dataset kept = train;
      if (!full) {
        // a random subset is drawn afresh for every run: the mean is over subsets too
        const std::vector<float> s =
            random ? datadiet::random_scores(train.size(), seed) : scores.values;
        const std::vector<int64_t> idx = data::select_by_score(
            s, train.labels, train.num_classes,
            {.fraction = fraction, .keep = keep, .class_balanced = cli.on("class-balanced"),
             .seed = static_cast<uint64_t>(cli.i64("score-seed"))});
        kept = train.subset(idx);
        std::cout << "selection seed=" << seed << " kept=" << kept.size() << " of=" << train.size()
                  << " class_counts=";
        const std::vector<int64_t> counts = data::class_counts(train.labels, 10, idx);
        for (size_t c = 0; c < counts.size(); ++c) std::cout << (c ? "," : "") << counts[c];
        std::cout << std::endl;
      }
      const RunResult r = train_once(cli, recipe, kept, test, metering, device, seed);
      accs.push_back(r.test_acc);
      joules.push_back(r.joules);
      std::cout << "run seed=" << seed << " kept=" << kept.size() << " test_acc=" << r.test_acc
                << " train_joules=" << r.joules << std::endl;
      report::RunInfo info = examples::new_run_info("examples/data_diet");
      for (const char* f : {"model", "method", "fraction", "keep", "seeds"})
        info.params.emplace_back(f, cli.str(f));
      info.params.emplace_back("seed", std::to_string(seed));
      examples::write_outputs(metering, info, "data_diet_" + method, -1, {}, std::cout);
    }
    const double scoring_j = full || random ? 0.0 : scores.joules;
    std::cout << "summary method=" << method << " fraction=" << fraction << " keep=" << keep_text
              << " test_acc_mean=" << mean_of(accs) << " test_acc_std=" << std_of(accs)
              << " train_joules_mean=" << mean_of(joules) << " scoring_joules=" << scoring_j
              << " total_joules_mean=" << scoring_j + mean_of(joules)
              << " energy_source=" << metering.meter->source() << std::endl;
  } catch (const Error& e) {
    std::cerr << "data_diet: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
