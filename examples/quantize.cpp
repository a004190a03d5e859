// int8 quantization of the Fashion-MNIST MLP or CNN: loads the trained float model (or trains it
// with its example's recipe), then evaluates every variant and prints one key=value line each:
//   fp32         the float model
//   ptq_static   post-training static quantization (histogram observers, calibration batches)
//   ptq_dynamic  (MLP) Linear layers with int8 weights, activations quantized per batch
//   qat          quantization-aware training from the float weights, then converted
// with its test accuracy, model file size, batch-1 latency and batch-256 throughput (medians of
// timed runs after a warm-up) and energy per 1000 images, then a summary line.
#include <algorithm>
#include <chrono>
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
#include "common/mlp.h"
#include "common/recipes.h"
#include "datasets/fashion_mnist.h"
#include "joule/io/checkpoint.h"
#include "joule/joule.h"
#include "joule/quant/checkpoint.h"
#include "joule/quant/convert.h"
#include "joule/quant/dynamic.h"

using namespace joule;

namespace {

// The float model the --model names, freshly initialised.
std::shared_ptr<nn::Sequential> make_model(const std::string& which, uint64_t seed,
                                           const examples::CnnOptions& cnn) {
  Generator gen(seed);
  if (which == "cnn") return examples::make_cnn(cnn, gen, seed).model;
  std::string arch;
  return examples::make_mlp(784, {256, 128}, 10, gen, &arch);
}

// The recipe of examples/fashion_cnn or examples/fashion_mlp.
examples::Recipe recipe_of(const std::string& which) {
  return which == "cnn" ? examples::fashion_cnn_recipe() : examples::fashion_mlp_recipe();
}

struct Variant {
  std::string name;
  examples::InferenceStats s;
  int64_t bytes = 0;
};

// Accuracy, latency, throughput and energy of one variant; bytes as given.
Variant measure(const std::string& name, nn::Module& model, const data::Dataset& test,
                int64_t bytes, energy::Meter& meter, int runs) {
  return {name, examples::measure_inference(model, test, meter, runs), bytes};
}

void print(const Variant& v, const energy::Meter& meter) {
  std::cout << std::fixed << "variant=" << v.name << std::setprecision(2) << " test_acc="
            << v.s.test_acc << " model_bytes=" << v.bytes << std::setprecision(4)
            << " latency_ms_b1=" << v.s.latency_ms_b1 << std::setprecision(0)
            << " images_per_s_b256=" << v.s.images_per_s_b256 << std::setprecision(4)
            << " j_per_1k=" << v.s.j_per_1k
            << " energy_source=" << meter.source() << std::endl;
  std::cout.unsetf(std::ios::fixed);
}

int64_t file_bytes(const std::string& path) {
  return static_cast<int64_t>(std::filesystem::file_size(path));
}

}  // namespace

