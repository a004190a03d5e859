#include "joule/train/outputs.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <system_error>
#include <thread>

#include "joule/core/check.h"

namespace fs = std::filesystem;

namespace joule::train {

namespace {

// ---- formatting ------------------------------------------------------------------------------

// The shortest text that reads back as exactly `v` ("0.1", "1e-05", "nan"), as Python's repr.
std::string num(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string num(int64_t v) { return std::to_string(v); }

// A CSV field: quoted, with quotes doubled, when it holds a comma, quote or line break.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

std::string csv_row(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) line += ',';
    line += csv_field(fields[i]);
  }
  line += '\n';
  return line;
}

// A YAML double-quoted scalar: every string survives, whatever characters it holds.
std::string yaml_str(const std::string& s) {
  std::string q = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      q += '\\';
      q += static_cast<char>(c);
    } else if (c == '\n') {
      q += "\\n";
    } else if (c == '\t') {
      q += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      q += buf;
    } else {
      q += static_cast<char>(c);
    }
  }
  return q + "\"";
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// CodeCarbon's timestamp: local time, "%Y-%m-%dT%H:%M:%S", no zone.
std::string local_timestamp(int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

// ---- files -----------------------------------------------------------------------------------

// Writes `text` to a temp file beside `path` and renames it over `path`: a reader sees the old
// file or the new one, never half of it.
void write_atomic(const fs::path& path, const std::string& text, const char* op) {
  std::random_device rd;
  fs::path tmp = path;
  tmp += ".tmp" + std::to_string(rd());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    JOULE_CHECK(out.good(), op, ": cannot write ", tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    JOULE_CHECK(false, op, ": cannot rename ", tmp.string(), " to ", path.string());
  }
}

// Writes `text` to `path` as it is (MLflow's params and tags: no trailing newline).
void write_plain(const fs::path& path, const std::string& text, const char* op) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  JOULE_CHECK(out.good(), op, ": cannot write ", path.string());
}

void make_dirs(const fs::path& dir, const char* op) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  JOULE_CHECK(!ec, op, ": cannot create folder ", dir.string(), ": ", ec.message());
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
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
      value += " " + line.substr(line.find_first_not_of(' '));
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
  const std::string t = num(now_ms());
  const std::string meta = "artifact_location: " + yaml_str(file_uri(dir)) +
                           "\ncreation_time: " + t + "\nexperiment_id: " + yaml_str(id) +
                           "\nlast_update_time: " + t + "\nlifecycle_stage: active\nname: " +
                           yaml_str(name) + "\n";
  write_atomic(dir / "meta.yaml", meta, kMlflowOp);
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
    const std::string text = read_all(meta);
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
                  const std::vector<EpochEnergy>& epochs, const std::vector<int64_t>& times,
                  double (*value)(const EpochEnergy&), bool skip_negative) {
  std::string text;
  for (size_t i = 0; i < epochs.size(); ++i) {
    const double v = value(epochs[i]);
    if (skip_negative && v < 0) continue;
    text += num(times[i]) + " " + num(v) + " " + num(epochs[i].epoch) + "\n";
  }
  if (!text.empty()) write_plain(dir / key, text, kMlflowOp);
}

}  // namespace

// ---- run ids and host ------------------------------------------------------------------------

std::string make_run_id() {
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 4; ++i) {
    uint32_t r = rd();
    for (int j = 0; j < 8; ++j, r >>= 4) id += hex[r & 0xf];
  }
  return id;
}

void fill_host_info(RunInfo& info) {
  if (info.os.empty()) {
    utsname u{};
    if (uname(&u) == 0)
      info.os = std::string(u.sysname) + "-" + u.release + "-" + u.machine;
  }
  if (info.cpu_model.empty()) {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("model name", 0) != 0) continue;
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      const size_t b = line.find_first_not_of(' ', colon + 1);
      if (b != std::string::npos) info.cpu_model = line.substr(b);
      break;
    }
  }
  if (info.cpu_count <= 0) info.cpu_count = std::thread::hardware_concurrency();
  if (info.ram_total_gb <= 0) {
    std::ifstream in("/proc/meminfo");
    for (std::string key; in >> key;) {
      double kb = 0;
      if (key == "MemTotal:" && in >> kb) {
        info.ram_total_gb = kb * 1024.0 / (1024.0 * 1024.0 * 1024.0);  // GiB, as CodeCarbon
        break;
      }
      in.ignore(1 << 20, '\n');
    }
  }
  if (info.user.empty()) {
    const char* u = std::getenv("USER");
    if (u) info.user = u;
  }
}

