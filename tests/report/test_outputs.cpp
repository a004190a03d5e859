// The outputs of a metered run: CodeCarbon's emissions.csv, the per-epoch CSV, an MLflow
// file-store run and the accuracy-against-energy SVG, each read back and checked.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "joule/report/emissions_csv.h"
#include "joule/report/epoch_csv.h"
#include "joule/report/mlflow.h"
#include "joule/report/run_info.h"
#include "joule/report/svg_plot.h"
#include "test_util.h"

using namespace joule;
using joule::test::TempDir;

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  EXPECT_TRUE(in.is_open()) << "cannot read " << p;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
    } else if (c == '\n') {
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
      any = false;
    } else if (c != '\r') {
      field += c;
      any = true;
    }
  }
  if (any || !row.empty()) {
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

// The value in `row` under column `name` of `header`.
std::string cell(const std::vector<std::string>& header, const std::vector<std::string>& row,
                 const std::string& name) {
  const auto it = std::find(header.begin(), header.end(), name);
  EXPECT_NE(it, header.end()) << "no column " << name;
  if (it == header.end()) return "";
  const size_t i = static_cast<size_t>(it - header.begin());
  EXPECT_LT(i, row.size());
  return i < row.size() ? row[i] : "";
}

double num_cell(const std::vector<std::string>& header, const std::vector<std::string>& row,
                const std::string& name) {
  const std::string s = cell(header, row, name);
  EXPECT_FALSE(s.empty()) << name << " is empty";
  return s.empty() ? 0 : std::stod(s);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

energy::Measurement window(double s, double cpu, double dram, double gpu) {
  energy::Measurement m;
  m.seconds = s;
  m.joules = {cpu, dram, gpu};
  m.source = "rapl+nvml";
  m.measured = true;
  return m;
}

// A known two-epoch run: 24 metered seconds, 2300 J CPU, 460 J DRAM, 6900 J GPU, 1.1 g CO2e.
std::vector<energy::EpochRecord> two_epochs() {
  energy::EpochRecord a;
  a.epoch = 1;
  a.loss = 0.9;
  a.train_acc = 70;
  a.val_acc = 75.5;
  a.lr = 0.1;
  a.train_s = 10;
  a.eval_s = 2;
  a.train = window(10, 1000, 200, 3000);
  a.eval = window(2, 100, 20, 300);
  a.cumulative_joules = 4620;
  a.emissions_g = 0.5;

  energy::EpochRecord b = a;
  b.epoch = 2;
  b.loss = 0.5;
  b.train_acc = 85;
  b.val_acc = 84.25;
  b.lr = 0.05;
  b.train = window(10, 1100, 220, 3300);
  b.cumulative_joules = 9660;
  b.emissions_g = 0.6;
  return {a, b};
}

report::RunInfo run_info() {
  report::RunInfo info;
  info.project_name = "mnist, \"small\"";  // needs quoting
  info.experiment_name = "energy study";
  info.run_name = "mlp-<1>";
  info.user = "alice";
  info.source_name = "examples/train_mnist";
  info.start_time_ms = 1700000000000;
  info.end_time_ms = 1700000030000;
  info.params = {{"lr", "0.1"}, {"batch_size", "64"}, {"model/hidden", "128"}};
  info.tags = {{"dataset", "mnist"}};
  info.carbon_intensity_g_per_kwh = 400;
  info.pue = 1.2;
  info.energy_source = "rapl+nvml";
  info.measured = true;
  info.os = "Linux-6.1.0-x86_64";
  info.cpu_model = "AMD EPYC 7B13, 64-Core";
  info.cpu_count = 16;
  info.gpu_model = "1 x NVIDIA H100";
  info.gpu_count = 1;
  info.ram_total_gb = 125.5;
  return info;
}

}  // namespace

// ---- emissions.csv -----------------------------------------------------------------------------

TEST(EmissionsCsv, ColumnsAreCodeCarbons) {
  // codecarbon/output_methods/emissions_data.py, EmissionsData, codecarbon 3.3.0.
  const std::vector<std::string> codecarbon = {
      "timestamp", "project_name", "run_id", "experiment_id", "duration", "emissions",
      "emissions_rate", "cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy",
      "ram_energy", "energy_consumed", "water_consumed", "country_name", "country_iso_code",
      "region", "cloud_provider", "cloud_region", "os", "python_version", "codecarbon_version",
      "cpu_count", "cpu_model", "gpu_count", "gpu_model", "longitude", "latitude",
      "ram_total_size", "tracking_mode", "cpu_utilization_percent", "gpu_utilization_percent",
      "ram_utilization_percent", "ram_used_gb", "on_cloud", "pue", "wue"};
  EXPECT_EQ(report::emissions_csv_columns(), codecarbon);

  TempDir dir("joule_emissions");
  const std::string path = dir.file("emissions.csv");
  report::append_emissions_csv(path, run_info(), two_epochs());
  const auto rows = parse_csv(read_text(path));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], codecarbon);
  EXPECT_EQ(rows[1].size(), codecarbon.size());
}

