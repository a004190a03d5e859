#include "joule/core/check.h"

#include <cstring>
#include <utility>

namespace joule {

Error::Error(const std::string& message, std::string file, int line)
    : std::runtime_error(message), file_(std::move(file)), line_(line) {}

std::string Error::where() const {
  if (file_.empty()) return "";
  return file_ + ":" + std::to_string(line_);
}

namespace detail {

void throw_error(const char* file, int line, const std::string& message) {
  const char* base = std::strrchr(file, '/');
  throw Error(message, base ? base + 1 : file, line);
}

}  // namespace detail
}  // namespace joule