// ---- CodeCarbon emissions.csv ----------------------------------------------------------------

const std::vector<std::string>& emissions_csv_columns() {
  // codecarbon/output_methods/emissions_data.py, class EmissionsData (codecarbon 3.3),
  // in field order, which is the order of its CSV header.
  static const std::vector<std::string> columns = {
      "timestamp", "project_name", "run_id", "experiment_id", "duration", "emissions",
      "emissions_rate", "cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy",
      "ram_energy", "energy_consumed", "water_consumed", "country_name", "country_iso_code",
      "region", "cloud_provider", "cloud_region", "os", "python_version", "codecarbon_version",
      "cpu_count", "cpu_model", "gpu_count", "gpu_model", "longitude", "latitude",
      "ram_total_size", "tracking_mode", "cpu_utilization_percent", "gpu_utilization_percent",
      "ram_utilization_percent", "ram_used_gb", "on_cloud", "pue", "wue"};
  return columns;
}

void append_emissions_csv(const std::string& path, const RunInfo& info,
                          const std::vector<EpochEnergy>& epochs) {
  constexpr const char* op = "append_emissions_csv";
  JOULE_CHECK(!info.run_id.empty(), op, ": RunInfo.run_id is empty (", path, ")");
  const auto& columns = emissions_csv_columns();
  const std::string header = csv_row(columns);

  std::string prefix = header;  // what goes before the row: the header, or nothing
  std::error_code ec;
  if (fs::exists(path, ec) && fs::file_size(path, ec) > 0) {
    const std::string text = read_all(path);
    std::string first = text.substr(0, text.find('\n'));
    if (!first.empty() && first.back() == '\r') first.pop_back();
    JOULE_CHECK(first + "\n" == header, op, ": ", path,
                " has a header that is not CodeCarbon's emissions.csv header: '", first, "'");
    prefix = text.back() == '\n' ? "" : "\n";  // a last row without its line end
  }

  double seconds = 0, cpu_j = 0, dram_j = 0, gpu_j = 0, grams = 0;
  for (const auto& e : epochs) {
    seconds += e.metered_s();
    cpu_j += e.train.joules.cpu_j + e.eval.joules.cpu_j;
    dram_j += e.train.joules.dram_j + e.eval.joules.dram_j;
    gpu_j += e.train.joules.gpu_j + e.eval.joules.gpu_j;
    grams += e.emissions_g;
  }
  constexpr double kJoulesPerKwh = 3.6e6;
  const double kg = grams / 1000.0;
  auto per_s = [&](double x) { return seconds > 0 ? x / seconds : 0.0; };

  // Columns left out of the map (cloud, python, location, utilisation) are written empty.
  std::map<std::string, std::string> v;
  v["timestamp"] = local_timestamp(info.end_time_ms > 0 ? info.end_time_ms : now_ms());
  v["project_name"] = info.project_name;
  v["run_id"] = info.run_id;
  v["experiment_id"] = info.experiment_id;
  v["duration"] = num(seconds);
  v["emissions"] = num(kg);
  v["emissions_rate"] = num(per_s(kg));
  v["cpu_power"] = num(per_s(cpu_j));
  v["gpu_power"] = num(per_s(gpu_j));
  v["ram_power"] = num(per_s(dram_j));
  v["cpu_energy"] = num(cpu_j / kJoulesPerKwh);
  v["gpu_energy"] = num(gpu_j / kJoulesPerKwh);
  v["ram_energy"] = num(dram_j / kJoulesPerKwh);
  v["energy_consumed"] = num((cpu_j + gpu_j + dram_j) / kJoulesPerKwh);
  v["water_consumed"] = "0";  // CodeCarbon's value when no water usage effectiveness is set
  v["country_name"] = info.country_name;
  v["country_iso_code"] = info.country_iso_code;
  v["region"] = info.region;
  v["os"] = info.os;
  v["codecarbon_version"] = info.tool_version;
  if (info.cpu_count > 0) v["cpu_count"] = num(info.cpu_count);
  v["cpu_model"] = info.cpu_model;
  v["gpu_count"] = num(info.gpu_count);
  v["gpu_model"] = info.gpu_model;
  if (info.ram_total_gb > 0) v["ram_total_size"] = num(info.ram_total_gb);
  v["tracking_mode"] = info.tracking_mode;
  v["on_cloud"] = "N";
  v["pue"] = num(info.pue);
  v["wue"] = "0";

  std::vector<std::string> row;
  for (const auto& c : columns) row.push_back(v.count(c) ? v[c] : "");

  std::ofstream out(path, std::ios::binary | std::ios::app);
  JOULE_CHECK(out.is_open(), op, ": cannot open ", path);
  out << prefix << csv_row(row);
  out.flush();
  JOULE_CHECK(out.good(), op, ": cannot write ", path);
}

