// Reading runs back: every MLflow file-store run Joule wrote under a folder (at any depth), with
// its per-epoch CSV from the run's artifacts/, for joule_report's HTML page (html.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace joule::report {

// One epoch of a run as the report shows it.
struct ReportEpoch {
  int64_t epoch = 0;
  double test_acc = -1, val_acc = -1;      // percent; < 0 when absent
  double cpu_j = 0, dram_j = 0, gpu_j = 0;  // training + evaluation
  double cumulative_j = 0;
};

// One run: its table row, its epochs, and the forecasts it recorded (MLflow tags).
struct ReportRun {
  std::string run_id, run_name, example;  // example: the program (mlflow.source.name's last part)
  std::string energy_kind;                // "measured" or "estimated"
  std::string energy_source;              // "rapl", "estimate", ...
  std::string country;                    // ISO code of the carbon figure; "" when not recorded
  int64_t start_time_ms = 0;
  double final_test_acc = -1;
  double joules = 0, grams = 0;
  double j_per_1k = -1;  // joules per 1,000 test predictions, the last epoch's; < 0: unknown
  std::vector<ReportEpoch> epochs;
  // The energy forecast after epoch 1 (joule.forecast.*); < 0 / 0 when absent.
  int64_t forecast_epochs = 0;
  double forecast_total_j = -1, forecast_for_measured_j = -1, forecast_error_pct = 0;
  // The stopping rule (joule.stop.*): decided and stopped epochs (0: none), its forecast.
  int64_t stop_decided_epoch = 0, stop_stopped_epoch = 0;
  double stop_forecast_j = -1, stop_forecast_acc = -1;
};

// Every run under `dir` (searched recursively for MLflow run folders: meta.yaml beside tags/ and
// metrics/), sorted by start time then name. Runs marked deleted are left out. Throws
// joule::Error when `dir` is not a folder; a run with unreadable parts keeps what it has.
std::vector<ReportRun> scan_runs(const std::string& dir);

}  // namespace joule::report