TEST(EmissionsCsv, RowSumsTheEpochsInCodeCarbonUnits) {
  TempDir dir("joule_emissions");
  const std::string path = dir.file("emissions.csv");
  report::RunInfo info = run_info();
  info.experiment_id = std::string("3");
  report::append_emissions_csv(path, info, two_epochs());
  const auto rows = parse_csv(read_text(path));
  ASSERT_EQ(rows.size(), 2u);
  const auto& h = rows[0];
  const auto& r = rows[1];

  EXPECT_EQ(cell(h, r, "project_name"), "mnist, \"small\"");
  EXPECT_EQ(cell(h, r, "run_id"), info.run_id);
  EXPECT_EQ(info.run_id.size(), 32u);
  EXPECT_EQ(cell(h, r, "experiment_id"), "3");
  const std::string ts = cell(h, r, "timestamp");  // local "YYYY-MM-DDTHH:MM:SS"
  ASSERT_EQ(ts.size(), 19u);
  EXPECT_EQ(ts[10], 'T');

  EXPECT_DOUBLE_EQ(num_cell(h, r, "duration"), 24.0);
  EXPECT_DOUBLE_EQ(num_cell(h, r, "emissions"), 1.1e-3);  // kg
  EXPECT_DOUBLE_EQ(num_cell(h, r, "emissions_rate"), 1.1e-3 / 24);
  EXPECT_DOUBLE_EQ(num_cell(h, r, "cpu_power"), 2300.0 / 24);
  EXPECT_DOUBLE_EQ(num_cell(h, r, "ram_power"), 460.0 / 24);
  EXPECT_DOUBLE_EQ(num_cell(h, r, "gpu_power"), 6900.0 / 24);
  // kWh, times the PUE (1.2) as CodeCarbon writes them
  EXPECT_DOUBLE_EQ(num_cell(h, r, "cpu_energy"), 2300 * 1.2 / 3.6e6);
  EXPECT_DOUBLE_EQ(num_cell(h, r, "ram_energy"), 460 * 1.2 / 3.6e6);
  EXPECT_DOUBLE_EQ(num_cell(h, r, "gpu_energy"), 6900 * 1.2 / 3.6e6);
  EXPECT_DOUBLE_EQ(num_cell(h, r, "energy_consumed"), 9660 * 1.2 / 3.6e6);
  EXPECT_DOUBLE_EQ(num_cell(h, r, "pue"), 1.2);

  EXPECT_EQ(cell(h, r, "cpu_model"), "AMD EPYC 7B13, 64-Core");
  EXPECT_EQ(cell(h, r, "cpu_count"), "16");
  EXPECT_EQ(cell(h, r, "gpu_count"), "1");
  EXPECT_EQ(cell(h, r, "gpu_model"), "1 x NVIDIA H100");
  EXPECT_DOUBLE_EQ(num_cell(h, r, "ram_total_size"), 125.5);
  EXPECT_EQ(cell(h, r, "os"), "Linux-6.1.0-x86_64");
  EXPECT_EQ(cell(h, r, "codecarbon_version"), "joule-0.1.0");
  EXPECT_EQ(cell(h, r, "tracking_mode"), "machine");
  EXPECT_EQ(cell(h, r, "on_cloud"), "N");
  EXPECT_EQ(cell(h, r, "cloud_provider"), "");
  EXPECT_EQ(cell(h, r, "python_version"), "");
  EXPECT_EQ(cell(h, r, "cpu_utilization_percent"), "");  // not measured: empty, not 0
}

