// Every output of a metered run in one call: CodeCarbon's emissions.csv (one row appended), the
// per-epoch CSV, an MLflow file-store run and the accuracy-against-energy SVG, under one folder.
//
//   report::RunInfo info;  info.source_name = argv[0];  ...train with a MeteringCallback...
//   report::OutputOptions o{.out_dir = "runs", .run_name = "fashion_mlp"};
//   report::OutputPaths p = report::write_outputs(metering.history(), meter, carbon, info, o);
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "joule/energy/carbon.h"
#include "joule/energy/epoch_record.h"
#include "joule/energy/meter.h"
#include "joule/report/run_info.h"

namespace joule::report {

struct OutputOptions {
  std::string out_dir;   // the folder (created if missing)
  std::string run_name;  // names the files and, with the run id's first 8 characters, the run
  // The SVG's marks: the index of the epoch where training stopped (-1: none) and the forecast
  // (cumulative joules, accuracy %) the stopping rule extrapolated (empty: none).
  int64_t stop_index = -1;
  std::vector<std::pair<double, double>> forecast = {};
  // Further files for the MLflow run's artifacts/ (e.g. the final checkpoint); the epochs CSV
  // and the SVG always go there.
  std::vector<std::string> artifacts = {};
};

// Where write_outputs wrote.
struct OutputPaths {
  std::string emissions_csv;  // <out_dir>/emissions.csv
  std::string epochs_csv;     // <out_dir>/<run>_epochs.csv
  std::string mlflow_run;     // <out_dir>/mlruns/<experiment_id>/<run_id>
  std::string svg;            // <out_dir>/<run>_accuracy_energy.svg
};

// Writes the run's outputs under options.out_dir, where <run> is options.run_name + "-" + the
// first 8 characters of info.run_id (also the MLflow run name). Fills info from the meter
// (energy_source, measured), the carbon options (intensity, pue) and the machine
// (fill_host_info), with the carbon options' location in the country and region fields. The
// epochs CSV, the SVG and options.artifacts are copied into the MLflow run's artifacts/. The SVG plots validation accuracy against cumulative energy (test accuracy
// for epochs without a validation set). Throws joule::Error when out_dir is empty or on any
// error of the formats (see emissions_csv.h, epoch_csv.h, mlflow.h, svg_plot.h).
OutputPaths write_outputs(const std::vector<energy::EpochRecord>& history,
                          const energy::Meter& meter, const energy::CarbonOptions& carbon,
                          RunInfo info, const OutputOptions& options);

}  // namespace joule::report
