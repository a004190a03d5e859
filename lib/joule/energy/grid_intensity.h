// Grid carbon intensity by place: an offline table (grid_carbon_intensity.csv beside this file,
// embedded in the library at build time) of gCO2e/kWh by country (ISO 3166-1 alpha-3) and, where
// its sources have them, regions: US states (eGRID 2016), Canadian provinces (2023 mix), Nordic
// bidding zones (2024). Its `#` header names every source; each row carries its figure's year.
//
//   std::string note;
//   GridLocation where = grid_location("FRA", "", &note);   // 56 gCO2e/kWh, owid 2023
#pragma once

#include <string>
#include <vector>

namespace joule::energy {

// One row of the table, or the default location.
struct GridLocation {
  std::string iso3;         // "FRA"; "WLD" for the default location
  std::string country;      // "France"; "World" for the default location
  std::string region;       // "" for a national figure, else the table's code ("CA", "NO1")
  double g_per_kwh = 0;     // gCO2e per kWh
  int year = 0;             // the figure's year
  std::string source;       // "owid", "egrid", "cer", "entsoe"; "default" for the world average

  // CodeCarbon's `region` column, never empty: the region code, else "national" (a national
  // figure), or "world" for the default location.
  std::string region_column() const;
  // "France (FRA) 56 gCO2e/kWh, owid 2023"
  std::string describe() const;
};

// The table as it is in the CSV file (for tools that list it).
const char* grid_intensity_table_csv();
// Every row of the table, parsed once.
const std::vector<GridLocation>& grid_intensity_table();

// Where a run is when no --country is given: CodeCarbon's fallback, the world average of
// 475 gCO2e/kWh (IEA 2019), written as country "World", code "WLD", region "world".
GridLocation default_grid_location();

// The figure for `country` (ISO 3166-1 alpha-3, any case) and `region` (the table's code, any
// case; "" for the national figure). A region the table does not have falls back to the
// country's figure, and `note` (when not null) says so. Throws joule::Error naming the code for
// an unknown country, with where to find codes.
GridLocation grid_location(const std::string& country, const std::string& region = "",
                           std::string* note = nullptr);

}  // namespace joule::energy
