#include "joule/report/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "joule/core/check.h"
#include "joule/io/atomic_file.h"
#include "joule/report/format.h"

namespace joule::report {

namespace {

using detail::xml_escape;

using Points = std::vector<std::pair<double, double>>;

// Canvas and plot area, in SVG user units.
constexpr double kWidth = 720, kHeight = 450;
constexpr double kLeft = 70, kRight = 20, kTop = 45, kBottom = 55;
constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;

constexpr const char* kMeasuredColor = "#1f77b4";
constexpr const char* kForecastColor = "#ff7f0e";
constexpr const char* kStopColor = "#d62728";

// A coordinate with two decimals.
std::string coord(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// 1, 2 or 5 times a power of ten, near `raw`: the step between ticks.
double nice_step(double raw) {
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / p;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
}

// A tick label: as many decimals as the step needs; "1.5e6" style from a million up.
std::string tick_label(double v, double step) {
  char buf[32];
  if (std::fabs(v) >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
    std::string s = buf;
    const size_t e = s.find("e+");
    if (e != std::string::npos) {
      size_t digits = e + 2;
      while (digits + 1 < s.size() && s[digits] == '0') ++digits;
      s = s.substr(0, e) + "e" + s.substr(digits);
    }
    return s;
  }
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(v) < step * 1e-9 ? 0.0 : v);
  return buf;
}

// An axis: [lo, hi] widened to whole steps.
struct Axis {
  double lo = 0, hi = 1, step = 0.2;
  Axis(double min_v, double max_v) {
    if (!(max_v - min_v > 1e-12)) {  // one value, or none: a unit-wide range around it
      min_v -= 0.5;
      max_v += 0.5;
    }
    step = nice_step((max_v - min_v) / 5);
    lo = std::floor(min_v / step + 1e-9) * step;
    hi = std::ceil(max_v / step - 1e-9) * step;
  }
  double frac(double v) const { return (v - lo) / (hi - lo); }
  // The tick values lo, lo + step, ..., hi (computed from the index, so no drift).
  std::vector<double> ticks() const {
    std::vector<double> t;
    const auto n = std::llround((hi - lo) / step);
    for (long long i = 0; i <= n; ++i) t.push_back(lo + static_cast<double>(i) * step);
    return t;
  }
};

void check_finite(const Points& pts, const char* what) {
  for (size_t i = 0; i < pts.size(); ++i)
    JOULE_CHECK(std::isfinite(pts[i].first) && std::isfinite(pts[i].second),
                "write_accuracy_energy_svg: ", what, "[", i, "] = (", pts[i].first, ", ",
                pts[i].second, ") is not finite");
}

}  // namespace

std::string accuracy_energy_svg(const Points& points, int64_t stop_index, const Points& forecast,
                                const std::string& title) {
  JOULE_CHECK(stop_index >= -1 && stop_index < static_cast<int64_t>(points.size()),
              "write_accuracy_energy_svg: stop_index ", stop_index, " is outside [-1, ",
              points.size(), ")");
  check_finite(points, "points");
  check_finite(forecast, "forecast");

  // Ranges: energy from 0 J; accuracy around the data (0..100 when there is none).
  double x_max = 0, y_min = 100, y_max = 0;
  for (const Points* pts : {&points, &forecast})
    for (const auto& [x, y] : *pts) {
      x_max = std::max(x_max, x);
      y_min = std::min(y_min, y);
      y_max = std::max(y_max, y);
    }
  if (points.empty() && forecast.empty()) y_min = 0, y_max = 100;
  const Axis ax(0, x_max > 0 ? x_max : 1);
  const Axis ay(y_min, y_max);
  auto px = [&](double x) { return kLeft + ax.frac(x) * kPlotW; };
  auto py = [&](double y) { return kTop + (1 - ay.frac(y)) * kPlotH; };

  std::string s;
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + coord(kWidth) + "\" height=\"" +
       coord(kHeight) + "\" viewBox=\"0 0 " + coord(kWidth) + " " + coord(kHeight) +
       "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s += "<title>" + xml_escape(title) + "</title>\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"" + coord(kWidth / 2) + "\" y=\"25\" text-anchor=\"middle\" font-size=\"15\">" +
       xml_escape(title) + "</text>\n";

  // Grid, ticks and tick labels.
  s += "<g stroke=\"#e0e0e0\" stroke-width=\"1\">\n";
  for (double v : ax.ticks())
    s += "<line x1=\"" + coord(px(v)) + "\" y1=\"" + coord(kTop) + "\" x2=\"" + coord(px(v)) +
         "\" y2=\"" + coord(kTop + kPlotH) + "\"/>\n";
  for (double v : ay.ticks())
    s += "<line x1=\"" + coord(kLeft) + "\" y1=\"" + coord(py(v)) + "\" x2=\"" +
         coord(kLeft + kPlotW) + "\" y2=\"" + coord(py(v)) + "\"/>\n";
  s += "</g>\n<g fill=\"#333\">\n";
  for (double v : ax.ticks())
    s += "<text x=\"" + coord(px(v)) + "\" y=\"" + coord(kTop + kPlotH + 18) +
         "\" text-anchor=\"middle\">" + tick_label(v, ax.step) + "</text>\n";
  for (double v : ay.ticks())
    s += "<text x=\"" + coord(kLeft - 8) + "\" y=\"" + coord(py(v) + 4) +
         "\" text-anchor=\"end\">" + tick_label(v, ay.step) + "</text>\n";
  s += "</g>\n";

  // Axes and their labels.
  s += "<rect x=\"" + coord(kLeft) + "\" y=\"" + coord(kTop) + "\" width=\"" + coord(kPlotW) +
       "\" height=\"" + coord(kPlotH) + "\" fill=\"none\" stroke=\"#333\"/>\n";
  s += "<text x=\"" + coord(kLeft + kPlotW / 2) + "\" y=\"" + coord(kHeight - 12) +
       "\" text-anchor=\"middle\">cumulative energy (J)</text>\n";
  s += "<text transform=\"translate(18 " + coord(kTop + kPlotH / 2) +
       ") rotate(-90)\" text-anchor=\"middle\">accuracy (%)</text>\n";

  // The forecast, dashed, under the measured curve.
  if (!forecast.empty()) {
    std::string d;
    for (size_t i = 0; i < forecast.size(); ++i)
      d += (i ? " L" : "M") + coord(px(forecast[i].first)) + " " + coord(py(forecast[i].second));
    s += "<path class=\"forecast\" d=\"" + d + "\" fill=\"none\" stroke=\"" + kForecastColor +
         "\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n";
  }

  // The measured curve and one dot per epoch.
  if (!points.empty()) {
    std::string pts;
    for (const auto& [x, y] : points) pts += coord(px(x)) + "," + coord(py(y)) + " ";
    pts.pop_back();
    s += "<polyline class=\"measured\" points=\"" + pts + "\" fill=\"none\" stroke=\"" +
         kMeasuredColor + "\" stroke-width=\"2\"/>\n";
    for (const auto& [x, y] : points)
      s += "<circle cx=\"" + coord(px(x)) + "\" cy=\"" + coord(py(y)) + "\" r=\"3.5\" fill=\"" +
           kMeasuredColor + "\"/>\n";
  }

  // The stop point: a diamond round its dot, a thin line down to the axis, and a label.
  if (stop_index >= 0) {
    const auto [x, y] = points[stop_index];
    const double cx = px(x), cy = py(y);
    s += "<line class=\"stop\" x1=\"" + coord(cx) + "\" y1=\"" + coord(cy) + "\" x2=\"" +
         coord(cx) + "\" y2=\"" + coord(kTop + kPlotH) + "\" stroke=\"" + kStopColor +
         "\" stroke-width=\"1\"/>\n";
    s += "<path class=\"stop\" d=\"M" + coord(cx) + " " + coord(cy - 8) + " L" + coord(cx + 8) +
         " " + coord(cy) + " L" + coord(cx) + " " + coord(cy + 8) + " L" + coord(cx - 8) + " " +
         coord(cy) + " Z\" fill=\"none\" stroke=\"" + kStopColor + "\" stroke-width=\"2\"/>\n";
    char label[96];
    std::snprintf(label, sizeof label, "stop: %.2f%% at %s J", y,
                  tick_label(x, x >= 1 ? 1 : 0.001).c_str());
    // Below and to the right, where a rising curve and its forecast leave room; to the left
    // near the right edge, so the label stays inside the plot.
    const bool right_half = cx > kLeft + kPlotW * 0.6;
    s += "<text x=\"" + coord(right_half ? cx - 12 : cx + 12) + "\" y=\"" + coord(cy + 22) +
         "\" text-anchor=\"" + (right_half ? "end" : "start") + "\" fill=\"" + kStopColor +
         "\">" + xml_escape(label) + "</text>\n";
  }

  // The legend, bottom right, where a rising accuracy curve leaves room.
  std::vector<std::string> entries = {"per epoch"};
  if (stop_index >= 0) entries.push_back("stop");
  if (!forecast.empty()) entries.push_back("forecast");
  const double lw = 110, lh = 10 + 18 * entries.size();
  const double lx = kLeft + kPlotW - lw - 10, ly = kTop + kPlotH - lh - 10;
  s += "<g class=\"legend\">\n<rect x=\"" + coord(lx) + "\" y=\"" + coord(ly) + "\" width=\"" +
       coord(lw) + "\" height=\"" + coord(lh) +
       "\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#999\"/>\n";
  for (size_t i = 0; i < entries.size(); ++i) {
    const double y = ly + 18 + 18 * i;
    const std::string x1 = coord(lx + 8), x2 = coord(lx + 34), yc = coord(y - 4);
    if (entries[i] == "per epoch") {
      s += "<line x1=\"" + x1 + "\" y1=\"" + yc + "\" x2=\"" + x2 + "\" y2=\"" + yc +
           "\" stroke=\"" + kMeasuredColor + "\" stroke-width=\"2\"/>\n";
      s += "<rect x=\"" + coord(lx + 18) + "\" y=\"" + coord(y - 7) +
           "\" width=\"6\" height=\"6\" fill=\"" + kMeasuredColor + "\"/>\n";
    } else if (entries[i] == "stop") {
      s += "<path d=\"M" + coord(lx + 21) + " " + coord(y - 10) + " L" + coord(lx + 27) + " " +
           yc + " L" + coord(lx + 21) + " " + coord(y + 2) + " L" + coord(lx + 15) + " " + yc +
           " Z\" fill=\"none\" stroke=\"" + kStopColor + "\" stroke-width=\"2\"/>\n";
    } else {
      s += "<line x1=\"" + x1 + "\" y1=\"" + yc + "\" x2=\"" + x2 + "\" y2=\"" + yc +
           "\" stroke=\"" + kForecastColor + "\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n";
    }
    s += "<text x=\"" + coord(lx + 42) + "\" y=\"" + coord(y) + "\">" + entries[i] + "</text>\n";
  }
  s += "</g>\n</svg>\n";
  return s;
}

void write_accuracy_energy_svg(const std::string& path, const Points& points, int64_t stop_index,
                               const Points& forecast, const std::string& title) {
  const std::string svg = accuracy_energy_svg(points, stop_index, forecast, title);
  io::write_file_atomically(path, svg, "write_accuracy_energy_svg");
}

}  // namespace joule::report
