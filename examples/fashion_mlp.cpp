// Fashion-MNIST with an MLP (784-256-128-10 by default): SGD with momentum and a cosine learning
// rate, one key=value line per epoch.
#include <Eigen/Core>
#include <iostream>

#include "common/cli.h"
#include "datasets/fashion_mnist.h"
#include "joule/joule.h"

using namespace joule;

int main(int argc, char** argv) {
  examples::Cli cli("fashion_mlp", "Train an MLP on Fashion-MNIST; one key=value line per epoch.");
  cli.flag("epochs", "10", "number of epochs")
      .flag("batch", "128", "batch size")
      .flag("lr", "0.05", "initial learning rate (cosine decay to 0 over the run)")
      .flag("momentum", "0.9", "SGD momentum")
      .flag("weight-decay", "0", "SGD weight decay")
      .flag("seed", "1", "seed for initialisation and shuffling")
      .flag("threads", "0", "OpenMP threads (0: all cores)")
      .flag("hidden", "256,128", "hidden layer widths, comma-separated")
      .flag("data", "", "folder with the Fashion-MNIST IDX files (default: $JOULE_FASHION_MNIST "
                        "or /usr/share/datasets/fashion-mnist)")
      .toggle("no-progress", "never draw the progress bar");
  cli.parse(argc, argv);
  try {
    const int threads = examples::set_threads(cli.i64("threads"));
    data::Dataset train = data::load_fashion_mnist(data::Split::Train, cli.str("data"));
    data::Dataset test = data::load_fashion_mnist(data::Split::Test, cli.str("data"));

    Generator gen(static_cast<uint64_t>(cli.i64("seed")));
    auto model = std::make_shared<nn::Sequential>();
    int64_t in = train.feature_dim();
    std::string arch = std::to_string(in);
    for (int64_t h : cli.i64_list("hidden")) {
      model->push_back(std::make_shared<nn::Linear>(in, h, gen));
      model->push_back(std::make_shared<nn::ReLU>());
      in = h;
      arch.append(1, '-').append(std::to_string(h));
    }
    model->push_back(std::make_shared<nn::Linear>(in, train.num_classes, gen));
    arch.append(1, '-').append(std::to_string(train.num_classes));

    optim::SGD opt(model->parameters(), {.lr = cli.f64("lr"), .momentum = cli.f64("momentum"),
                                         .weight_decay = cli.f64("weight-decay")});
    const int64_t epochs = cli.i64("epochs");
    auto sched = std::make_shared<optim::Scheduler>(
        opt, std::make_shared<optim::CosineAnnealingLR>(std::max<int64_t>(epochs, 1)));

    data::DataLoader train_loader(train, {.batch_size = cli.i64("batch"), .shuffle = true,
                                          .seed = static_cast<uint64_t>(cli.i64("seed"))});
    data::DataLoader test_loader(test, {.batch_size = 1000, .shuffle = false});

    std::cout << "model=" << arch << " params=" << model->num_parameters()
              << " train_samples=" << train.size() << " test_samples=" << test.size()
              << " batch=" << cli.i64("batch") << " threads=" << threads << " blas=eigen-"
              << EIGEN_WORLD_VERSION << "." << EIGEN_MAJOR_VERSION << "." << EIGEN_MINOR_VERSION
              << std::endl;
    train::Trainer trainer(*model, opt, {.epochs = epochs, .progress = !cli.on("no-progress")});
    trainer.set_scheduler(sched);
    const auto& history = trainer.fit(train_loader, &test_loader);
    double total_s = 0;
    for (const auto& r : history) total_s += r.train_s;
    if (!history.empty())
      std::cout << "done epochs=" << history.size() << " test_acc=" << history.back().test_acc
                << " total_train_s=" << total_s << std::endl;
  } catch (const Error& e) {
    std::cerr << "fashion_mlp: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
