#include "joule/energy/host.h"

#include <sys/utsname.h>

#include <cstdlib>

#include "joule/energy/text.h"

namespace joule::energy {

namespace {

// The value after the colon of the first line of `text` that starts with `key`, spaces after
// the colon skipped; "" when no line does.
std::string field(const std::string& text, const std::string& key) {
  for (size_t line = 0; line < text.size();) {
    size_t next = text.find('\n', line);
    if (next == std::string::npos) next = text.size();
    if (text.compare(line, key.size(), key) == 0) {
      const size_t colon = text.find(':', line);
      if (colon != std::string::npos && colon < next) {
        size_t start = colon + 1;
        while (start < next && text[start] == ' ') ++start;
        return text.substr(start, next - start);
      }
    }
    line = next + 1;
  }
  return "";
}

}  // namespace

std::string cpu_model_name() {
  std::string text;
  if (read_text_file("/proc/cpuinfo", &text) != 0) return "";
  return field(text, "model name");
}

std::string os_name() {
  utsname u{};
  if (uname(&u) != 0) return "";
  return std::string(u.sysname) + "-" + u.release + "-" + u.machine;
}

double ram_total_gib() {
  std::string text;
  if (read_text_file("/proc/meminfo", &text) != 0) return 0;
  // "MemTotal:       16318412 kB"
  const double kib = std::strtod(field(text, "MemTotal:").c_str(), nullptr);
  return kib > 0 ? kib / (1024.0 * 1024.0) : 0;
}

}  // namespace joule::energy
