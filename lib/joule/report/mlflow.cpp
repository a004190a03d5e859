#include "joule/report/mlflow.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <system_error>

#include "joule/core/check.h"
#include "joule/io/atomic_file.h"
#include "joule/report/format.h"

namespace fs = std::filesystem;

namespace joule::report {

using detail::num;
using energy::EpochRecord;
using detail::yaml_str;

namespace {

// Every file of the store goes through io::AtomicFile: a reader (mlflow ui, another run looking
// for its experiment) sees the old file or the new one, never half of it.
void write_file(const fs::path& path, const std::string& text, const char* op) {
  io::write_file_atomically(path.string(), text, op);
}

void make_dirs(const fs::path& dir, const char* op) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  JOULE_CHECK(!ec, op, ": cannot create folder ", dir.string(), ": ", ec.message());
}

// ---- MLflow file store -----------------------------------------------------------------------

constexpr const char* kMlflowOp = "write_mlflow_run";

// MLflow's rule for param, metric and tag names: letters, digits, '_', '-', '.', ' ' and '/';
// here also no empty, "." or ".." path part, so a name cannot leave its folder.
void check_mlflow_key(const std::string& key, const char* what) {
  bool ok = !key.empty();
  for (char c : key)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
                c == ' ' || c == '/');
  std::stringstream parts(key);
  for (std::string part; ok && std::getline(parts, part, '/');)
    ok = !part.empty() && part != "." && part != "..";
  ok = ok && key.back() != '/';
  // MLflow's path_not_unique: a name whose normalised path starts with ".." ("..x") is taken
  // when logged but then stops MLflow listing the whole experiment, so MLflow refuses it.
  ok = ok && key.rfind("..", 0) != 0;
  JOULE_CHECK(ok, kMlflowOp, ": ", what, " name '", key,
              "' is not a valid MLflow name (letters, digits, '_', '-', '.', ' ', '/')");
}

// Letters, digits, '_' and '-', starting with a letter or digit: MLflow's rule for run ids.
bool valid_id(const std::string& id) {
  if (id.empty() || !std::isalnum(static_cast<unsigned char>(id[0]))) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// "file:///abs/path", percent-encoding what a URI path cannot hold, as pathlib's as_uri().
std::string file_uri(const fs::path& p) {
  const std::string s = fs::absolute(p).lexically_normal().generic_string();
  std::string uri = "file://";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      uri += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      uri += buf;
    }
  }
  return uri;
}

// The value of top-level key `key` in a meta.yaml written by MLflow (PyYAML: plain, 'single' or
// "double" quoted, long plain values folded onto indented lines); "" when absent.
std::string yaml_value(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line, value;
  bool found = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (found) {
      if (line.empty() || line[0] != ' ') break;
      value += ' ';  // (not " " + ...: GCC 12 warns -Wrestrict on that, wrongly)
      value += line.substr(line.find_first_not_of(' '));
    } else if (line.rfind(key + ":", 0) == 0) {
      found = true;
      value = line.substr(key.size() + 1);
      const size_t b = value.find_first_not_of(' ');
      value = b == std::string::npos ? "" : value.substr(b);
    }
  }
  while (!value.empty() && value.back() == ' ') value.pop_back();
  if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
    std::string out;
    for (size_t i = 1; i + 1 < value.size(); ++i) {
      out += value[i];
      if (value[i] == '\'' && value[i + 1] == '\'') ++i;
    }
    return out;
  }
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    std::string out;
    for (size_t i = 1; i + 1 < value.size(); ++i) {
      if (value[i] == '\\' && i + 2 < value.size()) {
        const char e = value[++i];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      } else {
        out += value[i];
      }
    }
    return out;
  }
  return value;
}

void write_experiment_meta(const fs::path& dir, const std::string& id, const std::string& name) {
  const std::string t = num(detail::now_ms());
  const std::string meta = "artifact_location: " + yaml_str(file_uri(dir)) +
                           "\ncreation_time: " + t + "\nexperiment_id: " + yaml_str(id) +
                           "\nlast_update_time: " + t + "\nlifecycle_stage: active\nname: " +
                           yaml_str(name) + "\n";
  write_file(dir / "meta.yaml", meta, kMlflowOp);
}

// Creates experiment `name` with id `id` when that folder is free; false when it is taken.
bool try_create_experiment(const fs::path& root, const std::string& id, const std::string& name) {
  std::error_code ec;
  if (!fs::create_directory(root / id, ec)) {
    JOULE_CHECK(!ec, kMlflowOp, ": cannot create folder ", (root / id).string(), ": ",
                ec.message());
    return false;
  }
  write_experiment_meta(root / id, id, name);
  return true;
}

