// Joule's side of bench/quant_vs_torch.py: forward passes of the Fashion-MNIST MLP
// (784-256-128-10) and CNN (conv5x5x16-pool-conv5x5x32-pool-fc128-fc10), fp32 against int8
// (static PTQ, and dynamic for the MLP), at batch 1 and 256. Weights are random (the timing does
// not depend on them) unless --checkpoint gives trained ones; calibration uses uniform [0, 1)
// images. One key=value line per model, variant and batch:
//   quant_bench model=cnn variant=int8_static batch=256 ms=... images_per_s=... samples=...
// Each figure is the median of --samples timed calls after a warm-up.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "common/cnn.h"
#include "common/mlp.h"
#include "joule/io/checkpoint.h"
#include "joule/joule.h"
#include "joule/quant/convert.h"
#include "joule/quant/dynamic.h"

using namespace joule;

namespace {

double median_ms(nn::Module& model, const Tensor& x, int samples) {
  NoGradGuard no_grad;
  for (int i = 0; i < 3 + samples / 10; ++i) model.forward(x);
  std::vector<double> ms;
  for (int i = 0; i < samples; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    model.forward(x);
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

void print_row(const std::string& model, const std::string& variant, nn::Module& m, int64_t batch,
            int samples) {
  Generator g(3);
  const Tensor x = Tensor::uniform({batch, 784}, g, 0.f, 1.f);
  const double ms = median_ms(m, x, batch == 1 ? samples * 10 : samples);
  std::cout << "quant_bench model=" << model << " variant=" << variant << " batch=" << batch
            << " ms=" << ms << " images_per_s=" << batch * 1000.0 / ms
            << " samples=" << (batch == 1 ? samples * 10 : samples) << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  std::string which = "both", checkpoint_mlp, checkpoint_cnn;
  int samples = 30;
  const char* usage =
      "usage: quant_bench [--model mlp|cnn|both] [--samples N] [--mlp-checkpoint PATH] "
      "[--cnn-checkpoint PATH]\n";
  if (argc % 2 == 0) {
    std::cerr << usage;
    return 2;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--model") which = v;
    else if (k == "--samples") samples = std::max(1, std::atoi(v.c_str()));
    else if (k == "--mlp-checkpoint") checkpoint_mlp = v;
    else if (k == "--cnn-checkpoint") checkpoint_cnn = v;
    else {
      std::cerr << usage;
      return 2;
    }
  }
  try {
    std::cout << "quant_bench threads=" << omp_get_max_threads()
              << " vnni=" << (kernels::cpu::has_vnni() ? 1 : 0) << std::endl;
    for (const std::string model : {"mlp", "cnn"}) {
      if (which != "both" && which != model) continue;
      Generator gen(1);
      std::shared_ptr<nn::Sequential> m;
      std::string arch;
      if (model == "cnn")
        m = examples::make_cnn({}, gen, 1).model;
      else
        m = examples::make_mlp(784, {256, 128}, 10, gen, &arch);
      const std::string& ckpt = model == "cnn" ? checkpoint_cnn : checkpoint_mlp;
      if (!ckpt.empty()) io::load_checkpoint(ckpt, *m, nullptr, nullptr, {.load_optimizer = false});
      m->eval();
      quant::StaticQuantizer q(*m, {.observer = quant::ObserverKind::MinMax});
      Generator cg(2);
      for (int b = 0; b < 4; ++b) q.calibrate(Tensor::uniform({256, 784}, cg, 0.f, 1.f));
      auto int8 = q.convert();
      for (int64_t batch : {1, 256}) {
        print_row(model, "fp32", *m, batch, samples);
        print_row(model, "int8_static", *int8, batch, samples);
        if (model == "mlp") {
          auto dyn = quant::quantize_dynamic(*m);
          print_row(model, "int8_dynamic", *dyn, batch, samples);
        }
      }
    }
  } catch (const Error& e) {
    std::cerr << "quant_bench: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