TEST(EmissionsCsv, SecondRunAppendsARowUnderTheSameHeader) {
  TempDir dir("joule_emissions");
  const std::string path = dir.file("emissions.csv");
  report::RunInfo first = run_info(), second = run_info();
  second.run_id = report::make_run_id();
  ASSERT_NE(first.run_id, second.run_id);
  report::append_emissions_csv(path, first, two_epochs());
  report::append_emissions_csv(path, second, {two_epochs()[0]});
  const auto rows = parse_csv(read_text(path));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], report::emissions_csv_columns());
  EXPECT_EQ(cell(rows[0], rows[1], "run_id"), first.run_id);
  EXPECT_EQ(cell(rows[0], rows[2], "run_id"), second.run_id);
  EXPECT_DOUBLE_EQ(num_cell(rows[0], rows[2], "energy_consumed"), 4620 * 1.2 / 3.6e6);
}

TEST(EmissionsCsv, ForeignHeaderIsBackedUpAndANewFileBegins) {
  TempDir dir("joule_emissions");
  const std::string old = "timestamp,project_name,run_id\n1,2,3\n";
  const std::string path = dir.write("emissions.csv", old);
  report::append_emissions_csv(path, run_info(), two_epochs());
  EXPECT_EQ(read_text(path + ".bak"), old);  // CodeCarbon's backup name
  const auto rows = parse_csv(read_text(path));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], report::emissions_csv_columns());
}

// ---- per-epoch CSV -----------------------------------------------------------------------------

TEST(EpochOutputsCsv, OneRowPerEpochWithEveryField) {
  TempDir dir("joule_epochs");
  const std::string path = dir.file("epochs.csv");
  auto epochs = two_epochs();
  epochs[1].eval.measured = false;  // an estimated window
  epochs[1].eval.source = "estimate";
  report::write_epoch_csv(path, epochs);
  const auto rows = parse_csv(read_text(path));
  ASSERT_EQ(rows.size(), 3u);
  const auto& h = rows[0];
  for (const auto& row : rows) EXPECT_EQ(row.size(), h.size());

  EXPECT_EQ(cell(h, rows[1], "epoch"), "1");
  EXPECT_DOUBLE_EQ(num_cell(h, rows[1], "loss"), 0.9);
  EXPECT_DOUBLE_EQ(num_cell(h, rows[1], "val_acc"), 75.5);
  EXPECT_EQ(cell(h, rows[1], "test_acc"), "");  // none: empty
  EXPECT_DOUBLE_EQ(num_cell(h, rows[1], "lr"), 0.1);
  EXPECT_DOUBLE_EQ(num_cell(h, rows[1], "train_s"), 10);
  EXPECT_DOUBLE_EQ(num_cell(h, rows[1], "eval_s"), 2);
  EXPECT_DOUBLE_EQ(num_cell(h, rows[1], "train_window_s"), 10);
  EXPECT_DOUBLE_EQ(num_cell(h, rows[1], "train_cpu_j"), 1000);
  EXPECT_DOUBLE_EQ(num_cell(h, rows[1], "train_dram_j"), 200);
  EXPECT_DOUBLE_EQ(num_cell(h, rows[1], "train_gpu_j"), 3000);
  EXPECT_DOUBLE_EQ(num_cell(h, rows[1], "train_j"), 4200);
  EXPECT_DOUBLE_EQ(num_cell(h, rows[1], "train_w"), 420);
  EXPECT_EQ(cell(h, rows[1], "train_source"), "rapl+nvml");
  EXPECT_EQ(cell(h, rows[1], "train_kind"), "measured");
  EXPECT_DOUBLE_EQ(num_cell(h, rows[1], "eval_j"), 420);
  EXPECT_DOUBLE_EQ(num_cell(h, rows[1], "eval_w"), 210);
  EXPECT_DOUBLE_EQ(num_cell(h, rows[1], "epoch_j"), 4620);
  EXPECT_DOUBLE_EQ(num_cell(h, rows[1], "epoch_w"), 4620.0 / 12);
  EXPECT_DOUBLE_EQ(num_cell(h, rows[1], "cumulative_j"), 4620);
  EXPECT_DOUBLE_EQ(num_cell(h, rows[1], "emissions_g"), 0.5);

  EXPECT_EQ(cell(h, rows[2], "epoch"), "2");
  EXPECT_DOUBLE_EQ(num_cell(h, rows[2], "cumulative_j"), 9660);
  EXPECT_EQ(cell(h, rows[2], "eval_source"), "estimate");
  EXPECT_EQ(cell(h, rows[2], "eval_kind"), "estimated");
}

