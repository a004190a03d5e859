// The offline carbon intensity table (lookup by country and region) and the intensity time
// series integrated over a window.
#include <gtest/gtest.h>

#include <string>

#include "joule/energy/carbon.h"
#include "joule/energy/grid_intensity.h"
#include "joule/energy/intensity_series.h"
#include "test_util.h"

using namespace joule::energy;
using joule::test::error_of;
using joule::test::expect_has;
using joule::test::TempDir;

TEST(GridIntensity, TheTableIsEmbeddedWithItsSources) {
  const std::string csv = grid_intensity_table_csv();
  expect_has(csv, "# Sources");
  expect_has(csv, "iso3,country,region,g_per_kwh,year,source");
  EXPECT_EQ(grid_intensity_table().size(), 287u);  // 213 countries and 74 regions
  for (const auto& g : grid_intensity_table()) {
    EXPECT_EQ(g.iso3.size(), 3u) << g.describe();
    EXPECT_GE(g.year, 2000) << g.describe();  // owid's latest figure per country
    EXPECT_GE(g.g_per_kwh, 0) << g.describe();
    EXPECT_FALSE(g.source.empty()) << g.describe();
  }
}

TEST(GridIntensity, CountryAndRegionLookup) {
  const GridLocation fra = grid_location("fra");
  EXPECT_EQ(fra.iso3, "FRA");
  EXPECT_EQ(fra.country, "France");
  EXPECT_DOUBLE_EQ(fra.g_per_kwh, 56.0);
  EXPECT_EQ(fra.year, 2023);
  EXPECT_EQ(fra.region_column(), "national");

  const GridLocation ca = grid_location("USA", "ca");
  EXPECT_EQ(ca.region, "CA");
  EXPECT_DOUBLE_EQ(ca.g_per_kwh, 205.3);
  EXPECT_EQ(ca.source, "egrid");
  EXPECT_DOUBLE_EQ(grid_location("NOR", "NO4").g_per_kwh, 18.0);
}

TEST(GridIntensity, AnUnknownRegionFallsBackToTheCountryWithANote) {
  std::string note;
  const GridLocation g = grid_location("FRA", "IDF", &note);
  EXPECT_DOUBLE_EQ(g.g_per_kwh, 56.0);
  expect_has(note, "'IDF'");
  expect_has(note, "national figure");
}

TEST(GridIntensity, AnUnknownCountryIsAnErrorSayingWhereCodesAre) {
  const std::string msg = error_of([] { grid_location("XYZ"); });
  expect_has(msg, "'XYZ'");
  expect_has(msg, "alpha-3");
  expect_has(msg, "grid_carbon_intensity.csv");
  expect_has(error_of([] { grid_location("FR"); }), "'FR'");  // alpha-2 is not accepted
}

TEST(GridIntensity, CountryChangesEmissionsByTheTablesRatio) {
  CarbonOptions world, fra, ind;
  fra.set_location("FRA", "");
  ind.set_location("IND", "");
  EXPECT_EQ(world.location.iso3, "WLD");
  EXPECT_DOUBLE_EQ(world.intensity_g_per_kwh, 475);
  const double j = 7.2e6;
  EXPECT_DOUBLE_EQ(grams_co2e(j, fra) / grams_co2e(j, world), 56.0 / 475);
  EXPECT_DOUBLE_EQ(grams_co2e(j, ind) / grams_co2e(j, fra),
                   grid_location("IND").g_per_kwh / 56.0);
}

TEST(IntensitySeries, TimestampsUnixOrIso8601Utc) {
  EXPECT_DOUBLE_EQ(parse_timestamp("1767225600"), 1767225600);
  EXPECT_DOUBLE_EQ(parse_timestamp("1767225600.5"), 1767225600.5);
  EXPECT_DOUBLE_EQ(parse_timestamp("2026-01-01T00:00:00Z"), 1767225600);
  EXPECT_DOUBLE_EQ(parse_timestamp("2026-01-01 01:30:00"), 1767225600 + 5400);
  EXPECT_DOUBLE_EQ(parse_timestamp("2026-01-01T00:00:00+00:00"), 1767225600);
  expect_has(error_of([] { parse_timestamp("2026-01-01T00:00:00+02:00"); }), "+02:00");
  expect_has(error_of([] { parse_timestamp("yesterday"); }), "'yesterday'");
}

TEST(IntensitySeries, StepWiseMeanOverAWindowByHand) {
  // 100 g from t=0, 300 g from t=3600, 200 g from t=7200 (held on after it).
  const IntensitySeries s({{0, 100}, {3600, 300}, {7200, 200}});
  EXPECT_DOUBLE_EQ(s.mean_over(0, 3600), 100);
  EXPECT_DOUBLE_EQ(s.mean_over(1800, 5400), (1800 * 100 + 1800 * 300) / 3600.0);  // 200
  // 2700..9000: 900 s at 100, 3600 s at 300, 1800 s at 200 -> (90000+1080000+360000)/6300
  EXPECT_DOUBLE_EQ(s.mean_over(2700, 9000), 1530000.0 / 6300);
  EXPECT_DOUBLE_EQ(s.mean_over(8000, 9000), 200);  // after the last point it holds
  EXPECT_DOUBLE_EQ(s.mean_over(4000, 4000), 300);  // an empty window: the value in force
  std::string note;
  EXPECT_DOUBLE_EQ(s.mean_over(-1800, 1800, &note), 100);  // before the series: its first value
  expect_has(note, "first value");
}

TEST(IntensitySeries, FromCsvWithHeaderCommentsAndBothTimestampForms) {
  TempDir dir("joule_series");
  const std::string path = dir.write("ci.csv",
                                     "# hourly, from a grid operator\n"
                                     "timestamp,g_per_kwh\n"
                                     "2026-01-01T00:00:00Z,100\n"
                                     "1767229200,300\n");
  const IntensitySeries s = IntensitySeries::from_csv(path);
  ASSERT_EQ(s.points().size(), 2u);
  EXPECT_DOUBLE_EQ(s.mean_over(1767225600 + 1800, 1767229200 + 1800), 200);
  CarbonOptions o;
  o.series = std::make_shared<const IntensitySeries>(s);
  EXPECT_DOUBLE_EQ(o.intensity_over(1767225600, 1767225600 + 3600), 100);
}

TEST(IntensitySeries, BadRowsAreErrorsNamingFileAndLine) {
  TempDir dir("joule_series");
  const std::string a = dir.write("a.csv", "timestamp,g_per_kwh\n0,100\n0,200\n");
  expect_has(error_of([&] { IntensitySeries::from_csv(a); }), "increase");
  const std::string b = dir.write("b.csv", "0,abc\n");
  const std::string msg = error_of([&] { IntensitySeries::from_csv(b); });
  expect_has(msg, b);
  expect_has(msg, "line 1");
  expect_has(error_of([&] { IntensitySeries::from_csv(dir.file("none.csv")); }), "none.csv");
  expect_has(error_of([] { IntensitySeries({{0, -5}}); }), "-5");
}
