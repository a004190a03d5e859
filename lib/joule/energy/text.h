// Small text helpers the meters share: sysfs and /proc files, environment variables, lists.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace joule::energy {

// Reads all of a small file (sysfs, /proc) into `text`. Returns 0, or the errno of the failing
// open/read (EACCES for a root-only energy_uj, EISDIR for a folder, ENOENT for a missing file).
int read_text_file(const std::string& path, std::string* text);

// The number in environment variable `name`, or nothing when it is unset or empty. Throws
// joule::Error naming the variable and its value when the value is not a finite number.
std::optional<double> env_number(const char* name);

// The items with `separator` between them: join({"rapl", "nvml"}, "+") is "rapl+nvml".
std::string join(const std::vector<std::string>& items, const std::string& separator);

}  // namespace joule::energy
