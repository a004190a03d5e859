// The inference ladder: every way Joule makes a Fashion-MNIST classifier cheaper to run, measured
// the same way (examples/common/inference.h's measure_inference), one key=value line per model:
//   mlp            dense MLP 784-256-128-10, fashion_mlp's recipe
//   cnn            dense CNN (examples/common/cnn.h), fashion_cnn's recipe
//   cnn_thin50     the CNN with 50% of each conv's output channels pruned, fine-tuned with the
//                  masks held, then thinned into a smaller dense CNN (deploy/thin.h)
//   sparse_mlp90   the MLP with SparseLinear layers at 90% sparsity (ERK), trained by SET
//   student        MLP 784-64-10 distilled from the dense CNN (examples/distill's settings)
//   cnn_int8_ptq   the dense CNN, static post-training int8 quantization
//   cnn_int8_qat   the dense CNN, quantization-aware training then int8
// Each line: model= test_acc= params= model_bytes= (its checkpoint file) latency_ms_b1=
// latency_p99_ms_b1= images_per_s_b256= j_per_1k= energy_source=.
//
// Every trained model is cached in --out with a <file>.recipe beside it naming the settings that
// trained it: a later run with the same settings loads it instead of training again, so that
// re-measuring costs only the measurement. bench/inference.py runs this and writes the report.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "common/cli.h"
#include "common/cnn.h"
#include "common/inference.h"
#include "common/metering.h"
#include "common/mlp.h"
#include "common/quantize.h"
#include "common/recipes.h"
#include "datasets/fashion_mnist.h"
#include "joule/deploy/thin.h"
#include "joule/joule.h"
#include "joule/quant/checkpoint.h"
#include "joule/quant/convert.h"

using namespace joule;

namespace {

// One trained model in the cache folder: its file, and the settings that trained it (`stamp`),
// kept in <file>.recipe. The model is reused only when both are there and the stamps agree.
struct Cached {
  std::string path;
  std::string stamp;

  bool usable() const {
    std::ifstream in(path + ".recipe");
    std::string found;
    std::getline(in, found);
    return std::filesystem::exists(path) && in && found == stamp;
  }
  // Call after the model file is written.
  void seal() const {
    std::ofstream out(path + ".recipe");
    out << stamp << "\n";
    JOULE_CHECK(out.good(), "cannot write ", path, ".recipe");
  }
};

// What every row shares: the data, the meter, the flags.
struct Ladder {
  const examples::Cli& cli;
  data::Dataset train, test;
  energy::Meter& meter;
  std::string out;
  uint64_t seed = 1;
  int runs = 30;

