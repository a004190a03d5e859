#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "datasets/hdf5.h"
#include "datasets/idx.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using namespace joule;
using data::Dataset;
using data::Hdf5DatasetOptions;
using data::Hdf5Reader;
using test::error_of;
using test::expect_has;

bool same_bytes(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  if (a.numel() == 0) return true;
  Tensor ac = a.contiguous(), bc = b.contiguous();
  return std::memcmp(ac.raw_data(), bc.raw_data(),
                     static_cast<size_t>(a.numel()) * element_size(a.dtype())) == 0;
}

void expect_same(const Dataset& a, const Dataset& b) {
  EXPECT_TRUE(same_bytes(a.features, b.features));
  EXPECT_TRUE(same_bytes(a.labels, b.labels));
  EXPECT_EQ(a.sample_shape, b.sample_shape);
  EXPECT_EQ(a.num_classes, b.num_classes);
}

// n samples of d features, labels i % classes; pixels: every feature is k / 255 (as IDX images
// load), otherwise normal floats.
Dataset make_dataset(int64_t n, int64_t d, int64_t classes, bool pixels, Shape sample_shape = {}) {
  Generator gen(11);
  Tensor f = Tensor::randn({n, d}, gen);
  if (pixels) {
    float* p = f.data<float>();
    for (int64_t i = 0; i < n * d; ++i) p[i] = static_cast<float>(gen.below(256)) * (1.0f / 255.0f);
  }
  std::vector<int64_t> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) labels[static_cast<size_t>(i)] = i % classes;
  return {f, Tensor::labels(labels), sample_shape.dim() ? sample_shape : Shape{d}, classes};
}