int main(int argc, char** argv) {
  examples::Cli cli("quantize", "int8 variants of the Fashion-MNIST MLP or CNN, one line each.");
  cli.choice_flag("model", "cnn", "the Fashion-MNIST model", {"mlp", "cnn"})
      .flag("checkpoint", "", "the trained float model (fashion_cnn's last.h5, or a file this "
                              "program wrote); '' trains it with its example's recipe")
      .int_flag("qat-epochs", "1", "epochs of quantization-aware training (0: no qat variant)",
                {.min = 0})
      .real_flag("qat-lr", "0.001", "learning rate of quantization-aware training (cosine to 0)",
                 {.min = 0, .min_open = true})
      .int_flag("calibration-batches", "16", "batches of 256 training images for ptq_static",
                {.min = 1})
      .choice_flag("observer", "histogram", "ptq_static's observer",
                   {"histogram", "minmax", "moving_average"})
      .int_flag("runs", "30", "timed batch-256 runs per variant (batch 1: ten times as many)",
                {.min = 1})
      .int_flag("seed", "1", "seed for initialisation, shuffling and calibration batches",
                {.min = 0})
      .flag("data", "", "folder with the Fashion-MNIST IDX files (default: $JOULE_FASHION_MNIST "
                        "or /usr/share/datasets/fashion-mnist)");
  examples::add_threads_flag(cli);
  examples::add_metering_flags(cli, "runs/quantize");
  examples::add_export_flag(cli);
  cli.choice_flag("export-variant", "ptq_static", "the variant --export writes",
                  {"ptq_static", "fp32", "ptq_dynamic", "qat"});
  cli.parse_or_exit(argc, argv);
  const std::string which = cli.str("model");
  try {
    // The variant --export writes, checked before any work: it must be one this run makes.
    const std::string export_variant = cli.str("export-variant");
    if (!cli.str("export").empty()) {
      JOULE_CHECK(export_variant != "ptq_dynamic" || which == "mlp", "quantize: --export-variant ",
                  "ptq_dynamic needs --model mlp (dynamic quantization covers Linear layers)");
      JOULE_CHECK(export_variant != "qat" || cli.i64("qat-epochs") > 0, "quantize: ",
                  "--export-variant qat needs --qat-epochs >= 1, got ", cli.i64("qat-epochs"));
    }
    const int threads = examples::set_threads(cli.i64("threads"));
    const uint64_t seed = static_cast<uint64_t>(cli.i64("seed"));
    const int runs = static_cast<int>(cli.i64("runs"));
    data::Dataset train = data::load_fashion_mnist(data::Split::Train, cli.str("data"));
    data::Dataset test = data::load_fashion_mnist(data::Split::Test, cli.str("data"));
    auto export_if = [&](const std::string& variant, nn::Module& m) {
      if (variant == export_variant)
        examples::export_if_asked(cli, m, examples::fashion_input_shape(which == "cnn"), test,
                                  std::cout);
    };
    const std::string out = cli.str("out");
    std::filesystem::create_directories(out);
    examples::Metering metering = examples::start_metering(cli, std::cout);
    energy::Meter& meter = *metering.meter;

    // ---- the float model ----
    const std::string ckpt = cli.str("checkpoint");
    examples::CnnOptions cnn_options;
    if (!ckpt.empty() && which == "cnn") cnn_options = examples::cnn_options_of(ckpt);
    auto model = make_model(which, seed, cnn_options);
    if (!ckpt.empty()) {
      io::load_checkpoint(ckpt, *model, nullptr, nullptr, {.load_optimizer = false});
      std::cout << "loaded checkpoint=" << ckpt << std::endl;
    } else {
      examples::fit_recipe(*model, train, test, recipe_of(which), seed, "train_fp32");
    }
    model->eval();
    const std::string fp32_path = out + "/" + which + "_fp32.h5";
    io::save_checkpoint(fp32_path, *model, nullptr, {});
    std::cout << "model=" << which << " params=" << model->num_parameters() << " threads="
              << threads << " vnni=" << (kernels::cpu::has_vnni() ? 1 : 0)
              << " fp32_checkpoint=" << fp32_path << std::endl;

    std::vector<Variant> variants;
    variants.push_back(measure("fp32", *model, test, file_bytes(fp32_path), meter, runs));
    print(variants.back(), meter);
    export_if("fp32", *model);

    // ---- static PTQ ----
    auto ptq_model = examples::ptq_static(*model, train, quant::observer_kind(cli.str("observer")),
                                          cli.i64("calibration-batches"), seed);
    const std::string ptq_path = out + "/" + which + "_ptq_static.h5";
    quant::save_quantized(ptq_path, *ptq_model);
    variants.push_back(measure("ptq_static", *ptq_model, test, file_bytes(ptq_path), meter, runs));
    print(variants.back(), meter);
    export_if("ptq_static", *ptq_model);

    // ---- dynamic (Linear layers: the MLP) ----
    if (which == "mlp") {
      auto dyn = quant::quantize_dynamic(*model);
      int64_t bytes = 0;  // no file format of its own: the int8 weights, scales and biases held
      for (size_t i = 0; i < dyn->size(); ++i)
        if (auto* l = dynamic_cast<quant::DynamicQLinear*>((*dyn)[i].get()))
          bytes += static_cast<int64_t>(l->weight().data.size() + 8 * l->weight().scales.size());
      variants.push_back(measure("ptq_dynamic", *dyn, test, bytes, meter, runs));
      print(variants.back(), meter);
      export_if("ptq_dynamic", *dyn);
    }

    // ---- QAT, from a fresh copy of the float weights ----
    if (cli.i64("qat-epochs") > 0) {
      auto copy = make_model(which, seed, cnn_options);
      io::load_checkpoint(fp32_path, *copy, nullptr, nullptr, {.load_optimizer = false});
      examples::Recipe r = recipe_of(which);
      r.epochs = cli.i64("qat-epochs");
      r.lr = cli.f64("qat-lr");
      auto qat_model = examples::qat_int8(*copy, train, test, r, seed + 1, "train_qat");
      const std::string qat_path = out + "/" + which + "_qat.h5";
      quant::save_quantized(qat_path, *qat_model);
      variants.push_back(measure("qat", *qat_model, test, file_bytes(qat_path), meter, runs));
      print(variants.back(), meter);
      export_if("qat", *qat_model);
    }

    // ---- summary: the int8 variants against fp32 ----
    const Variant& f = variants.front();
    std::cout << std::setprecision(3) << "summary model=" << which << " fp32_acc=" << f.s.test_acc;
    for (size_t i = 1; i < variants.size(); ++i) {
      const Variant& v = variants[i];
      std::cout << " " << v.name << "_dacc=" << v.s.test_acc - f.s.test_acc << " " << v.name
                << "_speedup_b1=" << f.s.latency_ms_b1 / v.s.latency_ms_b1 << " " << v.name
                << "_speedup_b256=" << v.s.images_per_s_b256 / f.s.images_per_s_b256 << " "
                << v.name << "_energy_ratio=" << v.s.j_per_1k / f.s.j_per_1k << " " << v.name
                << "_bytes_ratio=" << static_cast<double>(v.bytes) / static_cast<double>(f.bytes);
    }
    std::cout << " energy=" << (meter.measured() ? "measured" : "estimated") << std::endl;
  } catch (const Error& e) {
    std::cerr << "quantize: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
