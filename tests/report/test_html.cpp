// scan_runs and runs_html: runs written by write_outputs are found at any depth and each one is
// on the page (section, table row, chart) with no script and no network address.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "joule/report/html.h"
#include "joule/report/outputs.h"
#include "joule/report/run_scan.h"
#include "test_util.h"

using namespace joule;
using joule::test::TempDir;

namespace {

class FixedMeter : public energy::Meter {
 public:
  std::string source() const override { return "estimate"; }
  bool measured() const override { return false; }
  energy::EnergyTotals read() override { return {}; }
  std::string describe() const override { return "estimate: fixed"; }
};

std::vector<energy::EpochRecord> epochs(int n) {
  std::vector<energy::EpochRecord> h(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto& e = h[static_cast<size_t>(i)];
    e.epoch = i + 1;
    e.test_acc = 70 + i;
    e.train_s = 1;
    e.train = {1.0, {10, 2, 1}, "estimate", false};
    e.cumulative_joules = 13.0 * (i + 1);
    e.emissions_g = 0.001;
  }
  return h;
}

}  // namespace

TEST(RunsHtml, EveryRunUnderTheFolderIsOnThePage) {
  TempDir dir("joule_html");
  FixedMeter meter;
  report::RunInfo a, b;
  a.source_name = "examples/fashion_mlp";
  a.tags = {{"joule.forecast.epochs", "3"}, {"joule.forecast.total_joules", "40"},
            {"joule.forecast.joules_for_measured_epochs", "40"},
            {"joule.forecast.error_pct", "2.5"}};
  b.source_name = "examples/energy_aware_stop";
  b.tags = {{"joule.stop.decided_epoch", "2"}, {"joule.stop.stopped_epoch", "3"},
            {"joule.stop.forecast_budget_joules", "80"},
            {"joule.stop.forecast_val_acc_at_budget", "75"}};
  report::write_outputs(epochs(3), meter, {}, a,
                        {.out_dir = (dir.path() / "x").string(), .run_name = "mlp"});
  report::write_outputs(epochs(4), meter, {}, b,
                        {.out_dir = (dir.path() / "y" / "deeper").string(), .run_name = "stop"});

  const auto runs = report::scan_runs(dir.path().string());
  ASSERT_EQ(runs.size(), 2u);
  const report::ReportRun& mlp = runs[0].example == "fashion_mlp" ? runs[0] : runs[1];
  const report::ReportRun& stop = runs[0].example == "fashion_mlp" ? runs[1] : runs[0];
  EXPECT_EQ(mlp.epochs.size(), 3u);
  EXPECT_DOUBLE_EQ(mlp.joules, 39);
  EXPECT_DOUBLE_EQ(mlp.final_test_acc, 72);
  EXPECT_EQ(mlp.energy_kind, "estimated");
  EXPECT_DOUBLE_EQ(mlp.epochs[1].cpu_j, 10);
  EXPECT_DOUBLE_EQ(mlp.epochs[1].dram_j, 2);
  EXPECT_DOUBLE_EQ(mlp.epochs[1].gpu_j, 1);
  EXPECT_DOUBLE_EQ(mlp.forecast_total_j, 40);
  EXPECT_DOUBLE_EQ(mlp.forecast_error_pct, 2.5);
  EXPECT_EQ(stop.stop_decided_epoch, 2);
  EXPECT_DOUBLE_EQ(stop.stop_forecast_j, 80);

  const std::string html = report::runs_html(runs, "Runs <&>");
  for (const auto& r : runs) {
    test::expect_has(html, "id=\"run-" + r.run_id + "\"");
    test::expect_has(html, "id=\"row-" + r.run_id + "\"");
    test::expect_has(html, "id=\"curve-" + r.run_id + "\"");
  }
  test::expect_has(html, "<title>Runs &lt;&amp;&gt;</title>");
  test::expect_has(html, "decided at epoch 2");
  test::expect_has(html, "class=\"decision\"");
  test::expect_has(html, "class=\"stop-forecast\"");
  test::expect_has(html, "class=\"gpu\"");
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);
}

TEST(RunsHtml, AFolderThatIsNotThereIsAnError) {
  test::expect_has(test::error_of([] { report::scan_runs("/nonexistent/joule_runs"); }),
                   "'/nonexistent/joule_runs' is not a folder");
}
