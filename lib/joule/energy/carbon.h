// Emissions from energy: grams CO2e = kWh x carbon intensity (gCO2e/kWh) x PUE.
#pragma once

#include <string>

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

  // The defaults, overridden by JOULE_CARBON_INTENSITY (>= 0) and JOULE_PUE (>= 1) where set.
  // Throws joule::Error naming the variable and value when one is malformed.
  static CarbonOptions from_env();
  // "475 gCO2e/kWh x PUE 1.00"
  std::string describe() const;
};

// Grams CO2e for `joules` of energy: joules / 3.6e6 x intensity x PUE.
double grams_co2e(double joules, const CarbonOptions& options);

}  // namespace joule::energy
