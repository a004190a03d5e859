// Knowledge distillation on Fashion-MNIST: a CNN teacher (its own, trained here first with
// fashion_cnn's recipe, or a given checkpoint) teaches a small MLP student (784-64-10). The
// teacher is checked first: teacher_warning= names what makes it unlikely to help (fewer epochs
// than the recipe, a test accuracy not above the student's). For each seed the same
// student (same initialisation, same data order, same epochs) is trained twice, on hard labels
// alone and with distillation; the teacher's logits for the training set are computed once and
// cached, and its energy is reported apart. Ends with
//   summary kd_acc_mean= hard_acc_mean= kd_joules= hard_joules= teacher_joules= ...
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "common/cli.h"
#include "common/cnn.h"
#include "common/metering.h"
#include "common/mlp.h"
#include "common/recipes.h"
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

// The training state a checkpoint holds (epoch, attributes), without its tensors.
io::TrainingState training_state_of(const std::string& path) {
  nn::Sequential nothing;
  io::TrainingState state;
  io::load_checkpoint(path, nothing, nullptr, &state, {.strict = false, .load_optimizer = false});
  return state;
}

std::string attribute(const io::TrainingState& state, const std::string& key) {
  for (const auto& [k, v] : state.attributes)
    if (k == key) return v;
  return "";
}

// The folder where the teacher trains: <path>.training/last.h5 is its per-epoch checkpoint,
// renamed to `path` when the training ends (a killed training resumes from it).
std::string work_dir_of(const std::string& path) { return path + ".training"; }

// Trains the teacher with fashion_cnn's recipe (`recipe`, its epochs from --teacher-epochs),
// continuing from the work folder's checkpoint when there is one, and writes it to `path`;
// returns the joules its training took (all sessions).
double train_teacher(const examples::Cli& cli, const examples::Recipe& recipe,
                     const std::string& path, const data::Dataset& train,
                     data::DataLoader& test_loader, examples::Metering& metering) {
  const uint64_t seed = static_cast<uint64_t>(cli.i64("seed"));
  Generator gen(seed);
  examples::Cnn cnn = examples::make_cnn({}, gen, seed);
  examples::Sgd sgd = examples::make_sgd(recipe, cnn.model->parameters());
  const int64_t batch = std::min(recipe.batch, train.size());
  data::DataLoader loader(train, {.batch_size = batch, .shuffle = true, .seed = seed});
  metering.callback = std::make_shared<train::MeteringCallback>(*metering.meter, metering.carbon);
  train::Trainer trainer(*cnn.model, *sgd.opt,
                         {.epochs = recipe.epochs, .progress = !cli.on("no-progress")});
  trainer.set_scheduler(sgd.scheduler);
  trainer.add_callback(std::make_shared<examples::TagCallback>(
      std::vector<std::pair<std::string, std::string>>{{"run", "teacher"}}));
  examples::add_metering(trainer, metering);
  train::CheckpointParts parts{sgd.scheduler, cnn.generators, metering.callback.get(),
                               examples::recipe_attributes(recipe)};
  for (const auto& kv : std::vector<std::pair<std::string, std::string>>{
           {"seed", std::to_string(seed)}, {"dropout", "0"}, {"batchnorm", "0"},
           {"recipe", recipe.name}, {"trained_by", "examples/distill"}})
    parts.attributes.push_back(kv);
  const std::string dir = work_dir_of(path);
  std::filesystem::create_directories(dir);
  const int64_t next = train::resume(dir, trainer, parts);
  if (next > 1)
    std::cout << "teacher resume checkpoint=" << train::checkpoint_path(dir)
              << " next_epoch=" << next << std::endl;
  trainer.add_callback(std::make_shared<train::CheckpointCallback>(dir, parts));
  trainer.fit(loader, &test_loader);
  std::filesystem::rename(train::checkpoint_path(dir), path);
  std::filesystem::remove(dir);
  report::RunInfo info = examples::new_run_info("examples/distill");
  for (const auto& [k, v] : parts.attributes) info.params.emplace_back(k, v);
  examples::write_outputs(metering, info, "distill_teacher", -1, {}, std::cout);
  return metering.callback->cumulative_joules();
}

// Why the teacher may not help, as one key=value token ("" when nothing is wrong):
// trained_1_of_15_epochs,test_acc_84.70_not_above_student_87.91
std::string teacher_warning(int64_t epochs, int64_t recipe_epochs, double test_acc,
                            double student_acc) {
  std::string w;
  if (epochs < recipe_epochs)
    w = "trained_" + std::to_string(epochs) + "_of_" + std::to_string(recipe_epochs) + "_epochs";
  if (test_acc <= student_acc) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "test_acc_%.2f_not_above_student_%.2f", test_acc, student_acc);
    w += (w.empty() ? "" : ",") + std::string(buf);
  }
  return w;
}

