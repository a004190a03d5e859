#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "datasets/idx.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using joule::data::IdxArray;
using joule::data::IdxType;
using joule::test::error_of;
using joule::test::expect_has;

// Each test gets a fresh temp folder.
class IdxReader : public ::testing::Test {
 protected:
  std::string file(const std::string& name) const { return tmp_.file(name); }

 private:
  joule::test::TempDir tmp_{"joule_idx_test"};
};

void put_be(std::vector<uint8_t>& out, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// The header for `type` and `dims`, followed by `payload`.
std::vector<uint8_t> idx_bytes(uint8_t type, const std::vector<uint32_t>& dims,
                               const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> out = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) put_be(out, d, 4);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

std::vector<uint8_t> iota_bytes(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 7 % 256);
  return v;
}

void write_raw(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

void write_gzip(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  const int n = gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  EXPECT_EQ(n, static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(f), Z_OK) << path;
}

TEST_F(IdxReader, RawUbyteRoundTrip) {
  const std::vector<uint8_t> payload = iota_bytes(3 * 2 * 4);
  write_raw(file("a.idx"), idx_bytes(0x08, {3, 2, 4}, payload));
  const IdxArray a = joule::data::read_idx(file("a.idx"));
  EXPECT_EQ(a.dims, (std::vector<int64_t>{3, 2, 4}));
  EXPECT_EQ(a.type, IdxType::UByte);
  EXPECT_EQ(a.numel(), 24);
  EXPECT_EQ(a.bytes, payload);
  EXPECT_EQ(a.value(5), payload[5]);
}

TEST_F(IdxReader, GzipRoundTripMatchesRaw) {
  const std::vector<uint8_t> bytes = idx_bytes(0x08, {5, 7, 3}, iota_bytes(5 * 7 * 3));
  write_raw(file("a.idx"), bytes);
  write_gzip(file("a.idx.gz"), bytes);
  const IdxArray raw = joule::data::read_idx(file("a.idx"));
  const IdxArray gz = joule::data::read_idx(file("a.idx.gz"));
  EXPECT_EQ(gz.dims, raw.dims);
  EXPECT_EQ(gz.type, raw.type);
  EXPECT_EQ(gz.bytes, raw.bytes);
}

TEST_F(IdxReader, DecodesBigEndianTypes) {
  std::vector<uint8_t> p;
  put_be(p, static_cast<uint16_t>(-2), 2);
  put_be(p, 300, 2);
  write_raw(file("short.idx"), idx_bytes(0x0B, {2}, p));
  const IdxArray s = joule::data::read_idx(file("short.idx"));
  EXPECT_EQ(s.value(0), -2.0);
  EXPECT_EQ(s.value(1), 300.0);

  p.clear();
  put_be(p, static_cast<uint32_t>(-70000), 4);
  write_raw(file("int.idx"), idx_bytes(0x0C, {1}, p));
  EXPECT_EQ(joule::data::read_idx(file("int.idx")).value(0), -70000.0);

  p.clear();
  put_be(p, 0xC0100000u, 4);  // -2.25f
  write_raw(file("float.idx"), idx_bytes(0x0D, {1}, p));
  EXPECT_EQ(joule::data::read_idx(file("float.idx")).value(0), -2.25);

  p.clear();
  put_be(p, 0x4009000000000000ull, 8);  // 3.125
  write_raw(file("double.idx"), idx_bytes(0x0E, {1, 1}, p));
  EXPECT_EQ(joule::data::read_idx(file("double.idx")).value(0), 3.125);

  write_raw(file("sbyte.idx"), idx_bytes(0x09, {1}, {0xFD}));
  EXPECT_EQ(joule::data::read_idx(file("sbyte.idx")).value(0), -3.0);
}

TEST_F(IdxReader, ImagesBecomeScaledFloatRows) {
  const std::vector<uint8_t> payload = {0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8};
  write_raw(file("img.idx"), idx_bytes(0x08, {2, 2, 3}, payload));
  const joule::Tensor t = joule::data::read_idx_images(file("img.idx"));
  EXPECT_EQ(t.shape(), joule::Shape({2, 6}));
  EXPECT_EQ(t.dtype(), joule::DType::Float32);
  const std::vector<float> v = t.to_vector<float>();
  for (size_t i = 0; i < payload.size(); ++i) EXPECT_FLOAT_EQ(v[i], payload[i] / 255.0f);
  EXPECT_EQ(v[1], 1.0f);

  const std::vector<float> unscaled = joule::data::read_idx_images(file("img.idx"), 1.0f)
                                          .to_vector<float>();
  for (size_t i = 0; i < payload.size(); ++i) EXPECT_EQ(unscaled[i], payload[i]);
}

TEST_F(IdxReader, LabelsBecomeInt64) {
  write_raw(file("lab.idx"), idx_bytes(0x08, {4}, {3, 0, 9, 250}));
  const joule::Tensor t = joule::data::read_idx_labels(file("lab.idx"));
  EXPECT_EQ(t.dtype(), joule::DType::Int64);
  EXPECT_EQ(t.to_vector<int64_t>(), (std::vector<int64_t>{3, 0, 9, 250}));
}

TEST_F(IdxReader, LoadsDatasetFromImageAndLabelFiles) {
  write_gzip(file("img.idx.gz"), idx_bytes(0x08, {3, 2, 2}, iota_bytes(12)));
  write_raw(file("lab.idx"), idx_bytes(0x08, {3}, {1, 4, 0}));
  const joule::data::Dataset ds =
      joule::data::load_idx_dataset(file("img.idx.gz"), file("lab.idx"));
  EXPECT_EQ(ds.size(), 3);
  EXPECT_EQ(ds.features.shape(), joule::Shape({3, 4}));
  EXPECT_EQ(ds.sample_shape, joule::Shape({1, 2, 2}));
  EXPECT_EQ(ds.num_classes, 5);
  EXPECT_EQ(ds.labels.to_vector<int64_t>(), (std::vector<int64_t>{1, 4, 0}));
  EXPECT_FLOAT_EQ(ds.features.to_vector<float>()[11], iota_bytes(12)[11] / 255.0f);
}

TEST_F(IdxReader, WrongMagicIsAnError) {
  write_raw(file("bad.idx"), {0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 7});
  const std::string msg = error_of([&] { joule::data::read_idx(file("bad.idx")); });
  expect_has(msg, file("bad.idx"));
  expect_has(msg, "bad magic");
  expect_has(msg, "18 and 52");
}

TEST_F(IdxReader, UnknownTypeCodeIsAnError) {
  write_raw(file("bad.idx"), idx_bytes(0x07, {1}, {0}));
  const std::string msg = error_of([&] { joule::data::read_idx(file("bad.idx")); });
  expect_has(msg, file("bad.idx"));
  expect_has(msg, "unknown type code 7");
}

TEST_F(IdxReader, TooManyDimensionsIsAnError) {
  write_raw(file("bad.idx"), idx_bytes(0x08, {1, 1, 1, 1, 1}, {0}));
  const std::string msg = error_of([&] { joule::data::read_idx(file("bad.idx")); });
  expect_has(msg, "5 dimensions, expected 1 to 4");
}

TEST_F(IdxReader, TruncatedFileNamesExpectedAndActualSizes) {
  // header 4 + 3 * 4 = 16 bytes, data 4 * 2 * 2 = 16 bytes; only 10 data bytes written
  write_raw(file("short.idx"), idx_bytes(0x08, {4, 2, 2}, iota_bytes(10)));
  const std::string msg = error_of([&] { joule::data::read_idx(file("short.idx")); });
  expect_has(msg, file("short.idx"));
  expect_has(msg, "truncated");
  expect_has(msg, "announces 32 bytes");
  expect_has(msg, "holds 26");
}

TEST_F(IdxReader, TruncatedGzipIsAnError) {
  write_gzip(file("short.idx.gz"), idx_bytes(0x08, {4, 2, 2}, iota_bytes(10)));
  std::string msg = error_of([&] { joule::data::read_idx(file("short.idx.gz")); });
  expect_has(msg, file("short.idx.gz"));
  expect_has(msg, "announces 32 bytes");
  expect_has(msg, "holds 26 (after gunzip)");

  // A gzip stream cut in the middle: whatever zlib reports, the error names the file.
  const std::vector<uint8_t> big = idx_bytes(0x08, {64, 64}, iota_bytes(64 * 64));
  write_gzip(file("cut.idx.gz"), big);
  std::vector<uint8_t> gz(fs::file_size(file("cut.idx.gz")));
  std::ifstream(file("cut.idx.gz"), std::ios::binary)
      .read(reinterpret_cast<char*>(gz.data()), static_cast<std::streamsize>(gz.size()));
  gz.resize(gz.size() / 2);
  write_raw(file("cut.idx.gz"), gz);
  msg = error_of([&] { joule::data::read_idx(file("cut.idx.gz")); });
  expect_has(msg, file("cut.idx.gz"));
}

TEST_F(IdxReader, ExtraBytesAreAnError) {
  write_raw(file("long.idx"), idx_bytes(0x08, {2, 2}, iota_bytes(7)));
  const std::string msg = error_of([&] { joule::data::read_idx(file("long.idx")); });
  expect_has(msg, file("long.idx"));
  expect_has(msg, "3 unexpected bytes");
  expect_has(msg, "announces 16 bytes");
  expect_has(msg, "holds 19");
}

TEST_F(IdxReader, ZeroDimensionIsAnError) {
  write_raw(file("zero.idx"), idx_bytes(0x08, {2, 0, 3}, {}));
  const std::string msg = error_of([&] { joule::data::read_idx(file("zero.idx")); });
  expect_has(msg, file("zero.idx"));
  expect_has(msg, "dimension 1 is 0");
}

TEST_F(IdxReader, OverflowingDimensionsAreAnError) {
  const uint32_t big = 0xFFFFFFFFu;
  write_raw(file("huge.idx"), idx_bytes(0x0E, {big, big, big}, {}));
  const std::string msg = error_of([&] { joule::data::read_idx(file("huge.idx")); });
  expect_has(msg, "overflow");
}

TEST_F(IdxReader, HugeHeaderOverATinyFileIsTruncated) {
  write_raw(file("lie.idx"), idx_bytes(0x0E, {0x7FFFFFFF, 0x10}, iota_bytes(8)));
  const std::string msg = error_of([&] { joule::data::read_idx(file("lie.idx")); });
  expect_has(msg, "truncated");
}

TEST_F(IdxReader, MissingAndEmptyFilesAreErrors) {
  std::string msg = error_of([&] { joule::data::read_idx(file("nope.idx")); });
  expect_has(msg, file("nope.idx"));
  expect_has(msg, "cannot open");

  write_raw(file("empty.idx"), {});
  msg = error_of([&] { joule::data::read_idx(file("empty.idx")); });
  expect_has(msg, file("empty.idx"));
  expect_has(msg, "holds 0 bytes");
}

TEST_F(IdxReader, MismatchedImageAndLabelCountsNameBothFiles) {
  write_raw(file("img.idx"), idx_bytes(0x08, {3, 2, 2}, iota_bytes(12)));
  write_raw(file("lab.idx"), idx_bytes(0x08, {2}, {0, 1}));
  const std::string msg =
      error_of([&] { joule::data::load_idx_dataset(file("img.idx"), file("lab.idx")); });
  expect_has(msg, file("img.idx") + " holds 3 images");
  expect_has(msg, file("lab.idx") + " holds 2 labels");
}

TEST_F(IdxReader, ImagesAndLabelsCheckTheirShapeAndType) {
  write_raw(file("flat.idx"), idx_bytes(0x08, {6}, iota_bytes(6)));
  std::string msg = error_of([&] { joule::data::read_idx_images(file("flat.idx")); });
  expect_has(msg, "3 dimensions");

  std::vector<uint8_t> p;
  put_be(p, 0x3F800000u, 4);  // 1.0f
  write_raw(file("float.idx"), idx_bytes(0x0D, {1}, p));
  msg = error_of([&] { joule::data::read_idx_labels(file("float.idx")); });
  expect_has(msg, "integer type, got float");

  write_raw(file("neg.idx"), idx_bytes(0x09, {2}, {1, 0xFF}));
  msg = error_of([&] { joule::data::read_idx_labels(file("neg.idx")); });
  expect_has(msg, "label 1 is -1");
}

}  // namespace