std::string run_output(const std::string& command, const std::string& out, int* rc) {
  *rc = std::system((command + " > '" + out + "' 2>&1").c_str());
  std::ifstream in(out);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class Hdf5Dataset : public ::testing::Test {
 protected:
  std::string file(const std::string& name) const { return tmp_.file(name); }

  // One dataset for h5import: its path, h5import's input and output classes, sizes and values.
  struct Part {
    std::string path;        // "/X"
    std::string input;       // "TEXTIN" or "TEXTFP"
    std::string output;      // "IN", "UIN" or "FP"
    int bits;                // output size
    std::vector<int64_t> dims;
    std::string values;      // whitespace-separated
  };
  // An HDF5 file made by h5import (hdf5-tools), without Joule; false when h5import is missing.
  bool h5import(const std::vector<Part>& parts, const std::string& out) const {
    if (!fs::exists("/usr/bin/h5import")) return false;
    std::string command = "/usr/bin/h5import";
    for (size_t i = 0; i < parts.size(); ++i) {
      const Part& p = parts[i];
      std::string conf = "PATH " + p.path + "\nINPUT-CLASS " + p.input + "\nRANK " +
                         std::to_string(p.dims.size()) + "\nDIMENSION-SIZES";
      for (int64_t d : p.dims) conf.append(" ").append(std::to_string(d));
      conf += "\nOUTPUT-CLASS " + p.output + "\nOUTPUT-SIZE " + std::to_string(p.bits) + "\n";
      const std::string n = std::to_string(i);
      command += " '" + tmp_.write("in" + n + ".txt", p.values + "\n") + "' -c '" +
                 tmp_.write("in" + n + ".conf", conf) + "'";
    }
    int rc = 0;
    const std::string log = run_output(command + " -o '" + out + "'", file("h5import.log"), &rc);
    EXPECT_EQ(rc, 0) << log;
    return true;
  }

 private:
  test::TempDir tmp_{"joule_hdf5_test"};
};

TEST_F(Hdf5Dataset, Float32RoundTripIsExact) {
  const Dataset ds = make_dataset(37, 6, 4, /*pixels=*/false, Shape{2, 3});
  const std::string path = file("f32.h5");
  data::write_hdf5_dataset(path, ds);
  expect_same(ds, data::read_hdf5_dataset(path));
}

TEST_F(Hdf5Dataset, Uint8PathIsExactAndSmaller) {
  const Dataset ds = make_dataset(500, 64, 10, /*pixels=*/true, Shape{1, 8, 8});
  const std::string u8 = file("u8.h5"), f32 = file("f32.h5");
  data::write_hdf5_dataset(u8, ds);
  data::write_hdf5_dataset(f32, ds, /*compress_uint8=*/false);
  expect_same(ds, data::read_hdf5_dataset(u8));
  expect_same(ds, data::read_hdf5_dataset(f32));
  EXPECT_LT(fs::file_size(u8), fs::file_size(f32));
  if (fs::exists("/usr/bin/h5dump")) {
    int rc = 0;
    const std::string text = run_output("/usr/bin/h5dump -H '" + u8 + "'", file("dump"), &rc);
    ASSERT_EQ(rc, 0) << text;
    expect_has(text, "H5T_STD_U8LE");
    expect_has(text, "ATTRIBUTE \"scale\"");
    expect_has(text, "ATTRIBUTE \"sample_shape\"");
  }
  // Features that are not all k / 255 stay float32, exactly.
  Dataset mixed = ds;
  mixed.features = ds.features.clone();
  mixed.features.data<float>()[7] = 0.5f;
  data::write_hdf5_dataset(file("mixed.h5"), mixed);
  expect_same(mixed, data::read_hdf5_dataset(file("mixed.h5")));
  // So do pixels holding a -0.0f, which uint8 would turn into +0.0f.
  mixed.features.data<float>()[7] = -0.0f;
  data::write_hdf5_dataset(file("negzero.h5"), mixed);
  expect_same(mixed, data::read_hdf5_dataset(file("negzero.h5")));
}

TEST_F(Hdf5Dataset, IdxFilesConvertExactly) {
  // 3 images of 2 x 3 pixels and their labels, as raw IDX files.
  std::vector<uint8_t> images = {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 3};
  for (int i = 0; i < 18; ++i) images.push_back(static_cast<uint8_t>(i * 37 % 256));
  const std::vector<uint8_t> labels = {0, 0, 8, 1, 0, 0, 0, 3, 2, 0, 5};
  auto write = [&](const std::string& name, const std::vector<uint8_t>& bytes) {
    std::ofstream out(file(name), std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    return file(name);
  };
  const Dataset idx = data::load_idx_dataset(write("img.idx", images), write("lbl.idx", labels));
  data::write_hdf5_dataset(file("idx.h5"), idx);
  const Dataset back = data::read_hdf5_dataset(file("idx.h5"));
  expect_same(idx, back);
  EXPECT_EQ(back.sample_shape, (Shape{1, 2, 3}));
  EXPECT_EQ(back.num_classes, 6);
}

TEST_F(Hdf5Dataset, ChunkedReaderReadsRanges) {
  // More labels than one scan block (65536), so open() checks them in several.
  const int64_t n = 70000;
  const Dataset ds = make_dataset(n, 3, 10, /*pixels=*/true);
  const std::string path = file("big.h5");
  data::write_hdf5_dataset(path, ds);
  Hdf5Reader reader(path);
  EXPECT_EQ(reader.size(), n);
  EXPECT_EQ(reader.feature_dim(), 3);
  EXPECT_EQ(reader.num_classes(), 10);
  EXPECT_EQ(reader.sample_shape(), Shape{3});
  const std::pair<int64_t, int64_t> ranges[] = {{0, 10}, {65530, 65545}, {n - 3, n}, {5, 5}};
  for (auto [begin, end] : ranges) {
    const Dataset part = reader.read(begin, end);
    EXPECT_TRUE(same_bytes(part.features, ds.features.slice_rows(begin, end))) << begin;
    EXPECT_TRUE(same_bytes(part.labels, ds.labels.slice_rows(begin, end))) << begin;
    EXPECT_EQ(part.num_classes, 10);
  }
  expect_has(error_of([&] { reader.read(n - 1, n + 1); }), "is outside [0, 70000)");
  Hdf5Reader moved = std::move(reader);
  EXPECT_EQ(moved.read(1, 2).labels.data<int64_t>()[0], 1);
  moved.close();
  EXPECT_FALSE(moved.is_open());
  EXPECT_THROW(moved.size(), Error);
}

TEST_F(Hdf5Dataset, MissingDatasetsAreNamed) {
  const std::string path = file("ok.h5");
  data::write_hdf5_dataset(path, make_dataset(4, 2, 2, false));
  Hdf5DatasetOptions o;
  o.labels = "/labels";
  expect_has(error_of([&] { data::read_hdf5_dataset(path, o); }),
             path + " has no labels dataset '/labels'");
  o = {};
  o.features = "/train/X";
  expect_has(error_of([&] { data::read_hdf5_dataset(path, o); }),
             "has no features dataset '/train/X'");
  o = {};
  o.sample_shape = Shape{3};
  expect_has(error_of([&] { data::read_hdf5_dataset(path, o); }),
             "sample shape [3] does not hold the 2 features");
}

TEST_F(Hdf5Dataset, NotAnHdf5FileIsNamed) {
  const std::string path = file("text.h5");
  std::ofstream(path) << "not hdf5 at all";
  expect_has(error_of([&] { data::read_hdf5_dataset(path); }),
             "read_hdf5_dataset: not an HDF5 file or truncated: " + path);
}

TEST_F(Hdf5Dataset, ForeignTypesConvert) {
  // uint8 images (N, 2, 3) and int32 labels, as h5py or Keras would write them.
  const std::string path = file("foreign.h5");
  if (!h5import({{"/X", "TEXTIN", "UIN", 8, {2, 2, 3}, "0 1 2 3 4 255 6 7 8 9 10 11"},
                 {"/y", "TEXTIN", "IN", 32, {2}, "3 1"}},
                path))
    GTEST_SKIP() << "h5import not installed (hdf5-tools)";
  Hdf5DatasetOptions o;
  o.scale = 0.5f;
  const Dataset ds = data::read_hdf5_dataset(path, o);
  EXPECT_EQ(ds.features.shape(), (Shape{2, 6}));
  EXPECT_EQ(ds.sample_shape, (Shape{2, 3}));
  EXPECT_EQ(ds.num_classes, 4);
  EXPECT_EQ(ds.features.to_vector<float>()[5], 127.5f);
  EXPECT_EQ(ds.labels.to_vector<int64_t>(), (std::vector<int64_t>{3, 1}));

  // float64 features convert to float32.
  const std::string f64 = file("f64.h5");
  ASSERT_TRUE(h5import({{"/X", "TEXTFP", "FP", 64, {2, 1}, "0.25 -1.5"},
                        {"/y", "TEXTIN", "IN", 64, {2}, "0 0"}},
                       f64));
  EXPECT_EQ(data::read_hdf5_dataset(f64).features.to_vector<float>(),
            (std::vector<float>{0.25f, -1.5f}));
}

TEST_F(Hdf5Dataset, BadFilesGiveClearErrors) {
  const std::string negative = file("negative.h5"), counts = file("counts.h5"),
                    float_labels = file("float_labels.h5");
  if (!h5import({{"/X", "TEXTFP", "FP", 64, {4, 2}, "1 2 3 4 5 6 7 8"},
                 {"/y", "TEXTIN", "IN", 64, {4}, "1 0 -3 2"}},
                negative))
    GTEST_SKIP() << "h5import not installed (hdf5-tools)";
  expect_has(error_of([&] { data::read_hdf5_dataset(negative); }),
             "label -3 of sample 2 in /y is negative");

  ASSERT_TRUE(h5import({{"/X", "TEXTFP", "FP", 32, {4, 2}, "1 2 3 4 5 6 7 8"},
                        {"/y", "TEXTIN", "IN", 64, {5}, "1 0 3 2 1"}},
                       counts));
  expect_has(error_of([&] { data::read_hdf5_dataset(counts); }),
             "/X holds 4 samples but /y holds 5 labels");

  ASSERT_TRUE(h5import({{"/X", "TEXTFP", "FP", 32, {2, 2}, "1 2 3 4"},
                        {"/y", "TEXTFP", "FP", 32, {2}, "1 0"}},
                       float_labels));
  expect_has(error_of([&] { data::read_hdf5_dataset(float_labels); }),
             "labels /y must be integers shaped (N) or (N, 1), found [2] float32");
}

}  // namespace
