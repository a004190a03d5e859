// io::write_file_atomically, the one way run reports reach the disk: the bytes as given, an
// existing file replaced whole, no temp file left behind, and a clear error when it cannot write.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "joule/io/atomic_file.h"
#include "test_util.h"

using namespace joule;

namespace {
std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST(WriteFileAtomically, WritesAndReplacesWholeLeavingNoTempFile) {
  test::TempDir dir("joule_atomic");
  const std::string path = dir.file("a.csv");
  io::write_file_atomically(path, "x,y\n1,2\n", "test_op");
  EXPECT_EQ(read_text(path), "x,y\n1,2\n");
  io::write_file_atomically(path, std::string("no newline\0byte", 15), "test_op");
  EXPECT_EQ(read_text(path), std::string("no newline\0byte", 15));
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    ++files;
    EXPECT_EQ(e.path().filename().string(), "a.csv");
  }
  EXPECT_EQ(files, 1);
}

TEST(WriteFileAtomically, AMissingFolderIsAnErrorNamingTheCallerAndTheFile) {
  test::TempDir dir("joule_atomic");
  const std::string path = (dir.path() / "missing" / "a.csv").string();
  const std::string msg =
      test::error_of([&] { io::write_file_atomically(path, "x\n", "write_epoch_csv"); });
  test::expect_has(msg, "write_epoch_csv");
  test::expect_has(msg, path);
  EXPECT_FALSE(std::filesystem::exists(path));
}
