// meter_overhead: what energy metering costs a training epoch. Trains the Fashion-MNIST MLP
// (784-256-128-10, batch 128, SGD momentum) for --epochs epochs per run, evaluating on the test
// set after each, alternating runs with and without the metering callback, and reports the median
// wall time of a whole epoch (training, evaluation, callbacks) of each and the overhead in percent;
// also times one meter read directly (the callback reads 4 times an epoch). key=value lines:
//   meter source=estimate energy=estimated read_us=2.1 reads_per_epoch=4
//   run=1 metered=0 epoch_s=0.488
//   overhead metered_median_s=0.489 plain_median_s=0.488 overhead_pct=0.2 read_share_pct=0.002
// Usage: meter_overhead [--rounds 5] [--epochs 2] [--threads 2] [--data DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "common/cli.h"
#include "datasets/fashion_mnist.h"
#include "joule/energy/make_meter.h"
#include "joule/joule.h"
#include "joule/train/metering.h"

using namespace joule;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Wall seconds per epoch of one run of `epochs` epochs (whole fit() / epochs).
double run(const data::Dataset& train, const data::Dataset& test, energy::Meter* meter,
           int64_t epochs) {
  Generator gen(1);
  auto model = std::make_shared<nn::Sequential>(
      std::make_shared<nn::Linear>(784, 256, gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(256, 128, gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(128, 10, gen));
  optim::SGD opt(model->parameters(), {.lr = 0.05, .momentum = 0.9});
  data::DataLoader loader(train, {.batch_size = 128, .seed = 1});
  data::DataLoader test_loader(test, {.batch_size = 1000, .shuffle = false});
  train::Trainer t(*model, opt, {.epochs = epochs, .progress = false, .quiet = true});
  if (meter) t.add_callback(std::make_shared<train::MeteringCallback>(*meter, energy::CarbonOptions{}));
  const auto t0 = std::chrono::steady_clock::now();
  t.fit(loader, &test_loader);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
         static_cast<double>(epochs);
}

}  // namespace

int main(int argc, char** argv) {
  examples::Cli cli("meter_overhead", "Epoch time of the Fashion-MNIST MLP with and without the "
                                      "energy-metering callback, alternating.");
  cli.int_flag("rounds", "5", "runs of each kind (metered, plain)", {.min = 1})
      .int_flag("epochs", "2", "epochs per run", {.min = 1});
  examples::add_threads_flag(cli, "2");
  cli.flag("data", "", "folder with the Fashion-MNIST IDX files (default: $JOULE_FASHION_MNIST "
                       "or /usr/share/datasets/fashion-mnist)");
  cli.parse_or_exit(argc, argv);
  const int64_t rounds = cli.i64("rounds"), epochs = cli.i64("epochs");
  examples::set_threads(cli.i64("threads"));
  try {
    data::Dataset train = data::load_fashion_mnist(data::Split::Train, cli.str("data"));
    data::Dataset test = data::load_fashion_mnist(data::Split::Test, cli.str("data"));
    std::vector<std::string> notes;
    const energy::MeterOptions options;
    auto meter = energy::make_meter(options, &notes);
    // One read, timed over many.
    constexpr int kReads = 2000;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kReads; ++i) meter->read();
    const double read_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / kReads;
    // The callback opens and closes two windows an epoch (training, evaluation): 4 reads at most.
    const int reads_per_epoch = 4;
    std::printf("meter source=%s energy=%s read_us=%.2f reads_per_epoch=%d\n",
                meter->source().c_str(), meter->kind(), read_us,
                reads_per_epoch);
    std::vector<double> plain, metered;
    for (int64_t r = 1; r <= rounds; ++r) {
      for (int m = 0; m < 2; ++m) {
        const double s = run(train, test, m ? meter.get() : nullptr, epochs);
        std::printf("run=%lld metered=%d epoch_s=%.4f\n", static_cast<long long>(r), m, s);
        std::fflush(stdout);
        (m ? metered : plain).push_back(s);
      }
    }
    const double pm = median(plain), mm = median(metered);
    std::printf("overhead metered_median_s=%.4f plain_median_s=%.4f overhead_pct=%.2f "
                "read_share_pct=%.5f\n", mm, pm, 100.0 * (mm - pm) / pm,
                100.0 * reads_per_epoch * read_us * 1e-6 / pm);
  } catch (const Error& e) {
    std::fprintf(stderr, "meter_overhead: %s\n", e.what());
    return 1;
  }
  return 0;
}