// ---- MLflow file store -------------------------------------------------------------------------

TEST(MlflowRun, WritesTheFileStoreLayout) {
  TempDir dir("joule_mlruns");
  const fs::path root = dir.path() / "mlruns";
  report::RunInfo info = run_info();
  const std::string run_dir = report::write_mlflow_run(root.string(), info, two_epochs());

  // MLflow's Default experiment 0, then ours as 1.
  EXPECT_EQ(info.experiment_id, "1");
  EXPECT_EQ(fs::path(run_dir), root / "1" / info.run_id);
  const std::string default_meta = read_text(root / "0" / "meta.yaml");
  test::expect_has(default_meta, "name: \"Default\"");
  test::expect_has(default_meta, "experiment_id: \"0\"");
  EXPECT_TRUE(fs::is_directory(root / ".trash"));

  const std::string exp_meta = read_text(root / "1" / "meta.yaml");
  test::expect_has(exp_meta, "name: \"energy study\"\n");
  test::expect_has(exp_meta, "experiment_id: \"1\"\n");
  test::expect_has(exp_meta, "lifecycle_stage: active\n");
  test::expect_has(exp_meta, "artifact_location: \"file://");
  test::expect_has(exp_meta, "creation_time: ");
  test::expect_has(exp_meta, "last_update_time: ");

  const std::string meta = read_text(fs::path(run_dir) / "meta.yaml");
  test::expect_has(meta, "run_id: \"" + info.run_id + "\"\n");
  test::expect_has(meta, "run_uuid: \"" + info.run_id + "\"\n");
  test::expect_has(meta, "run_name: \"mlp-<1>\"\n");
  test::expect_has(meta, "experiment_id: \"1\"\n");
  test::expect_has(meta, "status: 3\n");
  test::expect_has(meta, "lifecycle_stage: active\n");
  test::expect_has(meta, "start_time: 1700000000000\n");
  test::expect_has(meta, "end_time: 1700000030000\n");
  test::expect_has(meta, "user_id: \"alice\"\n");
  test::expect_has(meta, "source_type: 4\n");
  test::expect_has(meta, "tags: []\n");
  test::expect_has(meta, "artifact_uri: \"file://");
  test::expect_has(meta, "/artifacts\"\n");
  EXPECT_TRUE(fs::is_directory(fs::path(run_dir) / "artifacts"));
  for (const auto& entry : fs::directory_iterator(run_dir))  // no temp file left behind
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos);
}

