// The defects the audit found in the run outputs, each checked against what CodeCarbon 3.3 and
// MLflow's FileStore do: PUE in emissions.csv's energy, country columns never empty, an older
// emissions.csv backed up, MLflow names starting with "..", user_id without $USER, the run's
// total emissions as a metric, and the MLflow artifacts.
#include <gtest/gtest.h>

#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "energy/env_var.h"
#include "joule/energy/carbon.h"
#include "joule/report/emissions_csv.h"
#include "joule/report/mlflow.h"
#include "joule/report/outputs.h"
#include "test_util.h"

using namespace joule;
using joule::test::TempDir;

namespace fs = std::filesystem;

namespace {

class FixedMeter : public energy::Meter {
 public:
  std::string source() const override { return "rapl"; }
  bool measured() const override { return true; }
  energy::EnergyTotals read() override { return {}; }
  std::string describe() const override { return "rapl: fixed"; }
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The header and the last row of a CSV without quoted fields, as name -> value.
std::vector<std::pair<std::string, std::string>> last_row(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  auto split = [](const std::string& l) {
    std::vector<std::string> f;
    std::stringstream ss(l);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    if (!l.empty() && l.back() == ',') f.emplace_back();
    return f;
  };
  const auto h = split(lines.front()), r = split(lines.back());
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < h.size(); ++i) out.emplace_back(h[i], i < r.size() ? r[i] : "");
  return out;
}

std::string value(const std::vector<std::pair<std::string, std::string>>& row,
                  const std::string& key) {
  for (const auto& [k, v] : row)
    if (k == key) return v;
  ADD_FAILURE() << "no column " << key;
  return "";
}

// Two epochs metered at 1000 + 100 + 0 J and 2000 + 200 + 0 J, emissions as MeteringCallback
// computes them with `carbon`.
std::vector<energy::EpochRecord> epochs(const energy::CarbonOptions& carbon) {
  std::vector<energy::EpochRecord> h(2);
  double cum = 0;
  for (size_t i = 0; i < h.size(); ++i) {
    const double k = static_cast<double>(i + 1);
    h[i].epoch = static_cast<int64_t>(i) + 1;
    h[i].test_acc = 80 + k;
    h[i].train_s = 10 * k;
    h[i].train = {10 * k, {1000 * k, 100 * k, 0}, "rapl", true};
    cum += h[i].joules();
    h[i].cumulative_joules = cum;
    h[i].emissions_g = energy::grams_co2e(h[i].joules(), carbon);
  }
  return h;
}

report::OutputPaths write(const std::string& out, const energy::CarbonOptions& carbon,
                          const std::vector<std::string>& artifacts = {}) {
  FixedMeter meter;
  report::RunInfo info;
  return report::write_outputs(epochs(carbon), meter, carbon, info,
                               {.out_dir = out, .run_name = "mlp", .artifacts = artifacts});
}

}  // namespace

TEST(AuditEmissionsCsv, EnergyColumnsIncludeThePueAndMatchTheEmissions) {
  TempDir dir("joule_audit");
  energy::CarbonOptions carbon;
  carbon.intensity_g_per_kwh = 400;
  carbon.pue = 1.5;
  const auto row = last_row(read_text(write(dir.path().string(), carbon).emissions_csv));
  const double metered_kwh = 3300.0 / 3.6e6;  // 1100 J + 2200 J
  EXPECT_DOUBLE_EQ(std::stod(value(row, "energy_consumed")), 1.5 * metered_kwh);
  EXPECT_DOUBLE_EQ(std::stod(value(row, "cpu_energy")), 1.5 * 3000 / 3.6e6);
  EXPECT_DOUBLE_EQ(std::stod(value(row, "ram_energy")), 1.5 * 300 / 3.6e6);
  // CodeCarbon's identity: emissions (kg) = energy_consumed (kWh) x intensity (kg/kWh).
  EXPECT_NEAR(std::stod(value(row, "emissions")),
              std::stod(value(row, "energy_consumed")) * 400 / 1000, 1e-15);
  EXPECT_EQ(value(row, "pue"), "1.5");
}

TEST(AuditEmissionsCsv, CountryColumnsAreNeverEmpty) {
  TempDir dir("joule_audit");
  auto row = last_row(read_text(write((dir.path() / "world").string(), {}).emissions_csv));
  EXPECT_EQ(value(row, "country_name"), "World");
  EXPECT_EQ(value(row, "country_iso_code"), "WLD");
  EXPECT_EQ(value(row, "region"), "world");

  energy::CarbonOptions fra;
  fra.set_location("fra", "");
  row = last_row(read_text(write((dir.path() / "fra").string(), fra).emissions_csv));
  EXPECT_EQ(value(row, "country_name"), "France");
  EXPECT_EQ(value(row, "country_iso_code"), "FRA");
  EXPECT_EQ(value(row, "region"), "national");

  energy::CarbonOptions ca;
  ca.set_location("USA", "ca");
  row = last_row(read_text(write((dir.path() / "ca").string(), ca).emissions_csv));
  EXPECT_EQ(value(row, "country_iso_code"), "USA");
  EXPECT_EQ(value(row, "region"), "CA");

  // Written straight, with a RunInfo that names no place: still the default location.
  report::RunInfo bare;
  const std::string path = dir.file("bare.csv");
  report::append_emissions_csv(path, bare, epochs({}));
  row = last_row(read_text(path));
  EXPECT_EQ(value(row, "country_iso_code"), "WLD");
}

