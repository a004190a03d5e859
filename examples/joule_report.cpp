// joule_report RUNS_DIR OUT.html: one self-contained HTML page over every run under RUNS_DIR
// (the MLflow runs the examples write under --out, at any depth): a table, accuracy against
// cumulative energy for all runs, each run's energy per epoch by CPU/DRAM/GPU with the stopping
// rule's decision and forecast, and the forecast after epoch 1 against what was measured.
#include <iostream>
#include <string>
#include <vector>

#include "joule/core/check.h"
#include "joule/report/html.h"
#include "joule/report/run_scan.h"

namespace {
constexpr const char* kUsage =
    "usage: joule_report RUNS_DIR OUT.html [--title TEXT]\n"
    "Writes one self-contained HTML page (inline CSS and SVG, no network) over every run under\n"
    "RUNS_DIR: the MLflow runs (mlruns/<experiment>/<run>/) the examples write under --out.\n";
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> positional;
  std::string title = "Joule runs";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (a == "--title" && i + 1 < argc) {
      title = argv[++i];
    } else if (a.rfind("--", 0) == 0) {
      std::cerr << "joule_report: unknown flag '" << a << "'\n" << kUsage;
      return 2;
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2) {
    std::cerr << "joule_report: expected RUNS_DIR and OUT.html, got " << positional.size()
              << " arguments\n" << kUsage;
    return 2;
  }
  try {
    const auto runs = joule::report::scan_runs(positional[0]);
    if (runs.empty())
      std::cerr << "joule_report: warning: no MLflow runs under " << positional[0] << "\n";
    joule::report::write_runs_html(positional[1], runs, title);
    std::cout << "report runs=" << runs.size() << " html=" << positional[1] << std::endl;
  } catch (const joule::Error& e) {
    std::cerr << "joule_report: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
