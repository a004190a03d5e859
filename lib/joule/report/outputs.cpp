#include "joule/report/outputs.h"

#include <filesystem>
#include <system_error>

#include "joule/core/check.h"
#include "joule/report/emissions_csv.h"
#include "joule/report/epoch_csv.h"
#include "joule/report/mlflow.h"
#include "joule/report/svg_plot.h"

namespace fs = std::filesystem;

namespace joule::report {

OutputPaths write_outputs(const std::vector<energy::EpochRecord>& history,
                          const energy::Meter& meter, const energy::CarbonOptions& carbon,
                          RunInfo info, const OutputOptions& options) {
  constexpr const char* op = "write_outputs";
  JOULE_CHECK(!options.out_dir.empty(), op, ": OutputOptions.out_dir is empty (run '",
              options.run_name, "')");
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  JOULE_CHECK(!ec, op, ": cannot create folder ", options.out_dir, ": ", ec.message());

  const fs::path out(options.out_dir);
  info.run_name = options.run_name + "-" + info.run_id.substr(0, 8);
  info.carbon_intensity_g_per_kwh = carbon.intensity_g_per_kwh;
  info.pue = carbon.pue;
  info.energy_source = meter.source();
  info.measured = meter.measured();
  if (info.country_iso_code.empty()) {
    info.country_name = carbon.location.country;
    info.country_iso_code = carbon.location.iso3;
    info.region = carbon.location.region_column();
  }
  fill_host_info(info);
  info.tags.insert(info.tags.begin(), {"joule.country", carbon.location.iso3});

  OutputPaths paths;
  const std::string base = (out / info.run_name).string();
  paths.epochs_csv = base + "_epochs.csv";
  write_epoch_csv(paths.epochs_csv, history);

  std::vector<std::pair<double, double>> points;
  for (const auto& e : history)
    points.emplace_back(e.cumulative_joules, e.val_acc >= 0 ? e.val_acc : e.test_acc);
  paths.svg = base + "_accuracy_energy.svg";
  write_accuracy_energy_svg(paths.svg, points, options.stop_index, options.forecast,
                            options.run_name + ": accuracy against energy (" +
                                (meter.measured() ? "measured" : "estimated") + ")");
  std::vector<std::string> artifacts = {paths.epochs_csv, paths.svg};
  artifacts.insert(artifacts.end(), options.artifacts.begin(), options.artifacts.end());
  paths.mlflow_run = write_mlflow_run((out / "mlruns").string(), info, history, artifacts);
  paths.emissions_csv = (out / "emissions.csv").string();
  append_emissions_csv(paths.emissions_csv, info, history);
  return paths;
}

}  // namespace joule::report