// The same, in words, on stderr.
void warn_teacher(const std::string& path, const std::string& warning, int64_t epochs,
                  int64_t recipe_epochs, double test_acc, double student_acc) {
  std::cerr << "distill: warning: the teacher " << path << " may not help the student: ";
  if (epochs < recipe_epochs)
    std::cerr << "it was trained for " << epochs << " of the recipe's " << recipe_epochs
              << " epochs" << (test_acc <= student_acc ? ", and " : "");
  if (test_acc <= student_acc) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "its test accuracy %.2f%% is not above the student's %.2f%%",
                  test_acc, student_acc);
    std::cerr << buf;
  }
  std::cerr << " (teacher_warning=" << warning << ")" << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  const examples::Recipe cnn_recipe = examples::fashion_cnn_recipe();
  examples::Cli cli("distill", "Distil a CNN teacher into a small MLP student on Fashion-MNIST; "
                               "compare with the student trained on hard labels.");
  examples::add_recipe_flags(cli, "10", "128", "0.05");
  cli.int_flag("seeds", "5", "number of seeds (--seed, --seed+1, ...): each trains both students",
               {.min = 1})
      .list_flag("hidden", "64", "the student's hidden widths, comma-separated")
      .real_flag("temperature", "3", "distillation temperature T", {.min = 0, .min_open = true})
      .real_flag("alpha", "0.5", "weight of the soft (teacher) term; 1 - alpha for the hard labels",
                 {.min = 0, .max = 1})
      .flag("teacher", "runs/distill/teacher.h5",
            "the teacher's checkpoint: trained here with fashion_cnn's recipe when absent (and "
            "continued when one trained here is short of --teacher-epochs); any other "
            "checkpoint of the CNN (fashion_cnn's runs/fashion_cnn/last.h5) is used as it is")
      .int_flag("teacher-epochs", std::to_string(cnn_recipe.epochs),
                "epochs of the teacher trained here (fashion_cnn's recipe; fewer draw a warning)",
                {.min = 1})
      .int_flag("train-samples", "0", "use the first N training examples only", {.min = 0,
                .note = "0 = all"})
      .int_flag("test-samples", "0", "use the first N test examples only", {.min = 0,
                .note = "0 = all"})
      .toggle("no-cache", "run the teacher on every batch instead of caching its logits");
  examples::add_metering_flags(cli, "runs");
  cli.parse_or_exit(argc, argv);
  try {
    const int threads = examples::set_threads(cli.i64("threads"));
    const int64_t seeds = cli.i64("seeds");
    const distill::DistillLossOptions kd{.temperature = cli.f64("temperature"),
                                         .alpha = cli.f64("alpha")};
    data::Dataset train = data::load_fashion_mnist(data::Split::Train, cli.str("data"));
    data::Dataset test = data::load_fashion_mnist(data::Split::Test, cli.str("data"));
    train = examples::first_examples(train, cli.i64("train-samples"));
    test = examples::first_examples(test, cli.i64("test-samples"));
    data::DataLoader test_loader(test, {.batch_size = 1000, .shuffle = false});
    const bool cache = !cli.on("no-cache");
    const int64_t batch = examples::batch_size(cli, train.size(), std::cerr);

    std::string arch;
    {
      Generator g(0);
      examples::make_mlp(train.feature_dim(), cli.i64_list("hidden"), train.num_classes, g, &arch);
    }
    std::cout << "student=" << arch << " teacher=cnn temperature=" << kd.temperature
              << " alpha=" << kd.alpha << " seeds=" << seeds << " epochs=" << cli.i64("epochs")
              << " batch=" << batch << " lr=" << cli.f64("lr")
              << " teacher_cache=" << (cache ? 1 : 0) << " train_samples=" << train.size()
              << " test_samples=" << test.size() << " threads=" << threads
              << " blas=" << examples::blas_name(Device::cpu()) << std::endl;
    examples::Metering metering = examples::start_metering(cli, std::cout);
    const std::string source = metering.meter->source();
    const std::string kind = metering.meter->kind();

    // The teacher: trained here (or continued) when it is ours and short of its epochs, else
    // loaded as it is.
    const std::string path = cli.str("teacher");
    examples::Recipe teacher_recipe = cnn_recipe;
    teacher_recipe.epochs = cli.i64("teacher-epochs");
    std::string origin = "checkpoint";
    double teacher_train_j = 0;
    const bool present = std::filesystem::exists(path);
    const io::TrainingState found = present ? training_state_of(path) : io::TrainingState{};
    const bool ours = !present || attribute(found, "trained_by") == "examples/distill";
    if (!present || (ours && found.epoch < teacher_recipe.epochs)) {
      if (present) {  // continue it from where it stopped
        std::filesystem::create_directories(work_dir_of(path));
        std::filesystem::rename(path, train::checkpoint_path(work_dir_of(path)));
      }
      std::cout << "teacher checkpoint=" << path << (present ? " incomplete" : " absent")
                << ": training it with " << cnn_recipe.name << "'s recipe for "
                << teacher_recipe.epochs << " epochs" << std::endl;
      teacher_train_j = train_teacher(cli, teacher_recipe, path, train, test_loader, metering);
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
    const double teacher_acc =
        100.0 * static_cast<double>(correct) / static_cast<double>(test.size());
    // Before the students train, the bar is what an MLP reaches on hard labels.
    const double expected_student = examples::fashion_mlp_recipe().expected_test_acc;
    const std::string warning =
        teacher_warning(state.epoch, cnn_recipe.epochs, teacher_acc, expected_student);
    std::cout << "teacher checkpoint=" << path << " origin=" << origin << " epochs=" << state.epoch
              << " params=" << teacher.model().num_parameters() << " test_acc=" << teacher_acc
              << " teacher_warning=" << (warning.empty() ? "none" : warning)
              << " train_joules=" << teacher_train_j << " energy_source=" << source
              << " energy=" << kind << std::endl;
    if (!warning.empty())
      warn_teacher(path, warning, state.epoch, cnn_recipe.epochs, teacher_acc, expected_student);
    teacher.reset_counters();
    teacher.set_meter(metering.meter.get());
    if (cache) {
      teacher.fill_cache(train);
      std::cout << "teacher_cache samples=" << teacher.cached_samples()
                << " seconds=" << teacher.energy().seconds << " joules=" << teacher.energy().total_j()
                << " energy_source=" << source << " energy=" << kind << std::endl;
    }

    // The students: for each seed, hard labels and distillation from the same start.
    examples::Recipe student_recipe =
        examples::recipe_from_flags(cli, examples::fashion_mlp_recipe());
    student_recipe.name = "distill_student";
    student_recipe.model = cli.str("hidden");
    student_recipe.batch = batch;
    std::vector<double> kd_acc, hard_acc, kd_j, hard_j;
    for (int64_t s = 0; s < seeds; ++s) {
      const uint64_t seed = static_cast<uint64_t>(cli.i64("seed") + s);
      for (const bool distilled : {false, true}) {
        Generator gen(seed);
        auto student = examples::make_mlp(train.feature_dim(), cli.i64_list("hidden"),
                                          train.num_classes, gen, &arch);
        examples::Sgd sgd = examples::make_sgd(student_recipe, student->parameters());
        data::DataLoader loader(train, {.batch_size = batch, .shuffle = true, .seed = seed});
        metering.callback = std::make_shared<train::MeteringCallback>(*metering.meter, metering.carbon);
        train::Trainer trainer(*student, *sgd.opt,
                               {.epochs = student_recipe.epochs,
                                .progress = !cli.on("no-progress")});
        trainer.set_scheduler(sgd.scheduler);
        const std::string run = distilled ? "kd" : "hard";
        trainer.add_callback(std::make_shared<examples::TagCallback>(
            std::vector<std::pair<std::string, std::string>>{{"run", run},
                                                             {"seed", std::to_string(seed)}}));
        examples::add_metering(trainer, metering);
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
    // After the hard-label runs, the bar is the students' own accuracy.
    const std::string final_warning =
        teacher_warning(state.epoch, cnn_recipe.epochs, teacher_acc, mean(hard_acc));
    if (final_warning.find("not_above") != std::string::npos && final_warning != warning)
      warn_teacher(path, final_warning, state.epoch, cnn_recipe.epochs, teacher_acc,
                   mean(hard_acc));
    std::cout << "summary kd_acc_mean=" << mean(kd_acc) << " hard_acc_mean=" << mean(hard_acc)
              << " kd_joules=" << mean(kd_j) << " hard_joules=" << mean(hard_j)
              << " teacher_joules=" << teacher.energy().total_j()
              << " kd_acc_std=" << stddev(kd_acc) << " hard_acc_std=" << stddev(hard_acc)
              << " kd_gain=" << mean(kd_acc) - mean(hard_acc) << " seeds=" << seeds
              << " teacher_test_acc=" << teacher_acc
              << " teacher_warning=" << (final_warning.empty() ? "none" : final_warning)
              << " teacher_train_joules=" << teacher_train_j << " energy_source=" << source
              << " energy=" << kind << std::endl;
  } catch (const Error& e) {
    std::cerr << "distill: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