  // `recipe` with its epochs capped by --epochs (0: the recipe's own).
  examples::Recipe shortened(examples::Recipe recipe) const {
    const int64_t cap = cli.i64("epochs");
    if (cap > 0) recipe.epochs = std::min(recipe.epochs, cap);
    recipe.batch = std::min(recipe.batch, train.size());
    return recipe;
  }
  // The settings every cached model depends on, then `what` trained it.
  Cached cached(const std::string& file, const std::string& what) const {
    std::ostringstream s;
    s << "train_samples=" << train.size() << " seed=" << seed << " " << what;
    return {out + "/" + file, s.str()};
  }
};

std::string describe(const examples::Recipe& r) {
  std::ostringstream s;
  s << r.name << " epochs=" << r.epochs << " batch=" << r.batch << " lr=" << r.lr
    << " momentum=" << r.momentum << " weight_decay=" << r.weight_decay;
  return s.str();
}

// Trains `model` with the recipe (examples::fit_recipe); `extra` adds callbacks (SET,
// distillation). One line per epoch.
void fit(nn::Module& model, const Ladder& l, const examples::Recipe& r, uint64_t seed,
         const std::string& what,
         const std::function<void(train::Trainer&)>& extra = nullptr) {
  examples::fit_recipe(model, l.train, l.test, r, seed, "train model=" + what, extra);
}

void save(const std::string& path, const nn::Module& model) {
  io::save_checkpoint(path, model, nullptr, {});
}

void load(const std::string& path, nn::Module& model) {
  io::load_checkpoint(path, model, nullptr, nullptr, {.load_optimizer = false});
  std::cout << "cached model=" << path << std::endl;
}

// Trains the model `make` builds (or loads it from the cache) and returns it, in eval mode.
std::shared_ptr<nn::Sequential> trained(
    const Cached& c, const std::function<std::shared_ptr<nn::Sequential>()>& make,
    const std::function<void(nn::Sequential&)>& train_it) {
  auto model = make();
  if (c.usable()) {
    load(c.path, *model);
  } else {
    train_it(*model);
    save(c.path, *model);
    c.seal();
  }
  model->eval();
  return model;
}

// Times and energy with 4 significant digits (a student's J/1k can be 0.005), images/s whole.
void print_row(const std::string& name, const examples::InferenceStats& s, int64_t params,
               const std::string& file, const energy::Meter& meter) {
  std::ostringstream line;
  line << "model=" << name << std::fixed << std::setprecision(2) << " test_acc=" << s.test_acc
       << " params=" << params
       << " model_bytes=" << static_cast<int64_t>(std::filesystem::file_size(file))
       << std::defaultfloat << std::setprecision(4) << " latency_ms_b1=" << s.latency_ms_b1
       << " latency_p99_ms_b1=" << s.latency_p99_ms_b1 << std::fixed << std::setprecision(0)
       << " images_per_s_b256=" << s.images_per_s_b256 << std::defaultfloat
       << std::setprecision(4) << " j_per_1k=" << s.j_per_1k
       << " energy_source=" << meter.source();
  std::cout << line.str() << std::endl;
}

void measure(const std::string& name, nn::Module& model, int64_t params, const std::string& file,
             const Ladder& l) {
  print_row(name, examples::measure_inference(model, l.test, l.meter, l.runs), params, file,
            l.meter);
}

std::shared_ptr<nn::Sequential> fresh_mlp(const std::vector<int64_t>& hidden, uint64_t seed) {
  Generator gen(seed);
  std::string arch;
  return examples::make_mlp(784, hidden, 10, gen, &arch);
}

std::shared_ptr<nn::Sequential> fresh_cnn(uint64_t seed) {
  Generator gen(seed);
  return examples::make_cnn({}, gen, seed).model;
}

// ---- the rows ----

void dense_mlp(const Ladder& l) {
  const examples::Recipe r = l.shortened(examples::fashion_mlp_recipe());
  const Cached c = l.cached("mlp.h5", describe(r));
  auto model = trained(c, [&] { return fresh_mlp({256, 128}, l.seed); },
                       [&](nn::Sequential& m) { fit(m, l, r, l.seed, "mlp"); });
  measure("mlp", *model, model->num_parameters(), c.path, l);
}

// The dense CNN; its checkpoint is the teacher and the float model of the int8 rows.
std::shared_ptr<nn::Sequential> dense_cnn(const Ladder& l, Cached* cache) {
  const examples::Recipe r = l.shortened(examples::fashion_cnn_recipe());
  *cache = l.cached("cnn.h5", describe(r));
  auto model = trained(*cache, [&] { return fresh_cnn(l.seed); },
                       [&](nn::Sequential& m) { fit(m, l, r, l.seed, "cnn"); });
  measure("cnn", *model, model->num_parameters(), cache->path, l);
  return model;
}

// The dense CNN with --thin of each conv's output channels pruned (those of smallest L2 norm,
// deploy::prune_channels), fine-tuned for --finetune-epochs with the masks held (prune::attach),
// then thinned into a smaller dense CNN (deploy::thin), whose checkpoint is the row's file. The
// masked model is what the cache keeps: a fresh CNN pruned the same way has its mask buffers.
void cnn_thin(const Ladder& l, const Cached& cnn_file) {
  const double amount = l.cli.f64("thin");
  examples::Recipe r = examples::fashion_cnn_recipe();
  r.epochs = l.cli.i64("finetune-epochs");
  r.lr = l.cli.f64("finetune-lr");
  r = l.shortened(r);
  const std::string name = "cnn_thin" + std::to_string(std::lround(100 * amount));
  const Cached c = l.cached(name + "_masked.h5", "prune_channels " + l.cli.str("thin") +
                                                     " finetune " + describe(r) + " of (" +
                                                     cnn_file.stamp + ")");
  auto masked = fresh_cnn(l.seed);
  if (c.usable()) {
    deploy::prune_channels(*masked, amount);  // the mask buffers the file fills
    load(c.path, *masked);
  } else {
    io::load_checkpoint(cnn_file.path, *masked, nullptr, nullptr, {.load_optimizer = false});
    deploy::prune_channels(*masked, amount);
    fit(*masked, l, r, l.seed + 2, name,
        [&](train::Trainer& t) { prune::attach(t.optimizer(), *masked); });
    save(c.path, *masked);
    c.seal();
  }
  masked->eval();
  deploy::ThinReport report;
  auto small = deploy::thin(*masked, {}, &report);
  const std::string file = l.out + "/" + name + ".h5";
  save(file, *small);
  std::cout << "thinned model=" << name << " params_before=" << report.params_before
            << " params_after=" << report.params_after << std::endl;
  measure(name, *small, small->num_parameters(), file, l);
}

// ERK layer densities of the 784-256-128-10 MLP at `sparsity`: the same on every run, so that a
// cached model's pattern has the shapes a fresh one has.
std::shared_ptr<nn::Sequential> fresh_sparse_mlp(double sparsity, uint64_t seed) {
  const std::vector<int64_t> hidden = {256, 128};
  const std::vector<double> d =
      prune::erk_densities(examples::mlp_weight_shapes(784, hidden, 10), 1 - sparsity);
  Generator gen(seed);
  std::string arch;
  return examples::make_sparse_mlp(784, hidden, 10, d, gen, &arch);
}

void sparse_mlp(const Ladder& l) {
  const double sparsity = l.cli.f64("sparsity");
  const examples::Recipe r = l.shortened(examples::fashion_mlp_recipe());
  const uint64_t seed = l.seed;
  const std::string name = "sparse_mlp" + std::to_string(std::lround(100 * sparsity));
  const Cached c = l.cached("sparse_mlp.h5", describe(r) + " sparsity=" +
                                                 l.cli.str("sparsity") + " set zeta=0.3 cosine");
  auto model = trained(
      c, [&] { return fresh_sparse_mlp(sparsity, seed); },
      [&](nn::Sequential& m) {
        // examples/sparse_mlp --method set with its defaults.
        fit(m, l, r, seed, name, [&](train::Trainer& t) {
          t.add_callback(std::make_shared<prune::SET>(
              m, prune::SETOptions{.zeta = 0.3, .seed = seed + 1, .anneal = true}));
        });
      });
  measure(name, *model, model->num_parameters(), c.path, l);
}

// examples/distill's student (784-64-10, T = 3, alpha = 0.5, fashion_mlp's recipe), taught by
// the dense CNN of this run.
void student(const Ladder& l, const Cached& teacher_file) {
  const examples::Recipe r = l.shortened(examples::fashion_mlp_recipe());
  const Cached c = l.cached("student.h5", describe(r) + " hidden=64 temperature=3 alpha=0.5 "
                                          "teacher=(" + teacher_file.stamp + ")");
  auto model = trained(
      c, [&] { return fresh_mlp({64}, l.seed); },
      [&](nn::Sequential& m) {
        distill::Teacher teacher = distill::Teacher::from_checkpoint(
            teacher_file.path, fresh_cnn(0), {.cache_samples = l.train.size()});
        teacher.fill_cache(l.train);
        fit(m, l, r, l.seed, "student", [&](train::Trainer& t) {
          distill::attach_distillation(t, teacher, {.temperature = 3, .alpha = 0.5});
        });
      });
  measure("student", *model, model->num_parameters(), c.path, l);
}

// A quantized model from the cache, or made by `make` and written there.
std::shared_ptr<quant::QuantizedModel> quantized(
    const Cached& c, const std::function<std::shared_ptr<quant::QuantizedModel>()>& make) {
  if (c.usable()) {
    std::cout << "cached model=" << c.path << std::endl;
    return quant::load_quantized(c.path);
  }
  auto model = make();
  quant::save_quantized(c.path, *model);
  c.seal();
  return model;
}

// examples/quantize's static PTQ (histogram observers, 16 calibration batches of 256).
void cnn_ptq(const Ladder& l, nn::Sequential& cnn, const Cached& cnn_file) {
  const Cached c = l.cached("cnn_int8_ptq.h5", "ptq histogram calibration=16x256 of (" +
                                                   cnn_file.stamp + ")");
  auto model = quantized(c, [&] {
    int64_t used = 0;
    auto int8 = examples::ptq_static(cnn, l.train, quant::ObserverKind::Histogram, 16, l.seed,
                                     &used);
    std::cout << "calibrated model=cnn_int8_ptq batches=" << used << std::endl;
    return int8;
  });
  measure("cnn_int8_ptq", *model, cnn.num_parameters(), c.path, l);
}

// examples/quantize's QAT: from the float weights, fashion_cnn's recipe at lr --qat-lr for
// --qat-epochs, then converted.
void cnn_qat(const Ladder& l, const Cached& cnn_file, int64_t params) {
  examples::Recipe r = examples::fashion_cnn_recipe();
  r.epochs = l.cli.i64("qat-epochs");
  r.lr = l.cli.f64("qat-lr");
  r = l.shortened(r);
  const Cached c = l.cached("cnn_int8_qat.h5", "qat " + describe(r) + " of (" +
                                                   cnn_file.stamp + ")");
  auto model = quantized(c, [&] {
    auto copy = fresh_cnn(l.seed);
    io::load_checkpoint(cnn_file.path, *copy, nullptr, nullptr, {.load_optimizer = false});
    return examples::qat_int8(*copy, l.train, l.test, r, l.seed + 1, "train model=cnn_int8_qat");
  });
  measure("cnn_int8_qat", *model, params, c.path, l);
}

}  // namespace

