#include "joule/report/run_scan.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include "joule/core/check.h"
#include "joule/report/format.h"

namespace fs = std::filesystem;

namespace joule::report {

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

double to_num(const std::string& s, double fallback) {
  if (s.empty()) return fallback;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  return *end == '\0' ? v : fallback;
}

std::string tag(const fs::path& run, const std::string& name) {
  return trim(detail::read_file((run / "tags" / name).string()));
}

// The value of the last line (`timestamp value step`) of a metric file; `fallback` when none.
double last_metric(const fs::path& run, const std::string& name, double fallback) {
  std::istringstream in(detail::read_file((run / "metrics" / name).string()));
  double v = fallback;
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    double ts = 0, x = 0;
    if (f >> ts >> x) v = x;
  }
  return v;
}

std::string meta_value(const std::string& meta, const std::string& key) {
  std::istringstream in(meta);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::string v = trim(line.substr(key.size() + 1));
    v.erase(0, v.find_first_not_of(' '));
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) v = v.substr(1, v.size() - 2);
    return v;
  }
  return "";
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string f;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        f += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        f += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(f);
      f.clear();
    } else if (c != '\r') {
      f += c;
    }
  }
  out.push_back(f);
  return out;
}

// The epochs of the run's <name>_epochs.csv artifact (epoch_csv.h's columns).
std::vector<ReportEpoch> read_epochs(const fs::path& artifacts) {
  std::vector<ReportEpoch> epochs;
  std::error_code ec;
  fs::path csv;
  for (const auto& e : fs::directory_iterator(artifacts, ec)) {
    const std::string n = e.path().filename().string();
    if (n.size() > 11 && n.substr(n.size() - 11) == "_epochs.csv") csv = e.path();
  }
  if (csv.empty()) return epochs;
  std::istringstream in(detail::read_file(csv.string()));
  std::string line;
  if (!std::getline(in, line)) return epochs;
  std::map<std::string, size_t> col;
  const auto header = split_csv_line(line);
  for (size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  while (std::getline(in, line)) {
    const auto f = split_csv_line(line);
    auto get = [&](const std::string& name, double fallback) {
      const auto it = col.find(name);
      return it == col.end() || it->second >= f.size() ? fallback : to_num(f[it->second], fallback);
    };
    ReportEpoch r;
    r.epoch = static_cast<int64_t>(get("epoch", 0));
    r.test_acc = get("test_acc", -1);
    r.val_acc = get("val_acc", -1);
    r.cpu_j = get("train_cpu_j", 0) + get("eval_cpu_j", 0);
    r.dram_j = get("train_dram_j", 0) + get("eval_dram_j", 0);
    r.gpu_j = get("train_gpu_j", 0) + get("eval_gpu_j", 0);
    r.cumulative_j = get("cumulative_j", 0);
    epochs.push_back(r);
  }
  return epochs;
}

ReportRun read_run(const fs::path& run, const std::string& meta) {
  ReportRun r;
  r.run_id = meta_value(meta, "run_id");
  if (r.run_id.empty()) r.run_id = run.filename().string();
  r.run_name = tag(run, "mlflow.runName");
  if (r.run_name.empty()) r.run_name = meta_value(meta, "run_name");
  r.example = fs::path(tag(run, "mlflow.source.name")).filename().string();
  r.energy_kind = tag(run, "joule.energy_kind");
  r.energy_source = tag(run, "joule.energy_source");
  r.country = tag(run, "joule.country");
  r.start_time_ms = static_cast<int64_t>(to_num(meta_value(meta, "start_time"), 0));
  r.final_test_acc = last_metric(run, "test_acc", -1);
  r.joules = to_num(tag(run, "joule.total_joules"), last_metric(run, "total_joules", 0));
  r.grams = to_num(tag(run, "joule.emissions_g"), last_metric(run, "total_emissions_g", 0));
  r.j_per_1k = last_metric(run, "test_j_per_1k", -1);
  r.epochs = read_epochs(run / "artifacts");
  r.forecast_epochs = static_cast<int64_t>(to_num(tag(run, "joule.forecast.epochs"), 0));
  r.forecast_total_j = to_num(tag(run, "joule.forecast.total_joules"), -1);
  r.forecast_for_measured_j = to_num(tag(run, "joule.forecast.joules_for_measured_epochs"), -1);
  r.forecast_error_pct = to_num(tag(run, "joule.forecast.error_pct"), 0);
  r.stop_decided_epoch = static_cast<int64_t>(to_num(tag(run, "joule.stop.decided_epoch"), 0));
  r.stop_stopped_epoch = static_cast<int64_t>(to_num(tag(run, "joule.stop.stopped_epoch"), 0));
  r.stop_forecast_j = to_num(tag(run, "joule.stop.forecast_budget_joules"), -1);
  r.stop_forecast_acc = to_num(tag(run, "joule.stop.forecast_val_acc_at_budget"), -1);
  return r;
}

}  // namespace

std::vector<ReportRun> scan_runs(const std::string& dir) {
  std::error_code ec;
  JOULE_CHECK(fs::is_directory(dir, ec), "scan_runs: '", dir, "' is not a folder");
  std::vector<ReportRun> runs;
  for (auto it = fs::recursive_directory_iterator(
           dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path p = it->path();
    if (!it->is_directory() || p.filename() == ".trash") continue;
    if (!fs::exists(p / "meta.yaml") || !fs::is_directory(p / "tags") ||
        !fs::is_directory(p / "metrics"))
      continue;
    const std::string meta = detail::read_file((p / "meta.yaml").string());
    if (meta_value(meta, "lifecycle_stage") == "deleted") continue;
    runs.push_back(read_run(p, meta));
    it.disable_recursion_pending();
  }
  std::sort(runs.begin(), runs.end(), [](const ReportRun& a, const ReportRun& b) {
    return a.start_time_ms != b.start_time_ms ? a.start_time_ms < b.start_time_ms
                                              : a.run_name < b.run_name;
  });
  return runs;
}

}  // namespace joule::report
