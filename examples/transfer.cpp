// Transfer learning on Fashion-MNIST: pretrain the CNN on classes 0-4 (T-shirt, trouser,
// pullover, dress, coat), then learn classes 5-9 (sandal, shirt, sneaker, bag, ankle boot) from
// --per-class labelled examples each, two ways from the same start:
//   frozen   the pretrained network loaded non-strictly, a new head, everything but the head
//            frozen (no gradient computed or stored for the backbone)
//   scratch  the same network, freshly initialised, every layer trained
// and, with --gradual, a third: the new head first, then the layers below unfrozen stage by
// stage (ULMFiT's gradual unfreezing) at a lower learning rate than the head's.
// Each arm reports the test accuracy on classes 5-9 and the joules of its training. Ends with
//   summary frozen_acc= scratch_acc= frozen_joules= scratch_joules= ...
#include <filesystem>
#include <iostream>

#include "common/cli.h"
#include "common/cnn.h"
#include "common/metering.h"
#include "common/recipes.h"
#include "common/tag.h"
#include "datasets/fashion_mnist.h"
#include "joule/distill/transfer.h"
#include "joule/joule.h"
#include "joule/nn/freeze.h"
#include "joule/train/unfreeze.h"

using namespace joule;

namespace {

// The samples of `ds` whose label lies in [lo, hi), relabelled label - lo; at most `per_class`
// of each (drawn at random with `seed`; all when per_class <= 0).
data::Dataset classes(const data::Dataset& ds, int64_t lo, int64_t hi, int64_t per_class,
                      uint64_t seed) {
  std::vector<int64_t> order(static_cast<size_t>(ds.size()));
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  if (per_class > 0) {
    Generator gen(seed);
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[gen.below(i)]);
  }
  std::vector<int64_t> taken(static_cast<size_t>(hi - lo), 0), picked;
  const int64_t* y = ds.labels.data<int64_t>();
  for (int64_t i : order) {
    const int64_t c = y[i] - lo;
    if (c < 0 || c >= hi - lo) continue;
    if (per_class > 0 && taken[static_cast<size_t>(c)] >= per_class) continue;
    ++taken[static_cast<size_t>(c)];
    picked.push_back(i);
  }
  if (per_class > 0) std::sort(picked.begin(), picked.end());
  data::Dataset out = ds.subset(picked);
  int64_t* l = out.labels.data<int64_t>();
  for (int64_t i = 0; i < out.size(); ++i) l[i] -= lo;
  out.num_classes = hi - lo;
  return out;
}

struct ArmResult {
  double test_acc = 0;
  double joules = 0;       // training on the target set
  double eval_joules = 0;  // the final test evaluation
  int64_t trainable = 0;
};

}  // namespace