TEST(MlflowRun, ParamsMetricsAndTags) {
  TempDir dir("joule_mlruns");
  report::RunInfo info = run_info();
  const fs::path run = report::write_mlflow_run((dir.path() / "mlruns").string(), info,
                                               two_epochs());
  EXPECT_EQ(read_text(run / "params" / "lr"), "0.1");  // no trailing newline
  EXPECT_EQ(read_text(run / "params" / "batch_size"), "64");
  EXPECT_EQ(read_text(run / "params" / "model" / "hidden"), "128");
  EXPECT_EQ(read_text(run / "tags" / "mlflow.runName"), "mlp-<1>");
  EXPECT_EQ(read_text(run / "tags" / "mlflow.source.name"), "examples/train_mnist");
  EXPECT_EQ(read_text(run / "tags" / "mlflow.user"), "alice");
  EXPECT_EQ(read_text(run / "tags" / "dataset"), "mnist");
  EXPECT_EQ(read_text(run / "tags" / "joule.energy_kind"), "measured");
  EXPECT_EQ(read_text(run / "tags" / "joule.energy_source"), "rapl+nvml");

  struct Expect {
    const char* key;
    double v1, v2;
  };
  const Expect expected[] = {{"loss", 0.9, 0.5},
                             {"train_acc", 70, 85},
                             {"val_acc", 75.5, 84.25},
                             {"lr", 0.1, 0.05},
                             {"train_s", 10, 10},
                             {"joules", 4620, 5040},
                             {"cumulative_joules", 4620, 9660},
                             {"watts", 4620.0 / 12, 5040.0 / 12},
                             {"emissions_g", 0.5, 0.6}};
  for (const auto& e : expected) {
    SCOPED_TRACE(e.key);
    const auto lines = lines_of(read_text(run / "metrics" / e.key));
    ASSERT_EQ(lines.size(), 2u);  // one per epoch
    for (size_t i = 0; i < 2; ++i) {
      std::istringstream in(lines[i]);
      int64_t ts = 0, step = 0;
      double value = 0;
      std::string rest;
      ASSERT_TRUE(in >> ts >> value >> step) << lines[i];
      EXPECT_FALSE(in >> rest) << "more than 3 fields: " << lines[i];
      EXPECT_EQ(step, static_cast<int64_t>(i + 1));
      EXPECT_DOUBLE_EQ(value, i == 0 ? e.v1 : e.v2);
      EXPECT_EQ(ts, 1700000000000 + 12000 * static_cast<int64_t>(i + 1));  // each epoch's end
    }
  }
  EXPECT_FALSE(fs::exists(run / "metrics" / "test_acc"));  // no epoch has one: no empty file
}

TEST(MlflowRun, SecondRunLandsInTheSameExperiment) {
  TempDir dir("joule_mlruns");
  const std::string root = (dir.path() / "mlruns").string();
  report::RunInfo first = run_info(), second = run_info(), other = run_info();
  second.run_id.clear();  // filled in
  other.experiment_name = "another";
  const std::string run1 = report::write_mlflow_run(root, first, two_epochs());
  const std::string run2 = report::write_mlflow_run(root, second, two_epochs());
  report::write_mlflow_run(root, other, two_epochs());

  EXPECT_EQ(second.run_id.size(), 32u);
  EXPECT_EQ(first.experiment_id, "1");
  EXPECT_EQ(second.experiment_id, "1");
  EXPECT_EQ(other.experiment_id, "2");
  EXPECT_EQ(fs::path(run1).parent_path(), fs::path(run2).parent_path());
  EXPECT_NE(run1, run2);
  size_t experiments = 0;
  for (const auto& entry : fs::directory_iterator(root))
    if (entry.path().filename().string()[0] != '.') ++experiments;
  EXPECT_EQ(experiments, 3u);  // 0 Default, 1 energy study, 2 another
}

TEST(MlflowRun, ReusesAnExperimentMlflowWrote) {
  TempDir dir("joule_mlruns");
  const fs::path root = dir.path() / "mlruns";
  fs::create_directories(root / "0");
  fs::create_directories(root / "412");
  std::ofstream(root / "0" / "meta.yaml") << "artifact_location: file:///x/0\n"
                                             "experiment_id: '0'\nlifecycle_stage: active\n"
                                             "name: Default\n";
  std::ofstream(root / "412" / "meta.yaml") << "artifact_location: file:///x/412\n"
                                               "creation_time: 1\nexperiment_id: '412'\n"
                                               "last_update_time: 1\nlifecycle_stage: active\n"
                                               "name: energy study\n";
  report::RunInfo info = run_info();
  report::write_mlflow_run(root.string(), info, two_epochs());
  EXPECT_EQ(info.experiment_id, "412");

  report::RunInfo fresh = run_info();
  fresh.experiment_name = "it's new";
  report::write_mlflow_run(root.string(), fresh, two_epochs());
  EXPECT_EQ(fresh.experiment_id, "413");  // the next number
  EXPECT_EQ(read_text(root / "0" / "meta.yaml").substr(0, 30), "artifact_location: file:///x/0");
}

