// The Fashion-MNIST CNN through a deployment pipeline, one key=value line per step:
//   train   the float model (fashion_cnn's recipe, or --checkpoint)
//   prune   structured pruning of each convolution's output channels to --channel-sparsity
//           (L2 norm, on a schedule over --prune-epochs fine-tuning epochs): masked, not smaller
//   thin    deploy::thin: the pruned channels removed, a smaller dense model (max_abs_diff= is the
//           largest |thinned - masked| logit over the test images)
//   qat     quantization-aware training of the thinned model for --qat-epochs, then int8
//   export  (--export PATH.onnx) the last step's model (qat's int8, else thin's) as ONNX, with
//           Joule's test accuracy of exactly that model
// with test accuracy, parameters, checkpoint size, batch-1 latency, batch-256 throughput and
// energy per 1000 images (examples/common/inference.h), then a summary line.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "common/cli.h"
#include "common/cnn.h"
#include "common/export.h"
#include "common/inference.h"
#include "common/metering.h"
#include "common/quantize.h"
#include "common/recipes.h"
#include "datasets/fashion_mnist.h"
#include "joule/deploy/onnx_export.h"
#include "joule/deploy/thin.h"
#include "joule/io/checkpoint.h"
#include "joule/joule.h"
#include "joule/quant/checkpoint.h"
#include "joule/quant/convert.h"

using namespace joule;

namespace {

// The pruning schedule over `epochs` fine-tuning epochs of `steps` optimizer steps: from 0 at
// step 0 to `sparsity` at the start of the last epoch (Zhu & Gupta's cubic), pruning once per
// epoch; one-shot at step 0 when there is a single epoch.
std::shared_ptr<prune::Schedule> channel_schedule(double sparsity, int64_t epochs, int64_t steps) {
  if (epochs <= 1) return std::make_shared<prune::OneShot>(0, sparsity);
  return std::make_shared<prune::PolynomialDecay>(prune::PolynomialDecayOptions{
      .initial_sparsity = 0, .final_sparsity = sparsity, .begin_step = 0,
      .end_step = (epochs - 1) * steps, .power = 3, .frequency = steps});
}

// The largest |a(x) - b(x)| over the test images, batches of 1000, both in eval mode.
double max_abs_diff(nn::Module& a, nn::Module& b, const data::Dataset& test) {
  NoGradGuard no_grad;
  a.eval();
  b.eval();
  double d = 0;
  for (int64_t i = 0; i < test.size(); i += 1000) {
    const Tensor x = test.features.slice_rows(i, std::min(test.size(), i + 1000));
    const std::vector<float> ya = a.forward(x).contiguous().to_vector<float>();
    const std::vector<float> yb = b.forward(x).contiguous().to_vector<float>();
    for (size_t k = 0; k < ya.size(); ++k)
      d = std::max(d, std::fabs(static_cast<double>(ya[k]) - yb[k]));
  }
  return d;
}

struct Step {
  std::string name;
  examples::InferenceStats s;
  int64_t params = 0, bytes = 0;
};

void print(const Step& v, const energy::Meter& meter, const std::string& extra = "") {
  std::cout << std::fixed << "step=" << v.name << std::setprecision(2) << " test_acc="
            << v.s.test_acc << " params=" << v.params << " model_bytes=" << v.bytes
            << std::setprecision(4) << " latency_ms_b1=" << v.s.latency_ms_b1
            << std::setprecision(0) << " images_per_s_b256=" << v.s.images_per_s_b256
            << std::setprecision(4) << " j_per_1k=" << v.s.j_per_1k
            << " energy_source=" << meter.source() << extra << std::endl;
  std::cout.unsetf(std::ios::fixed);
}

int64_t file_bytes(const std::string& path) {
  return static_cast<int64_t>(std::filesystem::file_size(path));
}

}  // namespace

