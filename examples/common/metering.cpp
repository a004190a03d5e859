#include "common/metering.h"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <ostream>
#include <utility>

#include "joule/energy/make_meter.h"
#include "joule/report/outputs.h"

namespace joule::examples {

namespace {
// Drops the " [file.cpp:123]" source tags that library errors carry, for text shown to users.
std::string without_source_tags(std::string s) {
  for (size_t open = s.find(" ["); open != std::string::npos; open = s.find(" [", open)) {
    const size_t close = s.find(']', open);
    const std::string inside = close == std::string::npos ? "" : s.substr(open + 2, close - open - 2);
    if (inside.find(".cpp:") != std::string::npos && inside.find(' ') == std::string::npos)
      s.erase(open, close - open + 1);
    else
      open += 2;
  }
  return s;
}
// --forecast-only: ends the program once the training that printed the forecast has ended.
class ExitAfterForecast : public train::Callback {
 public:
  void on_train_end(train::Trainer&) override {
    std::cout.flush();
    std::exit(0);
  }
};
}  // namespace

void add_metering(train::Trainer& trainer, Metering& m) {
  trainer.add_callback(m.callback);
  m.forecast = std::make_shared<train::ForecastCallback>(
      train::ForecastOptions{.meter = m.meter.get(), .log = nullptr, .stop_after = m.forecast_only});
  trainer.add_callback(m.forecast);
  if (m.forecast_only) trainer.add_callback(std::make_shared<ExitAfterForecast>());
}

void add_metering_flags(Cli& cli, const std::string& default_out) {
  cli.flag("cpu-watts-per-core", "", "estimate: active power of one busy core in W (default: "
                                     "$JOULE_CPU_WATTS_PER_CORE, else the CPU table)")
      .flag("dram-watts-per-gb", "", "estimate: DRAM power per GB resident (default: "
                                     "$JOULE_DRAM_WATTS_PER_GB, else 0.375)")
      .flag("rapl-root", "/sys/class/powercap", "where to look for RAPL powercap counters")
      .flag("carbon-intensity", "", "grid carbon intensity in gCO2e/kWh (default: "
                                    "$JOULE_CARBON_INTENSITY, else the documented default)")
      .flag("country", "", "ISO 3166-1 alpha-3 code (FRA, USA, ...): the grid carbon intensity "
                           "from Joule's offline table, and CodeCarbon's country columns "
                           "(default: the world average, 475 gCO2e/kWh)")
      .flag("region", "", "with --country: a US state (CA), Canadian province (QC) or Nordic "
                          "bidding zone (SE3) of the table; others use the country's figure")
      .flag("carbon-intensity-csv", "", "a timestamp,g_per_kwh series (Unix seconds or ISO 8601 "
                                        "UTC), integrated over each epoch's wall-clock window")
      .flag("pue", "", "power usage effectiveness (default: $JOULE_PUE, else 1.0)")
      .toggle("forecast-only", "stop after epoch 1 and its energy forecast for the whole run")
      .flag("out", default_out, "folder for emissions.csv, the per-epoch CSV, mlruns/ and the SVG "
                                "('' writes none)");
}

report::RunInfo new_run_info(const std::string& source_name) {
  report::RunInfo info;
  info.start_time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
  info.source_name = source_name;
  return info;
}

Metering start_metering(const Cli& cli, std::ostream& log, Device device) {
  energy::MeterOptions mo;
  mo.training_on_gpu = !device.is_cpu();
  mo.rapl_root = cli.str("rapl-root");
  mo.estimate = energy::EstimateOptions::from_env();
  if (!cli.str("cpu-watts-per-core").empty()) {
    mo.estimate.cpu_watts_per_core = cli.f64("cpu-watts-per-core");
    mo.estimate.cpu_watts_from = "--cpu-watts-per-core";
  }
  if (!cli.str("dram-watts-per-gb").empty()) mo.estimate.dram_watts_per_gb = cli.f64("dram-watts-per-gb");
  Metering m;
  m.carbon = energy::CarbonOptions::from_env();
  if (!cli.str("country").empty()) {
    std::string note;
    m.carbon.set_location(cli.str("country"), cli.str("region"), &note);
    if (!note.empty()) log << "carbon_note=\"" << note << "\"\n";
  } else if (!cli.str("region").empty()) {
    throw CliError("--region " + cli.str("region") + " needs --country (e.g. --country USA "
                   "--region CA)");
  }
  if (!cli.str("carbon-intensity").empty()) m.carbon.intensity_g_per_kwh = cli.f64("carbon-intensity");
  if (!cli.str("carbon-intensity-csv").empty())
    m.carbon.series = std::make_shared<const energy::IntensitySeries>(
        energy::IntensitySeries::from_csv(cli.str("carbon-intensity-csv")));
  m.forecast_only = cli.on("forecast-only");
  if (!cli.str("pue").empty()) m.carbon.pue = cli.f64("pue");
  std::vector<std::string> notes;
  m.meter = energy::make_meter(mo, &notes);
  for (const auto& n : notes) log << "meter_note=\"" << without_source_tags(n) << "\"\n";
  log << "meter energy_source=" << m.meter->source()
      << " energy=" << (m.meter->measured() ? "measured" : "estimated")
      << " carbon_intensity_g_per_kwh=" << m.carbon.intensity_g_per_kwh
      << " carbon_from=" << (m.carbon.series ? "series:" + m.carbon.series->path : "fixed")
      << " country=" << m.carbon.location.iso3 << " region=" << m.carbon.location.region_column()
      << " pue=" << m.carbon.pue << " inputs=\"" << without_source_tags(m.meter->describe()) << "\""
      << std::endl;
  m.callback = std::make_shared<train::MeteringCallback>(*m.meter, m.carbon);
  m.out_dir = cli.str("out");
  return m;
}

void write_outputs(const Metering& m, report::RunInfo info, const std::string& run_name,
                   int64_t stop_index, const std::vector<std::pair<double, double>>& forecast,
                   std::ostream& log, const std::vector<std::string>& artifacts) {
  if (m.out_dir.empty()) return;
  if (m.forecast) {
    auto tags = m.forecast->tags();
    info.tags.insert(info.tags.begin(), tags.begin(), tags.end());
  }
  const report::OutputPaths p = report::write_outputs(
      m.callback->history(), *m.meter, m.carbon, std::move(info),
      {.out_dir = m.out_dir, .run_name = run_name, .stop_index = stop_index, .forecast = forecast,
       .artifacts = artifacts});
  log << "outputs emissions_csv=" << p.emissions_csv << " epochs_csv=" << p.epochs_csv
      << " mlflow_run=" << p.mlflow_run << " svg=" << p.svg << std::endl;
}

}  // namespace joule::examples
