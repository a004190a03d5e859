// A carbon intensity time series (`timestamp,g_per_kwh` CSV), integrated over a window of wall
// time: the grid's intensity changes by the hour, so an epoch at night and one at noon emit
// differently for the same joules.
//
// The series is step-wise: each value holds from its timestamp until the next one (the last one
// holds on). A window's intensity is the time-weighted mean of the steps it covers, energy being
// assumed uniform over the window. Before the first timestamp the first value is used, and
// mean_over() says so through its note.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace joule::energy {

class IntensitySeries {
 public:
  // (Unix seconds, gCO2e/kWh), strictly increasing in time, values >= 0; throws joule::Error
  // naming the offending point otherwise, or when empty.
  explicit IntensitySeries(std::vector<std::pair<double, double>> points);

  // Reads `timestamp,g_per_kwh` rows (a header line is optional; '#' lines are comments).
  // Timestamps: Unix seconds ("1767225600", fractions allowed) or ISO 8601 in UTC
  // ("2026-01-01T00:00:00Z"; "+00:00" or no zone are read as UTC, other offsets are refused).
  // Throws joule::Error naming the file, line and value on anything else.
  static IntensitySeries from_csv(const std::string& path);

  // The time-weighted mean intensity over [t0, t1] (Unix seconds); the value at t0 when
  // t1 <= t0. `note` (when not null) is set when part of the window lies before the series.
  double mean_over(double t0, double t1, std::string* note = nullptr) const;

  const std::vector<std::pair<double, double>>& points() const { return points_; }
  std::string path;  // the file it came from, if any

 private:
  std::vector<std::pair<double, double>> points_;
};

// Unix seconds from "2026-01-01T00:00:00Z" (also "2026-01-01 00:00:00", "+00:00", fractions of
// a second) or a plain number of seconds; throws joule::Error naming the text otherwise.
double parse_timestamp(const std::string& text);

}  // namespace joule::energy
