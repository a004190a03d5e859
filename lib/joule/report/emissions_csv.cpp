#include "joule/report/emissions_csv.h"

#include <filesystem>
#include <map>
#include <system_error>

#include "joule/core/check.h"
#include "joule/energy/grid_intensity.h"
#include "joule/io/atomic_file.h"
#include "joule/report/format.h"

namespace fs = std::filesystem;

namespace joule::report {

using detail::csv_row;
using detail::num;

std::string backup_file(const std::string& path, const char* op) {
  std::string backup = path + ".bak";
  std::error_code ec;
  for (int i = 0; fs::exists(backup, ec); ++i) backup = path + "_" + std::to_string(i) + ".bak";
  fs::rename(path, backup, ec);
  JOULE_CHECK(!ec, op, ": cannot back up ", path, " as ", backup, ": ", ec.message());
  return backup;
}

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
                          const std::vector<energy::EpochRecord>& epochs) {
  constexpr const char* op = "append_emissions_csv";
  JOULE_CHECK(!info.run_id.empty(), op, ": RunInfo.run_id is empty (", path, ")");
  const auto& columns = emissions_csv_columns();
  const std::string header = csv_row(columns);

  std::string text = header;  // the file as it will be: the header, or the rows already there
  std::error_code ec;
  if (fs::exists(path, ec) && fs::file_size(path, ec) > 0) {
    text = detail::read_file(path);
    std::string first = text.substr(0, text.find('\n'));
    if (!first.empty() && first.back() == '\r') first.pop_back();
    if (first + "\n" == header) {
      if (text.back() != '\n') text += '\n';  // a last row without its line end
    } else {
      // Another column set (CodeCarbon <= 3.1 wrote 32 or 34 columns): as CodeCarbon does, keep
      // the old file as <path>.bak (or <path>_0.bak, _1.bak, ... when taken) and start anew.
      backup_file(path, op);
      text = header;
    }
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
  v["timestamp"] =
      detail::local_timestamp(info.end_time_ms > 0 ? info.end_time_ms : detail::now_ms());
  v["project_name"] = info.project_name;
  v["run_id"] = info.run_id;
  v["experiment_id"] = info.experiment_id;
  v["duration"] = num(seconds);
  v["emissions"] = num(kg);
  v["emissions_rate"] = num(per_s(kg));
  v["cpu_power"] = num(per_s(cpu_j));
  v["gpu_power"] = num(per_s(gpu_j));
  v["ram_power"] = num(per_s(dram_j));
  // Energy as CodeCarbon writes it: each total times the PUE (the facility's energy), so that
  // emissions = energy_consumed x intensity, as the emissions column (which includes the PUE).
  const double to_kwh = info.pue / kJoulesPerKwh;
  v["cpu_energy"] = num(cpu_j * to_kwh);
  v["gpu_energy"] = num(gpu_j * to_kwh);
  v["ram_energy"] = num(dram_j * to_kwh);
  v["energy_consumed"] = num((cpu_j + gpu_j + dram_j) * to_kwh);
  v["water_consumed"] = "0";  // CodeCarbon's value when no water usage effectiveness is set
  // Never empty: CodeCarbon always fills them and its dashboard calls .upper() on the code.
  const energy::GridLocation world = energy::default_grid_location();
  v["country_name"] = info.country_name.empty() ? world.country : info.country_name;
  v["country_iso_code"] = info.country_iso_code.empty() ? world.iso3 : info.country_iso_code;
  v["region"] = info.region.empty() ? world.region_column() : info.region;
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
  io::write_file_atomically(path, text + csv_row(row), op);
}

}  // namespace joule::report
