#include "joule/energy/carbon.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "joule/core/check.h"
#include "joule/energy/text.h"

namespace joule::energy {

CarbonOptions CarbonOptions::from_env() {
  CarbonOptions o;
  if (const auto g = env_number("JOULE_CARBON_INTENSITY")) {
    JOULE_CHECK(*g >= 0, "JOULE_CARBON_INTENSITY: expected gCO2e/kWh >= 0, got '",
                std::getenv("JOULE_CARBON_INTENSITY"), "'");
    o.intensity_g_per_kwh = *g;
  }
  if (const auto p = env_number("JOULE_PUE")) {
    JOULE_CHECK(*p >= 1, "JOULE_PUE: expected a PUE >= 1 (facility power / IT power), got '",
                std::getenv("JOULE_PUE"), "'");
    o.pue = *p;
  }
  return o;
}

std::string CarbonOptions::describe() const {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%g gCO2e/kWh x PUE %.2f", intensity_g_per_kwh, pue);
  return buf;
}

void CarbonOptions::set_location(const std::string& country, const std::string& region,
                                 std::string* note) {
  location = grid_location(country, region, note);
  intensity_g_per_kwh = location.g_per_kwh;
}

double CarbonOptions::intensity_over(double t0, double t1, std::string* note) const {
  return series ? series->mean_over(t0, t1, note) : intensity_g_per_kwh;
}

double grams_co2e(double joules, const CarbonOptions& o) {
  JOULE_CHECK(std::isfinite(joules) && joules >= 0, "grams_co2e: energy must be >= 0 J, got ",
              joules);
  JOULE_CHECK(std::isfinite(o.intensity_g_per_kwh) && o.intensity_g_per_kwh >= 0,
              "grams_co2e: carbon intensity must be >= 0 gCO2e/kWh, got ", o.intensity_g_per_kwh);
  JOULE_CHECK(std::isfinite(o.pue) && o.pue >= 1, "grams_co2e: PUE must be >= 1, got ", o.pue);
  return joules / kJoulesPerKwh * o.intensity_g_per_kwh * o.pue;
}

}  // namespace joule::energy
