#include "joule/energy/intensity_series.h"

#include <cmath>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

#include "joule/core/check.h"

namespace joule::energy {

double parse_timestamp(const std::string& raw) {
  std::string s = raw;
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  char* end = nullptr;
  const double seconds = std::strtod(s.c_str(), &end);
  if (!s.empty() && *end == '\0' && std::isfinite(seconds)) return seconds;

  int y = 0, mo = 0, d = 0, h = 0, mi = 0, consumed = 0;
  double sec = 0;
  const bool ok = std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[T ]%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi,
                              &sec, &consumed) == 6;
  std::string zone = ok ? s.substr(static_cast<size_t>(consumed)) : "";
  JOULE_CHECK(ok && (zone.empty() || zone == "Z" || zone == "+00:00") && mo >= 1 && mo <= 12 &&
                  d >= 1 && d <= 31 && h < 24 && mi < 60 && sec >= 0 && sec < 61,
              "carbon intensity series: timestamp '", raw,
              "' is neither Unix seconds nor ISO 8601 UTC like 2026-01-01T00:00:00Z");
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  return static_cast<double>(timegm(&tm)) + sec;
}

IntensitySeries::IntensitySeries(std::vector<std::pair<double, double>> points)
    : points_(std::move(points)) {
  JOULE_CHECK(!points_.empty(), "IntensitySeries: no points");
  for (size_t i = 0; i < points_.size(); ++i) {
    JOULE_CHECK(std::isfinite(points_[i].second) && points_[i].second >= 0,
                "IntensitySeries: point ", i, " has intensity ", points_[i].second,
                " gCO2e/kWh; expected a finite value >= 0");
    JOULE_CHECK(i == 0 || points_[i].first > points_[i - 1].first, "IntensitySeries: point ", i,
                " at ", points_[i].first, " s is not after the previous one at ",
                i ? points_[i - 1].first : 0.0, " s; timestamps must increase");
  }
}

IntensitySeries IntensitySeries::from_csv(const std::string& path) {
  std::ifstream in(path);
  JOULE_CHECK(in.good(), "--carbon-intensity-csv: cannot read '", path, "'");
  std::vector<std::pair<double, double>> points;
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (points.empty() && line.rfind("timestamp", 0) == 0) continue;  // the header
    const size_t comma = line.find(',');
    JOULE_CHECK(comma != std::string::npos, path, " line ", line_no,
                ": expected timestamp,g_per_kwh, got '", line, "'");
    const std::string value = line.substr(comma + 1);
    char* end = nullptr;
    const double g = std::strtod(value.c_str(), &end);
    JOULE_CHECK(!value.empty() && *end == '\0', path, " line ", line_no,
                ": g_per_kwh '", value, "' is not a number");
    try {
      points.emplace_back(parse_timestamp(line.substr(0, comma)), g);
    } catch (const Error& e) {
      JOULE_CHECK(false, path, " line ", line_no, ": ", e.what());
    }
  }
  JOULE_CHECK(!points.empty(), path, ": no timestamp,g_per_kwh rows");
  IntensitySeries s(std::move(points));
  s.path = path;
  return s;
}

double IntensitySeries::mean_over(double t0, double t1, std::string* note) const {
  if (note && t0 < points_.front().first) {
    *note = "the carbon intensity series starts after the window's start: using its first value "
            "before it";
  }
  // The value in force at time t: the last step at or before t (the first before the series).
  auto value_at = [&](double t) {
    double v = points_.front().second;
    for (const auto& [ts, g] : points_)
      if (ts <= t) v = g;
    return v;
  };
  if (t1 <= t0) return value_at(t0);
  double integral = 0, t = t0;
  for (size_t i = 0; i <= points_.size() && t < t1; ++i) {
    const double next = i < points_.size() ? points_[i].first : t1;
    if (next <= t) continue;
    const double until = std::min(next, t1);
    integral += value_at(t) * (until - t);
    t = until;
  }
  return integral / (t1 - t0);
}

}  // namespace joule::energy
