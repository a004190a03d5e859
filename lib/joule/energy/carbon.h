// Emissions from energy: grams CO2e = kWh x carbon intensity (gCO2e/kWh) x PUE.
#pragma once

#include <memory>
#include <string>

#include "joule/energy/grid_intensity.h"
#include "joule/energy/intensity_series.h"

namespace joule::energy {

inline constexpr double kJoulesPerKwh = 3.6e6;

struct CarbonOptions {
  // Grams CO2-equivalent per kWh of electricity. 475 is the world average CodeCarbon falls back
  // to (IEA, Global Energy & CO2 Status Report 2019). Grids range from ~30 (hydro, nuclear) to
  // ~800 (coal); set your grid's figure (Electricity Maps, Our World in Data) for a real report.
  double intensity_g_per_kwh = 475;
  // Power usage effectiveness: facility power / IT power. 1.0 counts the machine alone (a local
  // workstation). Data centres average about 1.55-1.59 (Uptime Institute Global Data Center
  // Survey: 1.58 in 2023); large cloud operators publish ~1.1-1.2. Set the provider's figure.
  double pue = 1.0;

  // Where the run is (CodeCarbon's country and region columns): the world average unless a
  // country is chosen (grid_intensity.h). Choosing one sets intensity_g_per_kwh to its figure.
  GridLocation location = default_grid_location();
  // An hourly (or any) intensity series: when set, each window's intensity is the series' mean
  // over it (intensity_series.h) instead of intensity_g_per_kwh.
  std::shared_ptr<const IntensitySeries> series = nullptr;

  // Sets location and intensity_g_per_kwh from the table (grid_location); `note` as there.
  void set_location(const std::string& country, const std::string& region,
                    std::string* note = nullptr);
  // The intensity over the wall-clock window [t0, t1] (Unix seconds): the series' mean when
  // there is one, else intensity_g_per_kwh. `note` as IntensitySeries::mean_over.
  double intensity_over(double t0, double t1, std::string* note = nullptr) const;

  // The defaults, overridden by JOULE_CARBON_INTENSITY (>= 0) and JOULE_PUE (>= 1) where set.
  // Throws joule::Error naming the variable and value when one is malformed.
  static CarbonOptions from_env();
  // "475 gCO2e/kWh x PUE 1.00"
  std::string describe() const;
};

// Grams CO2e for `joules` of energy: joules / 3.6e6 x intensity x PUE.
double grams_co2e(double joules, const CarbonOptions& options);

}  // namespace joule::energy
