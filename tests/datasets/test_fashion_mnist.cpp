#include <gtest/gtest.h>
#include <stdlib.h>  // setenv, unsetenv
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "datasets/fashion_mnist.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using joule::data::Dataset;
using joule::data::Split;
using joule::test::error_of;
using joule::test::expect_has;

// Each test gets a fresh temp folder.
class FashionMnist : public ::testing::Test {
 protected:
  std::string dir() const { return tmp_.path().string(); }
  std::string file(const std::string& name) const { return tmp_.file(name); }

 private:
  joule::test::TempDir tmp_{"joule_fmnist_test"};
};

// Sets an environment variable for one scope and restores the old value after it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::vector<uint8_t> idx_header(uint8_t ndim, const std::vector<uint32_t>& dims) {
  std::vector<uint8_t> out = {0, 0, 0x08, ndim};
  for (uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(d >> s));
  }
  return out;
}

// The real data set, where installed; nullopt otherwise.
std::optional<std::string> installed_dir() {
  const std::string dir = joule::data::fashion_mnist_dir();
  const bool found = fs::exists(fs::path(dir) / "t10k-images-idx3-ubyte.gz") ||
                     fs::exists(fs::path(dir) / "t10k-images-idx3-ubyte");
  if (!found) return std::nullopt;
  return dir;
}

// Checks the shapes and ranges every split shares and that each class has `per_class` samples.
void expect_fashion_mnist(const Dataset& ds, int64_t n, int64_t per_class) {
  EXPECT_EQ(ds.size(), n);
  EXPECT_EQ(ds.features.shape(), joule::Shape({n, 784}));
  EXPECT_EQ(ds.sample_shape, joule::Shape({1, 28, 28}));
  EXPECT_EQ(ds.num_classes, 10);
  const std::vector<float> x = ds.features.to_vector<float>();
  const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
  EXPECT_EQ(*lo, 0.0f);
  EXPECT_EQ(*hi, 1.0f);
  std::vector<int64_t> counts(10, 0);
  for (int64_t y : ds.labels.to_vector<int64_t>()) {
    ASSERT_GE(y, 0);
    ASSERT_LT(y, 10);
    ++counts[static_cast<size_t>(y)];
  }
  EXPECT_EQ(counts, std::vector<int64_t>(10, per_class));
}

TEST_F(FashionMnist, MissingFolderSaysHowToInstall) {
  const std::string missing = file("nowhere");
  const std::string msg =
      error_of([&] { joule::data::load_fashion_mnist(Split::Test, missing); });
  expect_has(msg, "Fashion-MNIST was not found in " + missing);
  expect_has(msg, "t10k-images-idx3-ubyte");
  expect_has(msg, "sudo apt-get install dataset-fashion-mnist");
  expect_has(msg, "/usr/share/datasets/fashion-mnist/");
  expect_has(msg, "JOULE_FASHION_MNIST");
}

TEST_F(FashionMnist, MissingLabelFileIsNamed) {
  std::ofstream(file("train-images-idx3-ubyte"), std::ios::binary) << "x";
  const std::string msg = error_of([&] { joule::data::load_fashion_mnist(Split::Train, dir()); });
  expect_has(msg, "train-labels-idx1-ubyte");
  expect_has(msg, "dataset-fashion-mnist");
}

TEST_F(FashionMnist, DirectoryResolutionOrder) {
  {
    ScopedEnv env("JOULE_FASHION_MNIST", "/from/env");
    EXPECT_EQ(joule::data::fashion_mnist_dir("/given"), "/given");
    EXPECT_EQ(joule::data::fashion_mnist_dir(), "/from/env");
  }
  {
    ScopedEnv env("JOULE_FASHION_MNIST", nullptr);
    EXPECT_EQ(joule::data::fashion_mnist_dir(), "/usr/share/datasets/fashion-mnist");
  }
  {
    ScopedEnv env("JOULE_FASHION_MNIST", "");
    EXPECT_EQ(joule::data::fashion_mnist_dir(), "/usr/share/datasets/fashion-mnist");
  }
}

TEST_F(FashionMnist, ReadsRawAndGzipFilesFromAFolder) {
  // Three 28x28 images (raw) and their labels (gzip).
  std::vector<uint8_t> images = idx_header(3, {3, 28, 28});
  for (int i = 0; i < 3 * 784; ++i) images.push_back(static_cast<uint8_t>(i % 256));
  std::ofstream(file("t10k-images-idx3-ubyte"), std::ios::binary)
      .write(reinterpret_cast<const char*>(images.data()),
             static_cast<std::streamsize>(images.size()));
  std::vector<uint8_t> labels = idx_header(1, {3});
  labels.insert(labels.end(), {9, 0, 3});
  gzFile gz = gzopen(file("t10k-labels-idx1-ubyte.gz").c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  gzwrite(gz, labels.data(), static_cast<unsigned>(labels.size()));
  ASSERT_EQ(gzclose(gz), Z_OK);

  ScopedEnv env("JOULE_FASHION_MNIST", dir().c_str());
  const Dataset ds = joule::data::load_fashion_mnist(Split::Test);
  EXPECT_EQ(ds.size(), 3);
  EXPECT_EQ(ds.sample_shape, joule::Shape({1, 28, 28}));
  EXPECT_EQ(ds.num_classes, 10);
  EXPECT_EQ(ds.labels.to_vector<int64_t>(), (std::vector<int64_t>{9, 0, 3}));
  EXPECT_FLOAT_EQ(ds.features.to_vector<float>()[784 + 5], ((784 + 5) % 256) / 255.0f);
}

TEST_F(FashionMnist, ClassNames) {
  const std::vector<std::string>& names = joule::data::fashion_mnist_classes();
  ASSERT_EQ(names.size(), 10u);
  EXPECT_EQ(names[0], "T-shirt/top");
  EXPECT_EQ(names[9], "Ankle boot");
}

TEST_F(FashionMnist, InstalledTestSplit) {
  const std::optional<std::string> dir = installed_dir();
  if (!dir) GTEST_SKIP() << "Fashion-MNIST is not installed in " << joule::data::fashion_mnist_dir();
  expect_fashion_mnist(joule::data::load_fashion_mnist(Split::Test, *dir), 10000, 1000);
}

TEST_F(FashionMnist, InstalledTrainSplit) {
  const std::optional<std::string> dir = installed_dir();
  if (!dir) GTEST_SKIP() << "Fashion-MNIST is not installed in " << joule::data::fashion_mnist_dir();
  expect_fashion_mnist(joule::data::load_fashion_mnist(Split::Train, *dir), 60000, 6000);
}

}  // namespace
