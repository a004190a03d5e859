#include "joule/energy/grid_intensity.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>

#include "joule/core/check.h"

namespace joule::energy {

namespace {

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string f; std::getline(ss, f, ',');) out.push_back(f);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

std::vector<GridLocation> parse_table(const char* text) {
  std::vector<GridLocation> rows;
  std::istringstream in(text);
  bool header = false;
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (!header) {  // iso3,country,region,g_per_kwh,year,source
      header = true;
      continue;
    }
    const auto f = split(line);
    JOULE_CHECK(f.size() == 6, "grid_carbon_intensity.csv line ", line_no,
                ": expected 6 fields (iso3,country,region,g_per_kwh,year,source), got '", line,
                "'");
    GridLocation g;
    g.iso3 = f[0];
    g.country = f[1];
    g.region = f[2];
    g.g_per_kwh = std::stod(f[3]);
    g.year = std::stoi(f[4]);
    g.source = f[5];
    rows.push_back(g);
  }
  return rows;
}

}  // namespace

std::string GridLocation::region_column() const {
  if (!region.empty()) return region;
  return source == "default" ? "world" : "national";
}

std::string GridLocation::describe() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, " %g gCO2e/kWh, %s %d", g_per_kwh, source.c_str(), year);
  return country + " (" + iso3 + (region.empty() ? "" : " " + region) + ")" + buf;
}

const std::vector<GridLocation>& grid_intensity_table() {
  static const std::vector<GridLocation> rows = parse_table(grid_intensity_table_csv());
  return rows;
}

GridLocation default_grid_location() {
  return GridLocation{"WLD", "World", "", 475, 2019, "default"};
}

GridLocation grid_location(const std::string& country, const std::string& region,
                           std::string* note) {
  const std::string iso = upper(country), reg = upper(region);
  const GridLocation* national = nullptr;
  for (const auto& g : grid_intensity_table()) {
    if (g.iso3 != iso) continue;
    if (g.region.empty()) national = &g;
    if (!reg.empty() && upper(g.region) == reg) return g;
  }
  JOULE_CHECK(national != nullptr, "grid_location: country '", country,
              "' is not in the carbon intensity table: give an ISO 3166-1 alpha-3 code such as "
              "FRA, USA or IND (the iso3 column of lib/joule/energy/grid_carbon_intensity.csv; "
              "codes are listed at https://www.iso.org/obp/ui/#search)");
  if (!reg.empty() && note)
    *note = "region '" + region + "' is not in the carbon intensity table for " + iso +
            ": using the national figure (" + national->describe() + ")";
  return *national;
}

}  // namespace joule::energy
