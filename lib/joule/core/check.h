// Errors: every library failure is a joule::Error naming the operation, the rule and the values.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace joule {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
template <class... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
[[noreturn]] void throw_error(const char* file, int line, const std::string& message);
}  // namespace detail

}  // namespace joule

// JOULE_CHECK(cond, "op: what went wrong: ", value, ...) throws joule::Error when cond is false.
#define JOULE_CHECK(cond, ...)                                                              \
  do {                                                                                      \
    if (!(cond)) ::joule::detail::throw_error(__FILE__, __LINE__,                           \
                                              ::joule::detail::str_cat(__VA_ARGS__));       \
  } while (0)