// The id of the active experiment called `name` under `root`, creating it when there is none.
std::string find_or_create_experiment(const fs::path& root, const std::string& name) {
  int64_t max_id = 0;
  std::vector<std::string> ids;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    const std::string id = entry.path().filename().string();
    if (id.empty() || id[0] == '.' || id == "models") continue;
    const fs::path meta = entry.path() / "meta.yaml";
    if (!fs::exists(meta)) continue;
    const std::string text = detail::read_file(meta.string());
    if (yaml_value(text, "name") == name && yaml_value(text, "lifecycle_stage") != "deleted")
      ids.push_back(id);
    int64_t n = 0;
    const auto r = std::from_chars(id.data(), id.data() + id.size(), n);
    if (r.ec == std::errc() && r.ptr == id.data() + id.size()) max_id = std::max(max_id, n);
  }
  if (!ids.empty())  // the oldest of several with that name: the smallest number
    return *std::min_element(ids.begin(), ids.end(), [](const auto& a, const auto& b) {
      return a.size() != b.size() ? a.size() < b.size() : a < b;
    });
  // The next free number; another process may take it first, so try the following ones.
  for (int64_t n = max_id + 1;; ++n)
    if (try_create_experiment(root, std::to_string(n), name)) return std::to_string(n);
}

// One metric file: `timestamp_ms value step` per epoch that has a value; none when none has.
void write_metric(const fs::path& dir, const std::string& key,
                  const std::vector<EpochRecord>& epochs, const std::vector<int64_t>& times,
                  double (*value)(const EpochRecord&), bool skip_negative) {
  std::string text;
  for (size_t i = 0; i < epochs.size(); ++i) {
    const double v = value(epochs[i]);
    if (skip_negative && v < 0) continue;
    text += num(times[i]) + " " + num(v) + " " + num(epochs[i].epoch) + "\n";
  }
  if (!text.empty()) write_file(dir / key, text, kMlflowOp);
}

}  // namespace

// ---- MLflow run ------------------------------------------------------------------------------

