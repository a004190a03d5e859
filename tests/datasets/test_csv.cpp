#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/csv.h"
#include "test_util.h"

namespace {

using joule::data::CsvOptions;
using joule::data::Dataset;
using joule::data::read_csv;
using joule::test::error_of;
using joule::test::expect_has;

// Each test gets a fresh temp folder; write() puts a file in it and returns its path.
class CsvReader : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) const {
    return tmp_.write(name, text);
  }

 private:
  joule::test::TempDir tmp_{"joule_csv_test"};
};

void expect_dataset(const Dataset& ds, const std::vector<float>& features,
                    const std::vector<int64_t>& labels, int64_t dim, int64_t num_classes) {
  const auto n = static_cast<int64_t>(labels.size());
  EXPECT_EQ(ds.features.shape(), joule::Shape({n, dim}));
  EXPECT_EQ(ds.features.dtype(), joule::DType::Float32);
  EXPECT_EQ(ds.features.to_vector<float>(), features);
  EXPECT_EQ(ds.labels.dtype(), joule::DType::Int64);
  EXPECT_EQ(ds.labels.to_vector<int64_t>(), labels);
  EXPECT_EQ(ds.sample_shape, joule::Shape({dim}));
  EXPECT_EQ(ds.num_classes, num_classes);
}

TEST_F(CsvReader, HeaderAndLabelColumnByName) {
  const std::string path = write("a.csv", "x,label,y\n1,0,2\n3,2,4.5\n");
  CsvOptions opt;
  opt.label_column = "label";
  expect_dataset(read_csv(path, opt), {1, 2, 3, 4.5f}, {0, 2}, 2, 3);
}

TEST_F(CsvReader, LabelColumnByIndex) {
  const std::string path = write("a.csv", "label,x,y\n1,0.5,2\n0,3,-4\n");
  CsvOptions opt;
  opt.label_index = 0;
  expect_dataset(read_csv(path, opt), {0.5f, 2, 3, -4}, {1, 0}, 2, 2);
}

TEST_F(CsvReader, LastColumnIsTheDefaultLabel) {
  const std::string path = write("a.csv", "a,b,c,class\n1,2,3,1\n4,5,6,0\n7,8,9,1\n");
  expect_dataset(read_csv(path), {1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 0, 1}, 3, 2);
}

TEST_F(CsvReader, NoHeaderMode) {
  const std::string path = write("a.csv", "1,2,3\n4,5,6\n");
  CsvOptions opt;
  opt.header = false;
  expect_dataset(read_csv(path, opt), {1, 2, 4, 5}, {3, 6}, 2, 7);
}

TEST_F(CsvReader, SemicolonDelimiter) {
  const std::string path = write("a.csv", "a;b;y\n1.5;2;1\n3;4;0\n");
  CsvOptions opt;
  opt.delimiter = ';';
  expect_dataset(read_csv(path, opt), {1.5f, 2, 3, 4}, {1, 0}, 2, 2);
}

TEST_F(CsvReader, CrLfEndingsBlankLinesAndSpaces) {
  const std::string path = write("a.csv", "a, b ,y\r\n\r\n 1 , 2,1\r\n\r\n3,4 , 0 \r\n");
  expect_dataset(read_csv(path), {1, 2, 3, 4}, {1, 0}, 2, 2);
}

TEST_F(CsvReader, ScaleMultipliesFeaturesOnly) {
  const std::string path = write("a.csv", "a,b,y\n255,51,3\n");
  CsvOptions opt;
  opt.scale = 0.5f;
  expect_dataset(read_csv(path, opt), {127.5f, 25.5f}, {3}, 2, 4);
}

TEST_F(CsvReader, WrongFieldCountNamesTheLine) {
  const std::string path = write("a.csv", "a,b,y\n1,2,0\n\n3,4\n");
  const std::string msg = error_of([&] { read_csv(path); });
  expect_has(msg, path);
  expect_has(msg, "line 4 has 2 fields, expected 3");
}

TEST_F(CsvReader, NonNumericFieldNamesLineAndColumn) {
  const std::string path = write("a.csv", "a,b,y\n1,2,0\n3,abc,1\n");
  const std::string msg = error_of([&] { read_csv(path); });
  expect_has(msg, path);
  expect_has(msg, "line 3, column 2 ('b')");
  expect_has(msg, "'abc' is not a number");
}

TEST_F(CsvReader, PartlyNumericFieldIsAnError) {
  const std::string path = write("a.csv", "1,2.5x,0\n");
  CsvOptions opt;
  opt.header = false;
  const std::string msg = error_of([&] { read_csv(path, opt); });
  expect_has(msg, "line 1, column 2");
  expect_has(msg, "'2.5x'");
}

TEST_F(CsvReader, NegativeLabelIsAnError) {
  const std::string path = write("a.csv", "a,y\n1,0\n2,-1\n");
  const std::string msg = error_of([&] { read_csv(path); });
  expect_has(msg, path);
  expect_has(msg, "line 3, column 2 ('y')");
  expect_has(msg, "label '-1' is not a non-negative integer");
}

TEST_F(CsvReader, FractionalLabelIsAnError) {
  const std::string path = write("a.csv", "a,y\n1,2.5\n");
  const std::string msg = error_of([&] { read_csv(path); });
  expect_has(msg, "label '2.5'");
}

TEST_F(CsvReader, UnknownLabelColumnListsTheHeader) {
  const std::string path = write("a.csv", "a,b,c\n1,2,3\n");
  CsvOptions opt;
  opt.label_column = "target";
  const std::string msg = error_of([&] { read_csv(path, opt); });
  expect_has(msg, "no column named 'target'");
  expect_has(msg, "'a', 'b', 'c'");
}

TEST_F(CsvReader, LabelColumnByNameNeedsAHeader) {
  const std::string path = write("a.csv", "1,2,3\n");
  CsvOptions opt;
  opt.header = false;
  opt.label_column = "c";
  expect_has(error_of([&] { read_csv(path, opt); }), "needs a header");
}

TEST_F(CsvReader, LabelIndexOutOfRangeIsAnError) {
  const std::string path = write("a.csv", "a,b\n1,2\n");
  CsvOptions opt;
  opt.label_index = 2;
  expect_has(error_of([&] { read_csv(path, opt); }), "label_index 2 is out of range for 2");
}

TEST_F(CsvReader, EmptyHeaderOnlyAndMissingFilesAreErrors) {
  const std::string empty = write("empty.csv", "\r\n\n");
  std::string msg = error_of([&] { read_csv(empty); });
  expect_has(msg, empty);
  expect_has(msg, "file is empty");

  const std::string header_only = write("header.csv", "a,b,y\n");
  expect_has(error_of([&] { read_csv(header_only); }), "no data rows");

  const std::string missing = header_only + ".missing";
  msg = error_of([&] { read_csv(missing); });
  expect_has(msg, missing);
  expect_has(msg, "cannot open");
}

}  // namespace
