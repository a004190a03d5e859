#include "joule/energy/text.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "joule/core/check.h"

namespace joule::energy {

namespace {

// Closes a file descriptor when it goes away.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

int read_text_file(const std::string& path, std::string* text) {
  // POSIX calls rather than an ifstream: the caller needs errno to explain a failure.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return errno;
  text->clear();
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return 0;
    text->append(buf, static_cast<size_t>(n));
  }
}

std::optional<double> env_number(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double x = std::strtod(value, &end);
  while (*end == ' ' || *end == '\t') ++end;
  JOULE_CHECK(end != value && *end == '\0' && errno == 0 && std::isfinite(x), name,
              ": expected a number, got '", value, "'");
  return x;
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.append(separator);
    out.append(items[i]);
  }
  return out;
}

}  // namespace joule::energy
