// Energy metering for the examples: the flags, the meter, the callback, and the run's outputs
// (CodeCarbon-style emissions.csv, a per-epoch CSV, an MLflow run, an SVG of accuracy against
// energy) written under --out by joule::report::write_outputs.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/cli.h"
#include "joule/energy/carbon.h"
#include "joule/energy/meter.h"
#include "joule/train/forecast.h"
#include "joule/train/metering.h"
#include "joule/train/trainer.h"
#include "joule/report/run_info.h"

namespace joule::examples {

// --cpu-watts-per-core --dram-watts-per-gb --rapl-root --carbon-intensity --country --region
// --carbon-intensity-csv --pue --out --forecast-only
void add_metering_flags(Cli& cli, const std::string& default_out);

struct Metering {
  std::unique_ptr<energy::Meter> meter;
  energy::CarbonOptions carbon;
  std::shared_ptr<train::MeteringCallback> callback;
  // The energy forecast after epoch 1 of the latest training add_metering() set up.
  std::shared_ptr<train::ForecastCallback> forecast;
  bool forecast_only = false;  // --forecast-only: exit 0 once the forecast is printed
  std::string out_dir;  // empty: write no files
};

// Adds m.callback and a fresh m.forecast (train/forecast.h) to `trainer`, in that order; with
// --forecast-only, the program exits 0 when that training ends, after epoch 1 and the forecast.
void add_metering(train::Trainer& trainer, Metering& m);

// A RunInfo for the outputs, stamped with the current time and the program's name.
report::RunInfo new_run_info(const std::string& source_name);

// Builds the meter from the flags (and JOULE_* environment variables, which the flags override)
// and prints, once, one `meter ...` line with its source, whether it measures or estimates, and
// every input of the estimate, plus a `meter_note=` line for each counter it could not use.
// Training on a GPU (`device`) makes NVML's counter the measurement (see energy/make_meter.h).
Metering start_metering(const Cli& cli, std::ostream& log, Device device = Device::cpu());

// Writes the run's outputs under m.out_dir with report::write_outputs (emissions.csv appended,
// <run>_epochs.csv, mlruns/, <run>_accuracy_energy.svg) and prints where they went; nothing when
// m.out_dir is empty. `stop_index` and `forecast` mark the SVG (-1 / empty when there is none).
// The energy forecast's tags (m.forecast) join info.tags; `artifacts` (e.g. the final
// checkpoint) are copied into the MLflow run's artifacts/ beside the epochs CSV and the SVG.
void write_outputs(const Metering& m, report::RunInfo info, const std::string& run_name,
                   int64_t stop_index,
                   const std::vector<std::pair<double, double>>& forecast, std::ostream& log,
                   const std::vector<std::string>& artifacts = {});

}  // namespace joule::examples
