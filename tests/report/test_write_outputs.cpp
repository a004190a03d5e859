// report::write_outputs: the four outputs of a metered run under one folder, named after the run,
// with the meter's and the carbon options' figures in them.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "joule/report/outputs.h"
#include "test_util.h"

using namespace joule;
using joule::test::TempDir;

namespace fs = std::filesystem;

namespace {

class ConstantMeter : public energy::Meter {
 public:
  std::string source() const override { return "rapl"; }
  bool measured() const override { return true; }
  energy::EnergyTotals read() override { return {}; }
  std::string describe() const override { return "rapl: constant"; }
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.is_open()) << "cannot read " << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<energy::EpochRecord> history() {
  std::vector<energy::EpochRecord> h(3);
  for (size_t i = 0; i < h.size(); ++i) {
    h[i].epoch = static_cast<int64_t>(i) + 1;
    h[i].test_acc = 80.0 + static_cast<double>(i);  // no validation set: the SVG plots test_acc
    h[i].train_s = 1;
    h[i].train = {1.0, {10, 1, 0}, "rapl", true};
    h[i].cumulative_joules = 11.0 * static_cast<double>(i + 1);
    h[i].emissions_g = 0.01;
  }
  return h;
}

}  // namespace

TEST(WriteOutputs, WritesEveryFormatUnderTheFolderNamedAfterTheRun) {
  TempDir dir("joule_write_outputs");
  const std::string out = (dir.path() / "runs").string();  // created by write_outputs
  ConstantMeter meter;
  energy::CarbonOptions carbon;
  carbon.intensity_g_per_kwh = 300;
  carbon.pue = 1.25;
  report::RunInfo info;
  info.run_id = "0123456789abcdef0123456789abcdef";
  info.start_time_ms = 1700000000000;

  const report::OutputPaths p =
      report::write_outputs(history(), meter, carbon, info,
                            {.out_dir = out, .run_name = "mlp", .stop_index = 1,
                             .forecast = {{22, 81}, {40, 83}}});
  EXPECT_EQ(p.emissions_csv, (fs::path(out) / "emissions.csv").string());
  EXPECT_EQ(p.epochs_csv, (fs::path(out) / "mlp-01234567_epochs.csv").string());
  EXPECT_EQ(p.svg, (fs::path(out) / "mlp-01234567_accuracy_energy.svg").string());
  EXPECT_EQ(p.mlflow_run, (fs::path(out) / "mlruns" / "0" / info.run_id).string());

  const std::string emissions = read_text(p.emissions_csv);
  test::expect_has(emissions, info.run_id);
  test::expect_has(emissions, ",1.25,");  // the carbon options' pue
  EXPECT_EQ(std::count(emissions.begin(), emissions.end(), '\n'), 2);  // header + one run
  const std::string epochs = read_text(p.epochs_csv);
  EXPECT_EQ(std::count(epochs.begin(), epochs.end(), '\n'), 4);  // header + three epochs

  const std::string run = p.mlflow_run;
  EXPECT_EQ(read_text(run + "/tags/mlflow.runName"), "mlp-01234567");
  EXPECT_EQ(read_text(run + "/tags/joule.energy_source"), "rapl");
  EXPECT_EQ(read_text(run + "/tags/joule.energy_kind"), "measured");
  EXPECT_EQ(read_text(run + "/tags/joule.carbon_intensity_g_per_kwh"), "300");

  const std::string svg = read_text(p.svg);
  test::expect_has(svg, "mlp: accuracy against energy (measured)");
  test::expect_has(svg, "class=\"stop\"");
  test::expect_has(svg, "stroke-dasharray");  // the forecast
  for (const auto& e : fs::recursive_directory_iterator(out))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

TEST(WriteOutputs, AnEmptyFolderIsAnErrorNamingTheRun) {
  ConstantMeter meter;
  report::OutputOptions options;
  options.run_name = "cnn";  // out_dir left empty
  const std::string msg =
      test::error_of([&] { report::write_outputs(history(), meter, {}, {}, options); });
  test::expect_has(msg, "write_outputs");
  test::expect_has(msg, "out_dir is empty");
  test::expect_has(msg, "cnn");
}