// ---- per-epoch CSV ---------------------------------------------------------------------------

void write_epoch_csv(const std::string& path, const std::vector<EpochEnergy>& epochs) {
  std::vector<std::string> header = {"epoch", "loss", "train_acc", "val_acc", "test_acc", "lr",
                                     "train_s", "eval_s"};
  for (const char* w : {"train", "eval"})
    for (const char* f : {"_window_s", "_cpu_j", "_dram_j", "_gpu_j", "_j", "_w", "_source",
                          "_kind"})
      header.push_back(std::string(w) + f);
  for (const char* f : {"epoch_j", "epoch_w", "cumulative_j", "emissions_g"}) header.push_back(f);

  auto acc = [](double a) { return a < 0 ? std::string() : num(a); };
  std::string text = csv_row(header);
  for (const auto& e : epochs) {
    std::vector<std::string> row = {num(e.epoch), num(e.loss),  num(e.train_acc), acc(e.val_acc),
                                    acc(e.test_acc), num(e.lr), num(e.train_s),  num(e.eval_s)};
    for (const energy::Measurement* m : {&e.train, &e.eval}) {
      for (const std::string& s :
           {num(m->seconds), num(m->joules.cpu_j), num(m->joules.dram_j), num(m->joules.gpu_j),
            num(m->total_j()), num(m->watts()), m->source, std::string(m->kind())})
        row.push_back(s);
    }
    for (double x : {e.joules(), e.watts(), e.cumulative_j, e.emissions_g}) row.push_back(num(x));
    text += csv_row(row);
  }
  write_atomic(path, text, "write_epoch_csv");
}

// ---- MLflow run ------------------------------------------------------------------------------

std::string write_mlflow_run(const std::string& mlruns_root, RunInfo& info,
                             const std::vector<EpochEnergy>& epochs) {
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
  const int64_t end_ms = info.end_time_ms > 0 ? info.end_time_ms : now_ms();
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
  using E = const EpochEnergy&;
  write_metric(metrics, "loss", epochs, times, [](E e) { return e.loss; }, false);
  write_metric(metrics, "train_acc", epochs, times, [](E e) { return e.train_acc; }, false);
  write_metric(metrics, "val_acc", epochs, times, [](E e) { return e.val_acc; }, true);
  write_metric(metrics, "test_acc", epochs, times, [](E e) { return e.test_acc; }, true);
  write_metric(metrics, "lr", epochs, times, [](E e) { return e.lr; }, false);
  write_metric(metrics, "train_s", epochs, times, [](E e) { return e.train_s; }, false);
  write_metric(metrics, "eval_s", epochs, times, [](E e) { return e.eval_s; }, false);
  write_metric(metrics, "joules", epochs, times, [](E e) { return e.joules(); }, false);
  write_metric(metrics, "cumulative_joules", epochs, times, [](E e) { return e.cumulative_j; },
               false);
  write_metric(metrics, "watts", epochs, times, [](E e) { return e.watts(); }, false);
  write_metric(metrics, "emissions_g", epochs, times, [](E e) { return e.emissions_g; }, false);

  for (const auto& [k, v] : info.params) {
    if (k.find('/') != std::string::npos) make_dirs((run_dir / "params" / k).parent_path(), op);
    write_plain(run_dir / "params" / k, v, op);
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
    write_plain(run_dir / "tags" / k, v, op);
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
  write_atomic(run_dir / "meta.yaml", meta, op);
  return run_dir.string();
}

}  // namespace joule::train
