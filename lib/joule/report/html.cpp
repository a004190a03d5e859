#include "joule/report/html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <tuple>

#include "joule/io/atomic_file.h"
#include "joule/report/format.h"

namespace joule::report {

namespace {

using detail::xml_escape;

// Colours for runs (cycled) and for the energy parts.
constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr const char* kCpuColor = "#4e79a7";
constexpr const char* kDramColor = "#f28e2b";
constexpr const char* kGpuColor = "#59a14f";
constexpr const char* kStopColor = "#d62728";

std::string fmt(double v, const char* spec = "%.4g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, spec, v);
  return buf;
}

const char* color(size_t i) { return kPalette[i % (sizeof kPalette / sizeof *kPalette)]; }

// A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten at or above v.
double nice_max(double v) {
  if (!(v > 0)) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= v) return m * p;
  return 10 * p;
}

// A chart frame: plot area [l, l + w] x [t, t + h]; axes with 5 ticks each from 0 to xmax/ymax
// (y from ymin).
struct Frame {
  double W = 640, H = 300, l = 64, t = 16, w = 556, h = 240;
  double xmax = 1, ymin = 0, ymax = 1;
  bool xticks = true;  // false for bar charts, which label their bars
  double x(double v) const { return l + w * v / xmax; }
  double y(double v) const { return t + h * (1 - (v - ymin) / (ymax - ymin)); }
  std::string open(const std::string& label, const std::string& xlabel,
                   const std::string& ylabel) const {
    std::ostringstream o;
    o << "<svg role=\"img\" aria-label=\"" << xml_escape(label)
      << "\" viewBox=\"0 0 " << W << " " << H << "\" width=\"" << W << "\" height=\"" << H
      << "\">\n<rect x=\"" << l << "\" y=\"" << t << "\" width=\"" << w << "\" height=\"" << h
      << "\" fill=\"#fff\" stroke=\"#999\"/>\n";
    for (int i = 0; i <= 5; ++i) {
      const double xv = xmax * i / 5, yv = ymin + (ymax - ymin) * i / 5;
      if (xticks)
        o << "<text x=\"" << fmt(x(xv), "%.1f") << "\" y=\"" << t + h + 16
          << "\" text-anchor=\"middle\" class=\"tick\">" << fmt(xv) << "</text>\n";
      o << "<text x=\"" << l - 6 << "\" y=\"" << fmt(y(yv) + 4, "%.1f")
        << "\" text-anchor=\"end\" class=\"tick\">" << fmt(yv) << "</text>\n";
      o << "<line x1=\"" << l << "\" x2=\"" << l + w << "\" y1=\"" << fmt(y(yv), "%.1f")
        << "\" y2=\"" << fmt(y(yv), "%.1f") << "\" stroke=\"#eee\"/>\n";
    }
    o << "<text x=\"" << l + w / 2 << "\" y=\"" << H - 4 << "\" text-anchor=\"middle\">"
      << xml_escape(xlabel) << "</text>\n<text transform=\"translate(14," << t + h / 2
      << ") rotate(-90)\" text-anchor=\"middle\">" << xml_escape(ylabel) << "</text>\n";
    return o.str();
  }
};

double accuracy_of(const ReportEpoch& e) { return e.val_acc >= 0 ? e.val_acc : e.test_acc; }

// Accuracy against cumulative joules, every run on one chart, the stopping rules' decisions
// ringed and their forecasts dashed.
std::string accuracy_chart(const std::vector<ReportRun>& runs) {
  Frame f;
  f.H = 340;
  f.h = 280;
  double xmax = 0, ymin = 100, ymax = 0;
  for (const auto& r : runs) {
    for (const auto& e : r.epochs) {
      if (accuracy_of(e) < 0) continue;
      xmax = std::max(xmax, e.cumulative_j);
      ymin = std::min(ymin, accuracy_of(e));
      ymax = std::max(ymax, accuracy_of(e));
    }
    if (r.stop_forecast_j > 0 && r.stop_forecast_acc >= 0) {
      xmax = std::max(xmax, r.stop_forecast_j);
      ymax = std::max(ymax, r.stop_forecast_acc);
    }
  }
  f.xmax = nice_max(xmax);
  f.ymin = ymax > ymin ? std::floor(ymin / 10) * 10 : 0;
  f.ymax = ymax > ymin ? std::min(100.0, std::ceil(ymax / 5) * 5) : 100;
  if (f.ymax <= f.ymin) f.ymax = f.ymin + 10;
  std::ostringstream o;
  o << f.open("accuracy against cumulative energy, all runs", "cumulative energy (J)",
              "accuracy (%)");
  for (size_t i = 0; i < runs.size(); ++i) {
    const auto& r = runs[i];
    std::string pts;
    for (const auto& e : r.epochs)
      if (accuracy_of(e) >= 0)
        pts += fmt(f.x(e.cumulative_j), "%.1f") + "," + fmt(f.y(accuracy_of(e)), "%.1f") + " ";
    o << "<g class=\"run\" id=\"curve-" << xml_escape(r.run_id) << "\"><title>" << xml_escape(r.run_name)
      << "</title><polyline fill=\"none\" stroke-width=\"2\" stroke=\"" << color(i)
      << "\" points=\"" << pts << "\"/>\n";
    for (const auto& e : r.epochs) {
      if (accuracy_of(e) < 0) continue;
      const bool decided = e.epoch == r.stop_decided_epoch;
      o << "<circle cx=\"" << fmt(f.x(e.cumulative_j), "%.1f") << "\" cy=\""
        << fmt(f.y(accuracy_of(e)), "%.1f") << "\" r=\"" << (decided ? 7 : 3) << "\" fill=\""
        << (decided ? "none" : color(i)) << "\" stroke=\"" << (decided ? kStopColor : color(i))
        << "\" stroke-width=\"2\"/>\n";
    }
    if (r.stop_forecast_j > 0 && r.stop_forecast_acc >= 0 && !r.epochs.empty()) {
      const auto& last = r.epochs.back();
      o << "<line class=\"stop-forecast\" x1=\"" << fmt(f.x(last.cumulative_j), "%.1f")
        << "\" y1=\"" << fmt(f.y(accuracy_of(last)), "%.1f") << "\" x2=\""
        << fmt(f.x(r.stop_forecast_j), "%.1f") << "\" y2=\""
        << fmt(f.y(r.stop_forecast_acc), "%.1f") << "\" stroke=\"" << color(i)
        << "\" stroke-dasharray=\"6 4\" stroke-width=\"2\"/>\n";
    }
    o << "</g>\n";
  }
  o << "</svg>\n<p class=\"legend\">";
  for (size_t i = 0; i < runs.size(); ++i)
    o << "<span><i style=\"background:" << color(i) << "\"></i>" << xml_escape(runs[i].run_name)
      << "</span> ";
  o << "<span><i class=\"ring\"></i>stopping rule's decision</span> <span>dashed: the rule's "
       "forecast to its epoch budget</span></p>\n";
  return o.str();
}

// One run's energy per epoch, stacked CPU / DRAM / GPU, the decision epoch marked and the
// forecast's steady epoch drawn as a dashed level.
std::string energy_chart(const ReportRun& r) {
  Frame f;
  f.H = 220;
  f.h = 160;
  double ymax = 0;
  for (const auto& e : r.epochs) ymax = std::max(ymax, e.cpu_j + e.dram_j + e.gpu_j);
  const double n = static_cast<double>(std::max<size_t>(r.epochs.size(), 1));
  f.xmax = n;
  f.xticks = false;
  f.ymax = nice_max(ymax);
  std::ostringstream o;
  o << f.open(r.run_name + ": energy per epoch", "epoch", "energy (J)");
  const double bw = f.w / n * 0.7;
  for (size_t i = 0; i < r.epochs.size(); ++i) {
    const auto& e = r.epochs[i];
    const double x = f.x(static_cast<double>(i) + 0.5) - bw / 2;
    double base = 0;
    for (const auto& [part, j, c] : {std::tuple{"cpu", e.cpu_j, kCpuColor},
                                     std::tuple{"dram", e.dram_j, kDramColor},
                                     std::tuple{"gpu", e.gpu_j, kGpuColor}}) {
      if (j <= 0) continue;
      o << "<rect class=\"" << part << "\" x=\"" << fmt(x, "%.1f") << "\" y=\""
        << fmt(f.y(base + j), "%.1f") << "\" width=\"" << fmt(bw, "%.1f") << "\" height=\""
        << fmt(f.y(base) - f.y(base + j), "%.1f") << "\" fill=\"" << c << "\"><title>epoch "
        << e.epoch << " " << part << " " << fmt(j) << " J</title></rect>\n";
      base += j;
    }
    o << "<text x=\"" << fmt(x + bw / 2, "%.1f") << "\" y=\"" << f.t + f.h + 16
      << "\" text-anchor=\"middle\" class=\"tick\">" << e.epoch << "</text>\n";
    if (e.epoch == r.stop_decided_epoch)
      o << "<line class=\"decision\" x1=\"" << fmt(x + bw / 2, "%.1f") << "\" x2=\""
        << fmt(x + bw / 2, "%.1f") << "\" y1=\"" << f.t << "\" y2=\"" << f.t + f.h
        << "\" stroke=\"" << kStopColor << "\" stroke-width=\"2\"/><text x=\""
        << fmt(x + bw / 2 + 4, "%.1f") << "\" y=\"" << f.t + 12 << "\" fill=\"" << kStopColor
        << "\">decision</text>\n";
  }
  if (r.forecast_total_j > 0 && r.forecast_epochs > 1 && !r.epochs.empty()) {
    const auto& first = r.epochs.front();
    const double first_j = first.cpu_j + first.dram_j + first.gpu_j;
    const double steady =
        (r.forecast_total_j - first_j) / static_cast<double>(r.forecast_epochs - 1);
    if (steady > 0 && steady <= f.ymax)
      o << "<line class=\"forecast\" x1=\"" << f.l << "\" x2=\"" << f.l + f.w << "\" y1=\""
        << fmt(f.y(steady), "%.1f") << "\" y2=\"" << fmt(f.y(steady), "%.1f")
        << "\" stroke=\"#333\" stroke-dasharray=\"6 4\"><title>forecast per epoch after epoch 1: "
        << fmt(steady) << " J</title></line>\n";
  }
  o << "</svg>\n";
  return o.str();
}

// Forecast after epoch 1 against the measured total, one pair of bars per run that has one.
std::string forecast_chart(const std::vector<ReportRun>& runs) {
  std::vector<const ReportRun*> with;
  double ymax = 0;
  for (const auto& r : runs)
    if (r.forecast_for_measured_j > 0) {
      with.push_back(&r);
      ymax = std::max({ymax, r.forecast_for_measured_j, r.joules});
    }
  if (with.empty()) return "<p>No run recorded a forecast.</p>\n";
  Frame f;
  f.H = 260;
  f.h = 180;
  f.xmax = static_cast<double>(with.size());
  f.xticks = false;
  f.ymax = nice_max(ymax);
  std::ostringstream o;
  o << f.open("forecast after epoch 1 against measured energy", "run", "energy (J)");
  const double slot = f.w / f.xmax, bw = slot * 0.3;
  for (size_t i = 0; i < with.size(); ++i) {
    const ReportRun& r = *with[i];
    const double x = f.l + slot * static_cast<double>(i) + slot * 0.2;
    for (const auto& [cls, j, c, dx] :
         {std::tuple{"forecast", r.forecast_for_measured_j, "#bbb", 0.0},
          std::tuple{"measured", r.joules, color(i), bw}})
      o << "<rect class=\"" << cls << "\" x=\"" << fmt(x + dx, "%.1f") << "\" y=\""
        << fmt(f.y(j), "%.1f") << "\" width=\"" << fmt(bw, "%.1f") << "\" height=\""
        << fmt(f.y(0) - f.y(j), "%.1f") << "\" fill=\"" << c << "\"><title>" << xml_escape(r.run_name)
        << " " << cls << " " << fmt(j) << " J</title></rect>\n";
    o << "<text x=\"" << fmt(x + bw, "%.1f") << "\" y=\"" << fmt(f.y(0) - 4, "%.1f")
      << "\" text-anchor=\"middle\" class=\"tick\">" << fmt(r.forecast_error_pct, "%+.1f")
      << "%</text>\n";
  }
  o << "</svg>\n<p class=\"legend\"><span><i style=\"background:#bbb\"></i>forecast after epoch "
       "1 (for the epochs that ran)</span> <span>coloured: measured; the label is the "
       "forecast's error</span></p>\n";
  return o.str();
}

std::string opt(double v, const char* spec = "%.4g") { return v < 0 ? "&ndash;" : fmt(v, spec); }

}  // namespace

