#include "joule/energy/rapl.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>

#include "joule/core/check.h"
#include "joule/energy/text.h"

namespace joule::energy {

namespace fs = std::filesystem;

namespace {

// The index N when `name` is `prefix` followed by digits only ("intel-rapl:" + "12"), else -1.
long zone_index(const std::string& name, const std::string& prefix) {
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return -1;
  const std::string digits = name.substr(prefix.size());
  if (digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::strtol(digits.c_str(), nullptr, 10);
}

// Names of the zones `prefix`N in `dir`, ordered by N (intel-rapl:2 before intel-rapl:10).
std::vector<std::string> zones_in(const std::string& dir, const std::string& prefix) {
  std::vector<std::pair<long, std::string>> found;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const long n = zone_index(name, prefix);
    if (n >= 0) found.emplace_back(n, name);
  }
  JOULE_CHECK(!ec, "rapl: cannot list ", dir, ": ", ec.message());
  std::sort(found.begin(), found.end());
  std::vector<std::string> names;
  for (const auto& f : found) names.push_back(f.second);
  return names;
}

std::string read_line(const std::string& file) {
  std::string text;
  const int err = read_text_file(file, &text);
  JOULE_CHECK(err == 0, rapl_read_error(file, err));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

uint64_t read_uj(const std::string& file) {
  const std::string text = read_line(file);
  JOULE_CHECK(!text.empty() && text.find_first_not_of("0123456789") == std::string::npos,
              "rapl: ", file, " should hold a count of microjoules, holds '", text, "'");
  return std::strtoull(text.c_str(), nullptr, 10);
}

}  // namespace

std::string rapl_read_error(const std::string& file, int err) {
  if (err == EACCES || err == EPERM)
    return "rapl: cannot read " + file +
           ": permission denied; since Linux 5.10 (November 2020, CVE-2020-8694 \"Platypus\") "
           "energy_uj is readable by root only; run as root, or let other users read the "
           "counters until the next boot with `sudo chmod o+r " +
           file + "` (and the other intel-rapl energy_uj files)";
  return "rapl: cannot read " + file + ": " + std::strerror(err);
}

RaplMeter::RaplMeter(const std::string& root, std::chrono::milliseconds sample_period)
    : period_(sample_period) {
  std::error_code ec;
  JOULE_CHECK(fs::is_directory(root, ec), "rapl: no ", root,
              ": this kernel exposes no RAPL counters (VMs and containers usually have none)");
  const std::vector<std::string> zones = zones_in(root, "intel-rapl:");
  JOULE_CHECK(!zones.empty(), "rapl: no intel-rapl:N domains in ", root,
              " (the intel_rapl driver is not loaded, or this CPU has no RAPL)");
  std::vector<std::string> packages, skipped;
  for (const std::string& zone : zones) {
    const std::string dir = root + "/" + zone;
    const std::string name = read_line(dir + "/name");
    if (name.rfind("package", 0) != 0) {  // psys: the whole platform, packages included
      skipped.push_back(name);
      continue;
    }
    packages.push_back(name);
    add_domain(dir, false);
    // Subdomains sit inside the package folder; sysfs also links them at the top level.
    std::set<std::string> seen;
    std::vector<std::string> subdirs;
    for (const std::string& sub : zones_in(dir, zone + ":"))
      if (seen.insert(sub).second) subdirs.push_back(dir + "/" + sub);
    for (const std::string& sub : zones_in(root, zone + ":"))
      if (seen.insert(sub).second) subdirs.push_back(root + "/" + sub);
    for (const std::string& sub : subdirs) {
      if (read_line(sub + "/name") != "dram") continue;  // core, uncore: inside the package
      packages.back().append(" (+dram)");
      add_domain(sub, true);
    }
  }
  JOULE_CHECK(!domains_.empty(), "rapl: no package domain in ", root, " (found only ",
              join(skipped, ", "), ")");
  description_ = "rapl: " + join(packages, ", ");
  if (!skipped.empty())
    description_ += "; skipped " + join(skipped, ", ") + " (not a package)";
  if (period_.count() > 0) {
    const auto ms = period_.count();
    description_ +=
        "; energy_uj sampled every " +
        (ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms");
    sampler_ = std::make_unique<PeriodicSampler>(mutex_, period_, [this] { sample_locked(); });
  }
}

RaplMeter::~RaplMeter() = default;

std::unique_ptr<RaplMeter> RaplMeter::open(const std::string& root, std::string* why_not,
                                           std::chrono::milliseconds sample_period) {
  try {
    return std::make_unique<RaplMeter>(root, sample_period);
  } catch (const Error& e) {
    if (why_not) *why_not = e.what();
    return nullptr;
  }
}

void RaplMeter::add_domain(const std::string& dir, bool dram) {
  Domain d;
  d.energy_file = dir + "/energy_uj";
  d.dram = dram;
  d.max_range_uj = read_uj(dir + "/max_energy_range_uj");
  JOULE_CHECK(d.max_range_uj > 0, "rapl: ", dir, "/max_energy_range_uj is 0");
  d.last_uj = read_uj(d.energy_file);
  domains_.push_back(d);
}

void RaplMeter::sample_locked() {
  for (Domain& d : domains_) {
    const uint64_t now = read_uj(d.energy_file);
    // A smaller value means the counter passed max_energy_range_uj and restarted from 0.
    const uint64_t delta = now >= d.last_uj ? now - d.last_uj : d.max_range_uj - d.last_uj + now;
    d.joules += static_cast<double>(delta) * 1e-6;
    d.last_uj = now;
  }
  ++samples_;
}

EnergyTotals RaplMeter::read() {
  std::lock_guard<std::mutex> lock(mutex_);
  sample_locked();
  EnergyTotals t;
  for (const Domain& d : domains_) (d.dram ? t.dram_j : t.cpu_j) += d.joules;
  return t;
}

std::string RaplMeter::describe() const { return description_; }

int64_t RaplMeter::sample_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return samples_;
}

}  // namespace joule::energy