int main(int argc, char** argv) {
  examples::Cli cli("inference", "The inference ladder: accuracy, size, latency, throughput and "
                                 "energy of every Fashion-MNIST model variant, one line each.");
  cli.int_flag("epochs", "0", "cap on every training's epochs", {.min = 0,
               .note = "0 = each recipe's own"})
      .int_flag("train-samples", "0", "train on the first N training examples only",
                {.min = 0, .note = "0 = all"})
      .int_flag("test-samples", "0", "measure on the first N test examples only",
                {.min = 0, .note = "0 = all; else at least 256, one batch of 256"})
      .real_flag("sparsity", "0.9", "sparse_mlp: fraction of the weights removed (ERK)",
                 {.min = 0, .max = 1, .max_open = true})
      .real_flag("thin", "0.5", "cnn_thin: fraction of each conv's output channels pruned",
                 {.min = 0, .max = 1, .min_open = true, .max_open = true})
      .int_flag("finetune-epochs", "3", "cnn_thin: fine-tuning epochs with the masks held",
                {.min = 1})
      .real_flag("finetune-lr", "0.01", "cnn_thin: fine-tuning learning rate (cosine to 0)",
                 {.min = 0, .min_open = true})
      .int_flag("qat-epochs", "1", "epochs of quantization-aware training", {.min = 1})
      .real_flag("qat-lr", "0.001", "learning rate of quantization-aware training (cosine to 0)",
                 {.min = 0, .min_open = true})
      .int_flag("runs", "30", "timed batch-256 runs per model (batch 1: ten times as many)",
                {.min = 1})
      .int_flag("seed", "1", "seed for initialisation, shuffling and calibration", {.min = 0})
      .flag("data", "", "folder with the Fashion-MNIST IDX files (default: $JOULE_FASHION_MNIST "
                        "or /usr/share/datasets/fashion-mnist)");
  examples::add_threads_flag(cli);
  examples::add_metering_flags(cli, "runs/inference");
  cli.parse_or_exit(argc, argv);
  try {
    const int threads = examples::set_threads(cli.i64("threads"));
    const int64_t test_samples = cli.i64("test-samples");
    JOULE_CHECK(test_samples == 0 || test_samples >= 256, "--test-samples must be 0 "
                "(all) or at least 256 (one batch of 256 is timed), got ", test_samples);
    data::Dataset train = data::load_fashion_mnist(data::Split::Train, cli.str("data"));
    data::Dataset test = data::load_fashion_mnist(data::Split::Test, cli.str("data"));
    train = examples::first_examples(train, cli.i64("train-samples"));
    test = examples::first_examples(test, test_samples);
    const std::string out = cli.str("out");
    JOULE_CHECK(!out.empty(), "--out must name the folder that caches the models");
    std::filesystem::create_directories(out);
    examples::Metering metering = examples::start_metering(cli, std::cout);
    Ladder l{cli, std::move(train), std::move(test), *metering.meter, out,
             static_cast<uint64_t>(cli.i64("seed")), static_cast<int>(cli.i64("runs"))};
    std::cout << "ladder train_samples=" << l.train.size() << " test_samples=" << l.test.size()
              << " epochs_cap=" << cli.i64("epochs") << " runs=" << l.runs
              << " threads=" << threads << " blas=" << examples::blas_name(Device::cpu())
              << " vnni=" << (kernels::cpu::has_vnni() ? 1 : 0) << " out=" << out << std::endl;

    dense_mlp(l);
    Cached cnn_file;
    auto cnn = dense_cnn(l, &cnn_file);
    cnn_thin(l, cnn_file);
    sparse_mlp(l);
    student(l, cnn_file);
    cnn_ptq(l, *cnn, cnn_file);
    cnn_qat(l, cnn_file, cnn->num_parameters());
    std::cout << "done energy=" << metering.meter->kind() << std::endl;
  } catch (const Error& e) {
    std::cerr << "inference: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