int main(int argc, char** argv) {
  const examples::Recipe recipe = examples::fashion_cnn_recipe();
  examples::Cli cli("deploy", "The Fashion-MNIST CNN trained, channel-pruned, thinned and "
                              "quantized, one line per step.");
  cli.real_flag("channel-sparsity", "0.5", "fraction of each convolution's output channels to "
                "prune", {.min = 0, .max = 1, .max_open = true})
      .flag("checkpoint", "", "the trained float CNN (fashion_cnn's last.h5, or cnn_fp32.h5 this "
                              "program wrote); '' trains it with fashion_cnn's recipe")
      .int_flag("epochs", std::to_string(recipe.epochs), "training epochs (without --checkpoint)",
                {.min = 1})
      .int_flag("prune-epochs", "3", "fine-tuning epochs while pruning (0: prune once, no "
                "fine-tuning)", {.min = 0})
      .real_flag("prune-lr", "0.005", "learning rate of the pruning fine-tuning (cosine to 0)",
                 {.min = 0, .min_open = true})
      .int_flag("qat-epochs", "1", "epochs of quantization-aware training of the thinned model "
                "(0: no qat step)", {.min = 0})
      .real_flag("qat-lr", "0.001", "learning rate of quantization-aware training (cosine to 0)",
                 {.min = 0, .min_open = true})
      .int_flag("runs", "30", "timed batch-256 runs per step (batch 1: ten times as many)",
                {.min = 1})
      .int_flag("train-samples", "0", "use the first N training images only (0: all)", {.min = 0})
      .int_flag("test-samples", "0", "use the first N test images only (0: all)", {.min = 0})
      .int_flag("seed", "1", "seed for initialisation and shuffling", {.min = 0})
      .flag("data", "", "folder with the Fashion-MNIST IDX files (default: $JOULE_FASHION_MNIST "
                        "or /usr/share/datasets/fashion-mnist)");
  examples::add_threads_flag(cli);
  examples::add_metering_flags(cli, "runs/deploy");
  examples::add_export_flag(cli);
  cli.parse_or_exit(argc, argv);
  try {
    JOULE_CHECK(cli.str("export").empty() || deploy::onnx_export_available(), "deploy: --export ",
                cli.str("export"), ": this Joule was built without ONNX (JOULE_ONNX=OFF or "
                "libonnx-dev missing)");
    const int threads = examples::set_threads(cli.i64("threads"));
    const uint64_t seed = static_cast<uint64_t>(cli.i64("seed"));
    const int runs = static_cast<int>(cli.i64("runs"));
    const double sparsity = cli.f64("channel-sparsity");
    data::Dataset train = data::load_fashion_mnist(data::Split::Train, cli.str("data"));
    data::Dataset test = data::load_fashion_mnist(data::Split::Test, cli.str("data"));
    train = examples::first_examples(train, cli.i64("train-samples"));
    test = examples::first_examples(test, cli.i64("test-samples"));
    std::string out = cli.str("out");
    if (out.empty()) out = ".";
    std::filesystem::create_directories(out);
    examples::Metering metering = examples::start_metering(cli, std::cout);
    energy::Meter& meter = *metering.meter;
    std::vector<Step> steps;

    // ---- train: the float CNN ----
    const std::string ckpt = cli.str("checkpoint");
    examples::CnnOptions cnn_options;
    if (!ckpt.empty()) cnn_options = examples::cnn_options_of(ckpt);
    Generator gen(seed);
    auto model = examples::make_cnn(cnn_options, gen, seed).model;
    if (!ckpt.empty()) {
      io::load_checkpoint(ckpt, *model, nullptr, nullptr, {.load_optimizer = false});
      std::cout << "loaded checkpoint=" << ckpt << std::endl;
    } else {
      examples::Recipe r = recipe;
      r.epochs = cli.i64("epochs");
      examples::fit_recipe(*model, train, test, r, seed, "train");
    }
    std::cout << "model=cnn threads=" << threads << " channel_sparsity=" << sparsity << std::endl;
    const std::string fp32_path = out + "/cnn_fp32.h5";
    io::save_checkpoint(fp32_path, *model, nullptr, {});
    steps.push_back({"train", examples::measure_inference(*model, test, meter, runs),
                     model->num_parameters(), file_bytes(fp32_path)});
    print(steps.back(), meter);

    // ---- prune: masks on whole channels, fine-tuned on a schedule ----
    if (cli.i64("prune-epochs") == 0) {
      deploy::prune_channels(*model, sparsity);
    } else {
      examples::Recipe r = recipe;
      r.epochs = cli.i64("prune-epochs");
      r.lr = cli.f64("prune-lr");
      const int64_t steps_per_epoch = (train.size() + r.batch - 1) / r.batch;
      auto callback = std::make_shared<prune::PruningCallback>(
          channel_schedule(sparsity, r.epochs, steps_per_epoch),
          prune::PruningCallbackOptions{.names = deploy::channel_prunable(*model),
                                        .method = deploy::channel_pruning()});
      examples::fit_recipe(*model, train, test, r, seed + 1, "prune",
                           [&](train::Trainer& t) { t.add_callback(callback); });
    }
    const std::string pruned_path = out + "/cnn_pruned.h5";
    io::save_checkpoint(pruned_path, *model, nullptr, {});
    steps.push_back({"prune", examples::measure_inference(*model, test, meter, runs),
                     model->num_parameters(), file_bytes(pruned_path)});
    print(steps.back(), meter,
          " nnz=" + std::to_string(prune::nnz(*model, prune::prunable_parameters(*model))));

    // ---- thin: the pruned channels removed ----
    deploy::ThinReport report;
    auto thinned = deploy::thin(*model, {}, &report);
    for (const auto& line : report.lines) std::cout << "thinned " << line << std::endl;
    const double diff = max_abs_diff(*thinned, *model, test);
    const std::string thin_path = out + "/cnn_thin.h5";
    io::save_checkpoint(thin_path, *thinned, nullptr, {});
    steps.push_back({"thin", examples::measure_inference(*thinned, test, meter, runs),
                     thinned->num_parameters(), file_bytes(thin_path)});
    std::ostringstream diff_field;
    diff_field << " max_abs_diff=" << std::setprecision(3) << diff;
    print(steps.back(), meter, diff_field.str());

    // ---- qat: int8 from the thinned weights ----
    std::shared_ptr<nn::Module> last = thinned;  // what --export writes
    std::string last_step = "thin";
    if (cli.i64("qat-epochs") > 0) {
      examples::Recipe r = recipe;
      r.epochs = cli.i64("qat-epochs");
      r.lr = cli.f64("qat-lr");
      auto int8 = examples::qat_int8(*thinned, train, test, r, seed + 2, "qat");
      const std::string qat_path = out + "/cnn_thin_qat.h5";
      quant::save_quantized(qat_path, *int8);
      // The int8 model holds the thinned model's weights, as int8.
      steps.push_back({"qat", examples::measure_inference(*int8, test, meter, runs),
                       thinned->num_parameters(), file_bytes(qat_path)});
      print(steps.back(), meter);
      last = int8;
      last_step = "qat";
    }

    // ---- export: the last step's model as ONNX ----
    const std::string onnx_path = cli.str("export");
    if (!onnx_path.empty()) {
      const Shape input = examples::fashion_input_shape(/*cnn=*/true);
      deploy::export_onnx(*last, onnx_path, input);
      // The file holds exactly the model the last step measured: its figures, the file's bytes
      // and Joule's accuracy of that model computed again (ONNX Runtime must reproduce it).
      Step exported = steps.back();
      exported.name = "export";
      exported.bytes = file_bytes(onnx_path);
      exported.s.test_acc = examples::test_accuracy(*last, test);
      print(exported, meter, " onnx=" + onnx_path + " of=" + last_step + " input=N,1,28,28");
    }

    // ---- summary: each step against the masked (pruned) model ----
    const Step& p = steps[1];
    std::cout << std::setprecision(3) << "summary";
    for (size_t i = 2; i < steps.size(); ++i) {
      const Step& v = steps[i];
      std::cout << " " << v.name << "_speedup_b256=" << v.s.images_per_s_b256 /
                   p.s.images_per_s_b256 << " " << v.name << "_speedup_b1="
                << p.s.latency_ms_b1 / v.s.latency_ms_b1 << " " << v.name << "_params_ratio="
                << static_cast<double>(v.params) / static_cast<double>(p.params);
    }
    std::cout << " thin_exact=" << (diff <= 1e-4 ? 1 : 0)
              << " energy=" << (meter.measured() ? "measured" : "estimated") << std::endl;
  } catch (const Error& e) {
    std::cerr << "deploy: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