std::string runs_html(const std::vector<ReportRun>& runs, const std::string& title) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
    << xml_escape(title)
    << "</title>\n<style>\n"
       "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}\n"
       "table{border-collapse:collapse;margin:8px 0 24px}\n"
       "th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}\n"
       "th{background:#f4f4f4}td.l,th.l{text-align:left}\n"
       "svg{display:block;max-width:100%;height:auto}svg text{font-size:12px}\n"
       "svg text.tick{font-size:11px;fill:#555}\n"
       ".legend span{margin-right:14px;white-space:nowrap}\n"
       ".legend i{display:inline-block;width:12px;height:12px;margin-right:4px;"
       "vertical-align:middle}\n"
       ".legend i.ring{border:2px solid #d62728;border-radius:50%;width:8px;height:8px}\n"
       "section.run{border-top:1px solid #ddd;padding-top:8px;margin-top:16px}\n"
       "</style>\n</head>\n<body>\n<h1>"
    << xml_escape(title) << "</h1>\n<p>" << runs.size()
    << " runs. Energy is measured (RAPL, NVML) or estimated (a CPU power model), as each row "
       "says; gCO2e follows from the grid intensity and PUE each run used.</p>\n";

  o << "<h2>Runs</h2>\n<table id=\"runs\">\n<tr><th class=\"l\">run</th><th class=\"l\">"
       "example</th><th>epochs</th><th>final test accuracy (%)</th><th>joules</th>"
       "<th class=\"l\">source</th><th>gCO2e</th><th>J per 1,000 predictions</th>"
       "<th>forecast after epoch 1 (J)</th><th>forecast error (%)</th></tr>\n";
  for (const auto& r : runs) {
    o << "<tr id=\"row-" << xml_escape(r.run_id) << "\"><td class=\"l\"><a href=\"#run-"
      << xml_escape(r.run_id) << "\">" << xml_escape(r.run_name) << "</a></td><td class=\"l\">"
      << xml_escape(r.example) << "</td><td>" << r.epochs.size() << "</td><td>"
      << opt(r.final_test_acc, "%.2f") << "</td><td>" << fmt(r.joules, "%.1f")
      << "</td><td class=\"l\">" << xml_escape(r.energy_kind) << " (" << xml_escape(r.energy_source)
      << ")</td><td>" << fmt(r.grams, "%.4g") << "</td><td>" << opt(r.j_per_1k, "%.3g")
      << "</td><td>" << opt(r.forecast_total_j, "%.1f") << "</td><td>"
      << (r.forecast_for_measured_j > 0 ? fmt(r.forecast_error_pct, "%+.1f") : "&ndash;")
      << "</td></tr>\n";
  }
  o << "</table>\n";

  o << "<h2>Accuracy against cumulative energy</h2>\n" << accuracy_chart(runs);
  o << "<h2>Forecast after epoch 1 against measured</h2>\n" << forecast_chart(runs);
  o << "<h2>Energy per epoch</h2>\n<p class=\"legend\"><span><i style=\"background:" << kCpuColor
    << "\"></i>CPU</span><span><i style=\"background:" << kDramColor
    << "\"></i>DRAM</span><span><i style=\"background:" << kGpuColor
    << "\"></i>GPU</span><span>dashed: the forecast's energy per epoch after epoch 1</span>"
       "</p>\n";
  for (const auto& r : runs) {
    o << "<section class=\"run\" id=\"run-" << xml_escape(r.run_id) << "\">\n<h3>" << xml_escape(r.run_name)
      << "</h3>\n<p>run id <code>" << xml_escape(r.run_id) << "</code>, " << xml_escape(r.example) << ", "
      << r.epochs.size() << " epochs, " << fmt(r.joules, "%.1f") << " J " << xml_escape(r.energy_kind);
    if (r.stop_decided_epoch > 0)
      o << "; the stopping rule decided at epoch " << r.stop_decided_epoch
        << " and stopped at epoch " << r.stop_stopped_epoch;
    if (r.stop_forecast_j > 0)
      o << "; its forecast to the budget: " << fmt(r.stop_forecast_acc, "%.2f") << "% at "
        << fmt(r.stop_forecast_j, "%.1f") << " J";
    if (r.forecast_total_j > 0)
      o << "; forecast after epoch 1: " << fmt(r.forecast_total_j, "%.1f") << " J for "
        << r.forecast_epochs << " epochs";
    o << ".</p>\n" << energy_chart(r) << "</section>\n";
  }
  o << "</body>\n</html>\n";
  return o.str();
}

void write_runs_html(const std::string& path, const std::vector<ReportRun>& runs,
                     const std::string& title) {
  io::write_file_atomically(path, runs_html(runs, title), "write_runs_html");
}

}  // namespace joule::report
