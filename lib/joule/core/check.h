// Errors: every library failure is a joule::Error naming the operation, the rule and the values.
// what() is that message alone, as a user should read it; where the error was raised
// (file and line) is kept apart for developers: file(), line(), where().
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace joule {

class Error : public std::runtime_error {
 public:
  // `file` is the source file's name (no folders), empty with line 0 when unknown.
  explicit Error(const std::string& message, std::string file = {}, int line = 0);

  const std::string& file() const { return file_; }
  int line() const { return line_; }
  // "optimizer.cpp:22", or "" when the error carries no location.
  std::string where() const;

 private:
  std::string file_;
  int line_ = 0;
};

namespace detail {
template <class... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
// Throws joule::Error(message) located at `file` (a path: only its last part is kept) and `line`.
[[noreturn]] void throw_error(const char* file, int line, const std::string& message);
}  // namespace detail

}  // namespace joule

// JOULE_CHECK(cond, "op: what went wrong: ", value, ...) throws joule::Error when cond is false.
#define JOULE_CHECK(cond, ...)                                                              \
  do {                                                                                      \
    if (!(cond)) ::joule::detail::throw_error(__FILE__, __LINE__,                           \
                                              ::joule::detail::str_cat(__VA_ARGS__));       \
  } while (0)
