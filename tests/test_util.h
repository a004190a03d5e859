// Helpers shared by the tests outside kernels/ (those have kernels/kernel_test_util.h): a temp
// folder that removes itself, and checks on the message of the joule::Error a call throws.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <system_error>

#include "joule/core/check.h"

namespace joule::test {

// A fresh folder under the system temp dir, removed with its contents when this goes away.
// Its name is `prefix` followed by two random numbers, so parallel test runs do not collide.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix) {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            (prefix + "_" + std::to_string(rd()) + "_" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;  // a destructor must not throw; a leftover folder is harmless
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // The path of `name` in the folder; the file need not exist.
  std::string file(const std::string& name) const { return (path_ / name).string(); }

  // Writes `text` byte for byte to `name` in the folder and returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    const std::string path = file(name);
    std::ofstream out(path, std::ios::binary);
    out << text;
    EXPECT_TRUE(out.good()) << "cannot write " << path;
    return path;
  }

 private:
  std::filesystem::path path_;
};

// The message of the joule::Error that `f` throws; a test failure, and "", if it throws none.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const joule::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a joule::Error";
  return "";
}

// A test failure unless `part` occurs in `msg`; the failure shows both.
inline void expect_has(const std::string& msg, const std::string& part) {
  EXPECT_NE(msg.find(part), std::string::npos) << "'" << part << "' not in: " << msg;
}

}  // namespace joule::test