std::string write_mlflow_run(const std::string& mlruns_root, RunInfo& info,
                             const std::vector<EpochRecord>& epochs,
                             const std::vector<std::string>& artifacts) {
  const char* op = kMlflowOp;
  if (info.run_id.empty()) info.run_id = make_run_id();
  JOULE_CHECK(valid_id(info.run_id), op, ": run id '", info.run_id,
              "' is not letters, digits, '_' and '-'");
  for (const auto& [k, v] : info.params) check_mlflow_key(k, "param");
  for (const auto& [k, v] : info.tags) check_mlflow_key(k, "tag");

  // The root as MLflow creates it: the Default experiment 0 and a .trash folder.
  const fs::path root(mlruns_root);
  make_dirs(root, op);
  make_dirs(root / ".trash", op);
  if (!fs::exists(root / "0" / "meta.yaml")) {
    make_dirs(root / "0", op);
    write_experiment_meta(root / "0", "0", "Default");
  }

  if (info.experiment_id.empty()) {
    info.experiment_id = find_or_create_experiment(root, info.experiment_name);
  } else {
    JOULE_CHECK(valid_id(info.experiment_id), op, ": experiment id '", info.experiment_id,
                "' is not letters, digits, '_' and '-'");
    if (!fs::exists(root / info.experiment_id / "meta.yaml")) {
      make_dirs(root / info.experiment_id, op);
      write_experiment_meta(root / info.experiment_id, info.experiment_id, info.experiment_name);
    }
  }

  const fs::path run_dir = root / info.experiment_id / info.run_id;
  std::error_code ec;
  const bool created = fs::create_directory(run_dir, ec);
  JOULE_CHECK(created && !ec, op, ": run folder ", run_dir.string(),
              ec ? " cannot be created: " + ec.message() : std::string(" already exists"));
  for (const char* sub : {"metrics", "params", "tags", "artifacts"}) make_dirs(run_dir / sub, op);

  // Times: each epoch ends start + the wall time of the epochs so far.
  const int64_t end_ms = info.end_time_ms > 0 ? info.end_time_ms : detail::now_ms();
  double total_s = 0;
  for (const auto& e : epochs) total_s += e.train_s + e.eval_s;
  const int64_t start_ms =
      info.start_time_ms > 0 ? info.start_time_ms : end_ms - std::llround(total_s * 1000);
  std::vector<int64_t> times;
  double so_far_s = 0;
  for (const auto& e : epochs) {
    so_far_s += e.train_s + e.eval_s;
    times.push_back(start_ms + std::llround(so_far_s * 1000));
  }

  const fs::path metrics = run_dir / "metrics";
  using E = const EpochRecord&;
  write_metric(metrics, "loss", epochs, times, [](E e) { return e.loss; }, false);
  write_metric(metrics, "train_acc", epochs, times, [](E e) { return e.train_acc; }, false);
  write_metric(metrics, "val_acc", epochs, times, [](E e) { return e.val_acc; }, true);
  write_metric(metrics, "test_acc", epochs, times, [](E e) { return e.test_acc; }, true);
  write_metric(metrics, "lr", epochs, times, [](E e) { return e.lr; }, false);
  write_metric(metrics, "train_s", epochs, times, [](E e) { return e.train_s; }, false);
  write_metric(metrics, "eval_s", epochs, times, [](E e) { return e.eval_s; }, false);
  write_metric(metrics, "joules", epochs, times, [](E e) { return e.joules(); }, false);
  write_metric(metrics, "cumulative_joules", epochs, times, [](E e) { return e.cumulative_joules; },
               false);
  write_metric(metrics, "watts", epochs, times, [](E e) { return e.watts(); }, false);
  write_metric(metrics, "emissions_g", epochs, times, [](E e) { return e.emissions_g; }, false);
  // Fields callbacks add to the epoch line that are worth a curve.
  for (const char* extra : {"test_j_per_1k", "carbon_g_per_kwh"}) {
    std::string text;
    for (size_t i = 0; i < epochs.size(); ++i)
      for (const auto& [k, v] : epochs[i].extra)
        if (k == extra) text += num(times[i]) + " " + v + " " + num(epochs[i].epoch) + "\n";
    if (!text.empty()) write_file(metrics / extra, text, op);
  }
  // The run's totals, so the UI's "latest" value of a metric is the whole run's, not one epoch's.
  if (!epochs.empty()) {
    double g = 0, j = 0;
    for (const auto& e : epochs) {
      g += e.emissions_g;
      j += e.joules();
    }
    write_file(metrics / "total_emissions_g", num(times.back()) + " " + num(g) + " " +
                                                  num(epochs.back().epoch) + "\n", op);
    write_file(metrics / "total_joules", num(times.back()) + " " + num(j) + " " +
                                             num(epochs.back().epoch) + "\n", op);
  }

  for (const auto& [k, v] : info.params) {
    if (k.find('/') != std::string::npos) make_dirs((run_dir / "params" / k).parent_path(), op);
    write_file(run_dir / "params" / k, v, op);
  }

  const std::string run_name =
      info.run_name.empty() ? "joule-" + info.run_id.substr(0, 8) : info.run_name;
  double total_j = 0, grams = 0;
  for (const auto& e : epochs) {
    total_j += e.joules();
    grams += e.emissions_g;
  }
  std::vector<std::pair<std::string, std::string>> tags = {
      {"mlflow.runName", run_name},
      {"mlflow.user", info.user},
      {"mlflow.source.name", info.source_name},
      {"mlflow.source.type", "LOCAL"},
      {"joule.energy_source", info.energy_source},
      {"joule.energy_kind", info.measured ? "measured" : "estimated"},
      {"joule.carbon_intensity_g_per_kwh", num(info.carbon_intensity_g_per_kwh)},
      {"joule.pue", num(info.pue)},
      {"joule.total_joules", num(total_j)},
      {"joule.emissions_g", num(grams)}};
  tags.insert(tags.end(), info.tags.begin(), info.tags.end());  // the caller's win on a clash
  for (const auto& [k, v] : tags) {
    if (k.find('/') != std::string::npos) make_dirs((run_dir / "tags" / k).parent_path(), op);
    write_file(run_dir / "tags" / k, v, op);
  }

  for (const auto& a : artifacts) {
    fs::copy_file(a, run_dir / "artifacts" / fs::path(a).filename(),
                  fs::copy_options::overwrite_existing, ec);
    JOULE_CHECK(!ec, op, ": cannot copy artifact ", a, " into ", (run_dir / "artifacts").string(),
                ": ", ec.message());
  }

  // meta.yaml last: MLflow lists a run only once it has one. status 3 = FINISHED, source_type
  // 4 = LOCAL; the keys in the order PyYAML writes them.
  const std::string meta =
      "artifact_uri: " + yaml_str(file_uri(run_dir / "artifacts")) + "\nend_time: " +
      num(end_ms) + "\nentry_point_name: \"\"\nexperiment_id: " + yaml_str(info.experiment_id) +
      "\nlifecycle_stage: active\nrun_id: " + yaml_str(info.run_id) + "\nrun_name: " +
      yaml_str(run_name) + "\nrun_uuid: " + yaml_str(info.run_id) +
      "\nsource_name: \"\"\nsource_type: 4\nsource_version: \"\"\nstart_time: " + num(start_ms) +
      "\nstatus: 3\ntags: []\nuser_id: " + yaml_str(info.user) + "\n";
  write_file(run_dir / "meta.yaml", meta, op);
  return run_dir.string();
}

}  // namespace joule::report
