// Knowledge distillation on Fashion-MNIST: a CNN teacher (fashion_cnn's checkpoint, or trained
// here first when there is none) teaches a small MLP student (784-64-10). For each seed the same
// student (same initialisation, same data order, same epochs) is trained twice, on hard labels
// alone and with distillation; the teacher's logits for the training set are computed once and
// cached, and its energy is reported apart. Ends with
//   summary kd_acc_mean= hard_acc_mean= kd_joules= hard_joules= teacher_joules= ...
#include <Eigen/Core>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "common/cli.h"
#include "common/cnn.h"
#include "common/metering.h"
#include "common/mlp.h"
#include "common/tag.h"
#include "datasets/fashion_mnist.h"
#include "joule/distill/distiller.h"
#include "joule/joule.h"
#include "joule/train/checkpointing.h"

using namespace joule;

namespace {

struct RunResult {
  double test_acc = 0;
  double joules = 0;
};

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

double stddev(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

// Trains the teacher with fashion_cnn's recipe (SGD lr 0.02, momentum 0.9, batch 64, cosine) and
// writes its checkpoint where fashion_cnn would; returns the joules it took.
double train_teacher(const examples::Cli& cli, const std::string& path, const data::Dataset& train,
                     data::DataLoader& test_loader, examples::Metering& metering) {
  const uint64_t seed = static_cast<uint64_t>(cli.i64("seed"));
  const int64_t epochs = cli.i64("teacher-epochs");
  Generator gen(seed);
  examples::Cnn cnn = examples::make_cnn({}, gen, seed);
  optim::SGD opt(cnn.model->parameters(), {.lr = 0.02, .momentum = 0.9});
  auto sched = std::make_shared<optim::Scheduler>(
      opt, std::make_shared<optim::CosineAnnealingLR>(std::max<int64_t>(epochs, 1)));
  data::DataLoader loader(train, {.batch_size = 64, .shuffle = true, .seed = seed});
  metering.callback = std::make_shared<train::MeteringCallback>(*metering.meter, metering.carbon);
  train::Trainer trainer(*cnn.model, opt, {.epochs = epochs, .progress = !cli.on("no-progress")});
  trainer.set_scheduler(sched);
  trainer.add_callback(std::make_shared<examples::TagCallback>(
      std::vector<std::pair<std::string, std::string>>{{"run", "teacher"}}));
  trainer.add_callback(metering.callback);
  train::CheckpointParts parts{sched, cnn.generators, metering.callback.get(),
                               {{"epochs", std::to_string(epochs)}, {"batch", "64"},
                                {"lr", "0.02"}, {"momentum", "0.9"}, {"weight-decay", "0"},
                                {"seed", std::to_string(seed)}, {"dropout", "0"},
                                {"batchnorm", "0"}, {"trained_by", "examples/distill"}}};
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  trainer.add_callback(std::make_shared<train::CheckpointCallback>(dir, parts));
  trainer.fit(loader, &test_loader);
  if (train::checkpoint_path(dir) != path)  // the callback writes <dir>/last.h5
    std::filesystem::rename(train::checkpoint_path(dir), path);
  report::RunInfo info = examples::new_run_info("examples/distill");
  for (const auto& [k, v] : parts.attributes) info.params.emplace_back(k, v);
  examples::write_outputs(metering, info, "distill_teacher", -1, {}, std::cout);
  return metering.callback->cumulative_joules();
}

}  // namespace

int main(int argc, char** argv) {
  examples::Cli cli("distill", "Distil a CNN teacher into a small MLP student on Fashion-MNIST; "
                               "compare with the student trained on hard labels.");
  examples::add_recipe_flags(cli, "10", "128", "0.05");
  cli.flag("seeds", "5", "number of seeds (--seed, --seed+1, ...): each trains both students")
      .flag("hidden", "64", "the student's hidden widths, comma-separated")
      .flag("temperature", "3", "distillation temperature T")
      .flag("alpha", "0.5", "weight of the soft (teacher) term; 1 - alpha for the hard labels")
      .flag("teacher", "runs/fashion_cnn/last.h5", "the teacher's checkpoint (fashion_cnn's); "
                                                    "trained and written here when absent")
      .flag("teacher-epochs", "15", "epochs when the teacher has to be trained first "
                                       "(fashion_cnn's default)")
      .toggle("no-cache", "run the teacher on every batch instead of caching its logits");
  examples::add_metering_flags(cli, "runs");
  cli.parse(argc, argv);
  try {
    const int threads = examples::set_threads(cli.i64("threads"));
    const int64_t seeds = cli.i64("seeds");
    JOULE_CHECK(seeds >= 1, "distill: --seeds must be at least 1, got ", seeds);
    const distill::DistillLossOptions kd{.temperature = cli.f64("temperature"),
                                         .alpha = cli.f64("alpha")};
    data::Dataset train = data::load_fashion_mnist(data::Split::Train, cli.str("data"));
    data::Dataset test = data::load_fashion_mnist(data::Split::Test, cli.str("data"));
    data::DataLoader test_loader(test, {.batch_size = 1000, .shuffle = false});
    const bool cache = !cli.on("no-cache");

    std::string arch;
    {
      Generator g(0);
      examples::make_mlp(train.feature_dim(), cli.i64_list("hidden"), train.num_classes, g, &arch);
    }
    std::cout << "student=" << arch << " teacher=cnn temperature=" << kd.temperature
              << " alpha=" << kd.alpha << " seeds=" << seeds << " epochs=" << cli.i64("epochs")
              << " batch=" << cli.i64("batch") << " lr=" << cli.f64("lr")
              << " teacher_cache=" << (cache ? 1 : 0) << " train_samples=" << train.size()
              << " test_samples=" << test.size() << " threads=" << threads << " blas=eigen-"
              << EIGEN_WORLD_VERSION << "." << EIGEN_MAJOR_VERSION << "." << EIGEN_MINOR_VERSION
              << std::endl;
    examples::Metering metering = examples::start_metering(cli, std::cout);
    const std::string source = metering.meter->source();
    const std::string kind = metering.meter->measured() ? "measured" : "estimated";

    // The teacher: loaded, or trained first.
    const std::string path = cli.str("teacher");
    std::string origin = "checkpoint";
    double teacher_train_j = 0;
    if (!std::filesystem::exists(path)) {
      std::cout << "teacher checkpoint=" << path << " absent: training it for "
                << cli.i64("teacher-epochs") << " epochs" << std::endl;
      teacher_train_j = train_teacher(cli, path, train, test_loader, metering);
      origin = "trained";
    }
    Generator unused(0);
    io::TrainingState state;
    distill::Teacher teacher = distill::Teacher::from_checkpoint(
        path, examples::make_cnn(examples::cnn_options_of(path), unused, 0).model,
        {.cache_samples = cache ? train.size() : 0}, &state);
    if (origin == "checkpoint" && !state.energy_history.empty())
      teacher_train_j = state.energy_history.back().cumulative_joules;
    int64_t correct = 0;
    for (int64_t i = 0; i < test_loader.num_batches(); ++i) {
      data::Batch b = test_loader.batch(i);
      Tensor pred = argmax(teacher.forward(b.x));
      for (int64_t r = 0; r < b.size(); ++r)
        correct += pred.data<int64_t>()[r] == b.y.data<int64_t>()[r];
    }
    std::cout << "teacher checkpoint=" << path << " origin=" << origin << " epochs=" << state.epoch
              << " params=" << teacher.model().num_parameters()
              << " test_acc=" << 100.0 * static_cast<double>(correct) / static_cast<double>(test.size())
              << " train_joules=" << teacher_train_j << " energy_source=" << source
              << " energy=" << kind << std::endl;
    teacher.reset_counters();
    teacher.set_meter(metering.meter.get());
    if (cache) {
      teacher.fill_cache(train);
      std::cout << "teacher_cache samples=" << teacher.cached_samples()
                << " seconds=" << teacher.energy().seconds << " joules=" << teacher.energy().total_j()
                << " energy_source=" << source << " energy=" << kind << std::endl;
    }

    // The students: for each seed, hard labels and distillation from the same start.
    std::vector<double> kd_acc, hard_acc, kd_j, hard_j;
    for (int64_t s = 0; s < seeds; ++s) {
      const uint64_t seed = static_cast<uint64_t>(cli.i64("seed") + s);
      for (const bool distilled : {false, true}) {
        Generator gen(seed);
        auto student = examples::make_mlp(train.feature_dim(), cli.i64_list("hidden"),
                                          train.num_classes, gen, &arch);
        optim::SGD opt(student->parameters(), {.lr = cli.f64("lr"), .momentum = cli.f64("momentum"),
                                                .weight_decay = cli.f64("weight-decay")});
        const int64_t epochs = cli.i64("epochs");
        auto sched = std::make_shared<optim::Scheduler>(
            opt, std::make_shared<optim::CosineAnnealingLR>(std::max<int64_t>(epochs, 1)));
        data::DataLoader loader(train, {.batch_size = cli.i64("batch"), .shuffle = true, .seed = seed});
        metering.callback = std::make_shared<train::MeteringCallback>(*metering.meter, metering.carbon);
        train::Trainer trainer(*student, opt, {.epochs = epochs, .progress = !cli.on("no-progress")});
        trainer.set_scheduler(sched);
        const std::string run = distilled ? "kd" : "hard";
        trainer.add_callback(std::make_shared<examples::TagCallback>(
            std::vector<std::pair<std::string, std::string>>{{"run", run},
                                                             {"seed", std::to_string(seed)}}));
        trainer.add_callback(metering.callback);
        if (distilled) distill::attach_distillation(trainer, teacher, kd);
        const auto& history = trainer.fit(loader, &test_loader);
        const double acc = history.empty() ? 0 : history.back().test_acc;
        const double joules = metering.callback->cumulative_joules();
        (distilled ? kd_acc : hard_acc).push_back(acc);
        (distilled ? kd_j : hard_j).push_back(joules);
        std::cout << "result run=" << run << " seed=" << seed << " test_acc=" << acc
                  << " joules=" << joules << " energy_source=" << source << " energy=" << kind
                  << std::endl;
        report::RunInfo info = examples::new_run_info("examples/distill");
        for (const char* k : {"epochs", "batch", "lr", "momentum", "weight-decay", "hidden",
                              "temperature", "alpha", "teacher"})
          info.params.emplace_back(k, cli.str(k));
        info.params.emplace_back("seed", std::to_string(seed));
        info.params.emplace_back("run", run);
        examples::write_outputs(metering, info, "distill_" + run + "_s" + std::to_string(seed), -1,
                                {}, std::cout);
      }
    }
    std::cout << "summary kd_acc_mean=" << mean(kd_acc) << " hard_acc_mean=" << mean(hard_acc)
              << " kd_joules=" << mean(kd_j) << " hard_joules=" << mean(hard_j)
              << " teacher_joules=" << teacher.energy().total_j()
              << " kd_acc_std=" << stddev(kd_acc) << " hard_acc_std=" << stddev(hard_acc)
              << " kd_gain=" << mean(kd_acc) - mean(hard_acc) << " seeds=" << seeds
              << " teacher_train_joules=" << teacher_train_j << " energy_source=" << source
              << " energy=" << kind << std::endl;
  } catch (const Error& e) {
    std::cerr << "distill: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
