#include "datasets/fashion_mnist.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "datasets/idx.h"

namespace joule::data {

namespace {

namespace fs = std::filesystem;

constexpr const char* kDefaultDir = "/usr/share/datasets/fashion-mnist";

// dir/base, else dir/base.gz; throws saying how to install the data set when neither exists.
std::string find_file(const std::string& dir, const std::string& base) {
  std::error_code ec;
  for (const std::string& name : {base, base + ".gz"}) {
    const fs::path p = fs::path(dir) / name;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  const bool no_dir = !fs::is_directory(dir, ec);
  JOULE_CHECK(false, "load_fashion_mnist: Fashion-MNIST was not found in ", dir,
              no_dir ? " (no such folder)" : "", ": looked for ", (fs::path(dir) / base).string(),
              "(.gz). Install it with `sudo apt-get install dataset-fashion-mnist` (Debian "
              "package; installs to ", kDefaultDir, "/), or point JOULE_FASHION_MNIST or --data "
              "at a folder holding the four IDX files train-images-idx3-ubyte, "
              "train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte "
              "(each optionally .gz)");
  return {};
}

}  // namespace

std::string fashion_mnist_dir(const std::string& override_dir) {
  if (!override_dir.empty()) return override_dir;
  const char* env = std::getenv("JOULE_FASHION_MNIST");
  if (env != nullptr && env[0] != '\0') return env;
  return kDefaultDir;
}

Dataset load_fashion_mnist(Split split, const std::string& dir) {
  const std::string root = fashion_mnist_dir(dir);
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  const std::string images = find_file(root, prefix + "-images-idx3-ubyte");
  const std::string labels = find_file(root, prefix + "-labels-idx1-ubyte");
  Dataset ds = load_idx_dataset(images, labels);
  JOULE_CHECK(ds.sample_shape == Shape({1, 28, 28}), "load_fashion_mnist: ", images,
              ": images must be 28 x 28, got ", ds.sample_shape);
  JOULE_CHECK(ds.num_classes <= 10, "load_fashion_mnist: ", labels, ": labels must lie in [0, 10), ",
              "the largest is ", ds.num_classes - 1);
  ds.num_classes = 10;
  return ds;
}

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress",
                                                 "Coat",        "Sandal",  "Shirt",    "Sneaker",
                                                 "Bag",         "Ankle boot"};
  return names;
}

}  // namespace joule::data