TEST(MlflowRun, RejectsABadKeyAndAnExistingRun) {
  TempDir dir("joule_mlruns");
  const std::string root = (dir.path() / "mlruns").string();
  report::RunInfo bad = run_info();
  bad.params.push_back({"../escape", "1"});
  test::expect_has(test::error_of([&] { report::write_mlflow_run(root, bad, two_epochs()); }),
                   "../escape");

  report::RunInfo info = run_info();
  report::write_mlflow_run(root, info, two_epochs());
  test::expect_has(test::error_of([&] { report::write_mlflow_run(root, info, two_epochs()); }),
                   "already exists");
}

// ---- SVG ---------------------------------------------------------------------------------------

TEST(SvgPlot, CurveDotsStopAndAxes) {
  TempDir dir("joule_svg");
  const std::string path = dir.file("plot.svg");
  const std::vector<std::pair<double, double>> points = {
      {1200, 62.5}, {2400, 78}, {3600, 84.1}, {4800, 86}, {6000, 86.4}};
  report::write_accuracy_energy_svg(path, points, 3, {}, "MLP on MNIST");
  const std::string svg = read_text(path);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(count(svg, "<circle"), points.size());
  test::expect_has(svg, "cumulative energy (J)");
  test::expect_has(svg, "accuracy (%)");
  test::expect_has(svg, "class=\"stop\"");
  test::expect_has(svg, "stop: 86.00% at 4800 J");
  test::expect_has(svg, "MLP on MNIST");
  EXPECT_EQ(count(svg, "stroke-dasharray"), 0u);  // no forecast: nothing dashed
  EXPECT_EQ(count(svg, "<"), count(svg, ">"));  // tags balanced
}

TEST(SvgPlot, ForecastIsADashedPathInTheLegend) {
  const std::vector<std::pair<double, double>> points = {{100, 50}, {200, 60}, {300, 65}};
  const std::vector<std::pair<double, double>> forecast = {{300, 65}, {400, 68}, {500, 70}};
  const std::string svg = report::accuracy_energy_svg(points, -1, forecast, "run");
  EXPECT_EQ(count(svg, "<circle"), points.size());
  const size_t path = svg.find("<path class=\"forecast\"");
  ASSERT_NE(path, std::string::npos);
  const std::string tag = svg.substr(path, svg.find('>', path) - path);
  test::expect_has(tag, "stroke-dasharray");
  test::expect_has(svg, ">forecast</text>");
  EXPECT_EQ(svg.find("class=\"stop\""), std::string::npos);  // stop_index -1: no marker
}

TEST(SvgPlot, EscapesTheTitle) {
  const std::string svg =
      report::accuracy_energy_svg({{1, 10}}, 0, {}, "acc < 90% & \"fast\" <script>");
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  test::expect_has(svg, "acc &lt; 90% &amp; &quot;fast&quot; &lt;script&gt;");
}

TEST(SvgPlot, RejectsAStopOutsideThePoints) {
  test::expect_has(test::error_of([] { report::accuracy_energy_svg({{1, 10}}, 1, {}, "t"); }),
                   "stop_index 1");
  test::expect_has(test::error_of([] {
                     report::accuracy_energy_svg({{1, 10}, {2, std::nan("")}}, -1, {}, "t");
                   }),
                   "not finite");
}

TEST(SvgPlot, EmptyRunStillDrawsAxes) {
  const std::string svg = report::accuracy_energy_svg({}, -1, {}, "nothing yet");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(count(svg, "<circle"), 0u);
  test::expect_has(svg, "cumulative energy (J)");
}