int main(int argc, char** argv) {
  examples::Cli cli("transfer", "Pretrain the CNN on Fashion-MNIST classes 0-4, transfer it to "
                                "classes 5-9 with few labels; frozen backbone against scratch.");
  examples::add_recipe_flags(cli, "20", "25", "0.02");
  cli.int_flag("per-class", "100", "labelled training examples per target class", {.min = 1})
      .int_flag("pretrain-epochs", "3", "epochs of pretraining on classes 0-4 (fashion_cnn's "
                "recipe otherwise)", {.min = 1})
      .flag("pretrained", "runs/transfer/pretrained.h5", "the pretrained checkpoint: reused when "
                                                         "present, else pretrained and written")
      .choice_flag("freeze", "conv", "what the frozen arm freezes: 'conv' (the convolutional "
                   "feature extractor; FC128 and the new head train) or 'body' (all but the new "
                   "head)", {"conv", "body"})
      .real_flag("body-lr-factor", "0.1", "--gradual: learning rate of the unfrozen layers "
                 "relative to the head's", {.min = 0, .min_open = true})
      .toggle("gradual", "also train a third arm with gradual unfreezing");
  examples::add_metering_flags(cli, "runs");
  cli.parse_or_exit(argc, argv);
  try {
    const int threads = examples::set_threads(cli.i64("threads"));
    const uint64_t seed = static_cast<uint64_t>(cli.i64("seed"));
    const data::Dataset train_all = data::load_fashion_mnist(data::Split::Train, cli.str("data"));
    const data::Dataset test_all = data::load_fashion_mnist(data::Split::Test, cli.str("data"));
    const data::Dataset source = classes(train_all, 0, 5, 0, seed);
    const data::Dataset target = classes(train_all, 5, 10, cli.i64("per-class"), seed);
    const data::Dataset target_test = classes(test_all, 5, 10, 0, seed);
    data::DataLoader test_loader(target_test, {.batch_size = 1000, .shuffle = false});
    const int64_t epochs = cli.i64("epochs");
    const int64_t batch = examples::batch_size(cli, target.size(), std::cerr);
    std::cout << "model=cnn source_classes=0-4 source_samples=" << source.size()
              << " target_classes=5-9 target_samples=" << target.size()
              << " per_class=" << cli.i64("per-class") << " target_test_samples="
              << target_test.size() << " epochs=" << epochs << " batch=" << batch
              << " lr=" << cli.f64("lr") << " threads=" << threads
              << " blas=" << examples::blas_name(Device::cpu()) << std::endl;
    examples::Metering metering = examples::start_metering(cli, std::cout);
    const std::string src = metering.meter->source();
    const std::string kind = metering.meter->kind();
    auto run_info = [&](const std::string& arm) {
      report::RunInfo info = examples::new_run_info("examples/transfer");
      for (const char* k : {"epochs", "batch", "lr", "momentum", "weight-decay", "seed",
                            "per-class", "pretrain-epochs"})
        info.params.emplace_back(k, cli.str(k));
      info.params.emplace_back("arm", arm);
      return info;
    };

    // Pretraining on classes 0-4 (skipped when the checkpoint is there).
    const std::string pretrained = cli.str("pretrained");
    if (!std::filesystem::exists(pretrained)) {
      Generator gen(seed);
      auto model = examples::make_cnn({.classes = 5}, gen, seed).model;
      examples::Recipe recipe = examples::fashion_cnn_recipe();
      recipe.epochs = cli.i64("pretrain-epochs");
      const int64_t pe = recipe.epochs;
      examples::Sgd sgd = examples::make_sgd(recipe, model->parameters());
      data::DataLoader loader(source, {.batch_size = recipe.batch, .shuffle = true, .seed = seed});
      metering.callback = std::make_shared<train::MeteringCallback>(*metering.meter, metering.carbon);
      train::Trainer trainer(*model, *sgd.opt, {.epochs = pe, .progress = !cli.on("no-progress")});
      trainer.set_scheduler(sgd.scheduler);
      trainer.add_callback(std::make_shared<examples::TagCallback>(
          std::vector<std::pair<std::string, std::string>>{{"arm", "pretrain"}}));
      examples::add_metering(trainer, metering);
      trainer.fit(loader);
      const std::string dir = std::filesystem::path(pretrained).parent_path().string();
      if (!dir.empty()) std::filesystem::create_directories(dir);
      io::TrainingState st;
      st.epoch = pe;
      st.energy_history = metering.callback->history();
      st.attributes = examples::recipe_attributes(recipe);
      st.attributes.emplace_back("recipe", recipe.name);
      st.attributes.emplace_back("classes", "0-4");
      st.attributes.emplace_back("trained_by", "examples/transfer");
      io::save_checkpoint(pretrained, *model, nullptr, st);
      std::cout << "pretrain epochs=" << pe << " joules=" << metering.callback->cumulative_joules()
                << " energy_source=" << src << " energy=" << kind << " checkpoint=" << pretrained
                << std::endl;
      examples::write_outputs(metering, run_info("pretrain"), "transfer_pretrain", -1, {}, std::cout);
    } else {
      std::cout << "pretrain checkpoint=" << pretrained << " reused" << std::endl;
    }

    auto run_arm = [&](const std::string& arm) {
      Generator gen(seed + 1);  // the same fresh initialisation for every arm
      std::shared_ptr<nn::Sequential> model = examples::make_cnn({.classes = 5}, gen, seed).model;
      std::vector<optim::ParamGroup> groups;
      std::vector<train::UnfreezeStep> steps;
      const std::string head = std::to_string(model->size() - 1);
      const std::string fc = std::to_string(model->size() - 3);  // FC128, below the head
      if (arm != "scratch") {
        const io::LoadReport report = distill::load_pretrained(pretrained, *model);
        model = distill::replace_head(*model, std::make_shared<nn::Linear>(128, 5, gen));
        if (cli.str("freeze") == "body" || arm == "gradual")
          nn::freeze_all_but(*model, {head});
        else
          nn::freeze_all_but(*model, {fc, head});
        std::cout << "load arm=" << arm << " " << report.str() << " new_head=" << head
                  << " frozen=" << nn::frozen_names(*model).size() << std::endl;
      }
      if (arm == "gradual") {
        // The head at --lr from epoch 1; the FC layer below it from a third of the run, the
        // convolutions from two thirds, both at --lr x --body-lr-factor.
        const double body_lr = cli.f64("lr") * cli.f64("body-lr-factor");
        groups = distill::param_groups(*model, {{.prefixes = {head}}, {.prefixes = {""}, .lr = body_lr}});
        steps = {{.epoch = 1 + epochs / 3, .prefixes = {fc}},
                 {.epoch = 1 + 2 * epochs / 3, .prefixes = {""}}};
      } else {
        groups = optim::single_group(model->parameters());
      }
      optim::SGD opt(groups, {.lr = cli.f64("lr"), .momentum = cli.f64("momentum"),
                              .weight_decay = cli.f64("weight-decay")});
      auto sched = std::make_shared<optim::Scheduler>(
          opt, std::make_shared<optim::CosineAnnealingLR>(std::max<int64_t>(epochs, 1)));
      data::DataLoader loader(target, {.batch_size = batch, .shuffle = true, .seed = seed});
      metering.callback = std::make_shared<train::MeteringCallback>(*metering.meter, metering.carbon);
      train::Trainer trainer(*model, opt, {.epochs = epochs, .progress = !cli.on("no-progress")});
      trainer.set_scheduler(sched);
      trainer.add_callback(std::make_shared<examples::TagCallback>(
          std::vector<std::pair<std::string, std::string>>{{"arm", arm}}));
      examples::add_metering(trainer, metering);
      if (!steps.empty())
        trainer.add_callback(std::make_shared<train::GradualUnfreezing>(*model, steps));
      trainer.fit(loader);  // no per-epoch test: its cost would drown the training's
      ArmResult r;
      r.joules = metering.callback->cumulative_joules();
      r.trainable = nn::num_trainable(*model);
      r.test_acc = trainer.evaluate(test_loader).accuracy;  // metered apart (last_eval)
      if (metering.callback->last_eval()) r.eval_joules = metering.callback->last_eval()->total_j();
      std::cout << "result arm=" << arm << " test_acc=" << r.test_acc << " joules=" << r.joules
                << " trainable_params=" << r.trainable << " params=" << model->num_parameters()
                << " eval_joules=" << r.eval_joules << " energy_source=" << src
                << " energy=" << kind << std::endl;
      examples::write_outputs(metering, run_info(arm), "transfer_" + arm, -1, {}, std::cout);
      return r;
    };

    const ArmResult frozen = run_arm("frozen");
    const ArmResult scratch = run_arm("scratch");
    if (cli.on("gradual")) run_arm("gradual");
    std::cout << "summary frozen_acc=" << frozen.test_acc << " scratch_acc=" << scratch.test_acc
              << " frozen_joules=" << frozen.joules << " scratch_joules=" << scratch.joules
              << " acc_gain=" << frozen.test_acc - scratch.test_acc
              << " energy_saved_pct=" << 100.0 * (1 - frozen.joules / scratch.joules)
              << " energy_source=" << src << " energy=" << kind << std::endl;
  } catch (const Error& e) {
    std::cerr << "transfer: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
