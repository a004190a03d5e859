// One self-contained HTML page over many runs (joule_report): inline CSS and inline SVG charts,
// no scripts, no fonts, no links out, so it opens offline in any browser.
//
// It shows a table (run, example, epochs, final test accuracy, joules, measured/estimated,
// gCO2e, J per 1,000 predictions), accuracy against cumulative joules for all runs on one chart,
// each run's energy per epoch split by CPU/DRAM/GPU with the stopping rule's decision point and
// forecast where it ran, and each run's energy forecast after epoch 1 against what it measured.
// Every run's parts carry its run id: id="run-<run_id>" (its section) and id="row-<run_id>".
#pragma once

#include <string>
#include <vector>

#include "joule/report/run_scan.h"

namespace joule::report {

// The page as text; `title` heads it (escaped).
std::string runs_html(const std::vector<ReportRun>& runs, const std::string& title);

// Writes (replaces, through io::AtomicFile) `path` with runs_html(). Throws joule::Error when
// the file cannot be written.
void write_runs_html(const std::string& path, const std::vector<ReportRun>& runs,
                     const std::string& title);

}  // namespace joule::report