TEST(AuditEmissionsCsv, OlderColumnSetsAreBackedUpInTurn) {
  TempDir dir("joule_audit");
  // CodeCarbon 2.x's 32 columns, abbreviated: any other header is another version's file.
  const std::string v2 = "timestamp,project_name,run_id,duration,emissions\n1,p,r,2,3\n";
  const std::string path = dir.write("emissions.csv", v2);
  report::RunInfo info;
  report::append_emissions_csv(path, info, epochs({}));
  EXPECT_EQ(read_text(path + ".bak"), v2);
  {
    std::ofstream again(path, std::ios::binary);
    again << "old,columns\n1,2\n";
  }
  info.run_id = report::make_run_id();
  report::append_emissions_csv(path, info, epochs({}));
  EXPECT_EQ(read_text(path + ".bak"), v2);  // the first backup is kept
  EXPECT_EQ(read_text(path + "_0.bak"), "old,columns\n1,2\n");
  EXPECT_EQ(last_row(read_text(path)).size(), report::emissions_csv_columns().size());
}

TEST(AuditMlflow, NamesWhoseNormalisedPathStartsWithDotDotAreRefused) {
  TempDir dir("joule_audit");
  for (const std::string bad : {"..", "..x", "../x", "...", "..hidden/metric"}) {
    report::RunInfo info;
    info.params = {{bad, "1"}};
    const std::string msg = test::error_of(
        [&] { report::write_mlflow_run(dir.file("mlruns"), info, epochs({})); });
    test::expect_has(msg, "'" + bad + "'");
  }
  report::RunInfo ok;  // dots inside a name are fine, as in MLflow
  ok.params = {{"a..b", "1"}, {"x.y/z..", "2"}};
  ok.tags = {{"v1.2", "t"}};
  const std::string run = report::write_mlflow_run(dir.file("mlruns"), ok, epochs({}));
  EXPECT_EQ(read_text(run + "/params/a..b"), "1");
}

TEST(AuditMlflow, UserFromThePasswordDatabaseWithoutUser) {
  test::EnvVar user("USER", std::nullopt), logname("LOGNAME", std::nullopt),
      lname("LNAME", std::nullopt), username("USERNAME", std::nullopt);
  const struct passwd* pw = getpwuid(getuid());
  ASSERT_NE(pw, nullptr);
  EXPECT_EQ(report::login_name(), pw->pw_name);
  report::RunInfo info;
  report::fill_host_info(info);
  EXPECT_EQ(info.user, pw->pw_name);
  EXPECT_FALSE(info.user.empty());
}

TEST(AuditMlflow, LoginNameFollowsGetpassOrder) {
  test::EnvVar logname("LOGNAME", std::string("from_logname")), user("USER", std::string("u"));
  EXPECT_EQ(report::login_name(), "from_logname");
}

TEST(AuditMlflow, TheRunsTotalEmissionsAndJoulesAreMetrics) {
  TempDir dir("joule_audit");
  energy::CarbonOptions carbon;
  report::RunInfo info;
  info.end_time_ms = 1700000000000;
  const auto h = epochs(carbon);
  const std::string run = report::write_mlflow_run(dir.file("mlruns"), info, h);
  const double g = h[0].emissions_g + h[1].emissions_g;
  std::istringstream line(read_text(run + "/metrics/total_emissions_g"));
  int64_t ts = 0, step = 0;
  double v = 0;
  line >> ts >> v >> step;
  EXPECT_EQ(ts, 1700000000000);
  EXPECT_DOUBLE_EQ(v, g);
  EXPECT_EQ(step, 2);
  std::istringstream j(read_text(run + "/metrics/total_joules"));
  j >> ts >> v >> step;
  EXPECT_DOUBLE_EQ(v, 3300);
}

TEST(AuditMlflow, EpochsCsvSvgAndCheckpointAreArtifacts) {
  TempDir dir("joule_audit");
  const std::string ckpt = dir.write("last.h5", "checkpoint bytes");
  const report::OutputPaths p = write((dir.path() / "runs").string(), {}, {ckpt});
  const fs::path art = fs::path(p.mlflow_run) / "artifacts";
  EXPECT_EQ(read_text((art / fs::path(p.epochs_csv).filename()).string()), read_text(p.epochs_csv));
  EXPECT_EQ(read_text((art / fs::path(p.svg).filename()).string()), read_text(p.svg));
  EXPECT_EQ(read_text((art / "last.h5").string()), "checkpoint bytes");
  // meta.yaml's artifact_uri points at that folder, as mlflow ui expects.
  test::expect_has(read_text(p.mlflow_run + "/meta.yaml"),
                   "artifact_uri: \"file://" + fs::absolute(art).lexically_normal().string());
}
