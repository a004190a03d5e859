// The plot a metered run ends with: accuracy against cumulative energy, one dot per epoch, the
// epoch where the stopping rule stopped, and the forecast the rule extrapolated. A self-contained
// SVG (no scripts, fonts or links), readable in any browser and embeddable in Markdown.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace joule::report {

// Writes (replaces, through io::AtomicFile) `path`.
//   points      (cumulative joules, accuracy %) per epoch, in order; drawn as a line with a dot
//               (one <circle>) per point
//   stop_index  the index in `points` where training stopped, marked and labelled; -1: none
//   forecast    (cumulative joules, accuracy %) of the forecast, drawn as a dashed line; may be
//               empty (then neither the line nor its legend entry is drawn)
//   title       the text above the plot (escaped for XML)
// Axes have "nice" ticks; x starts at 0 J. Throws joule::Error when stop_index is out of range,
// a value is not finite, or the file cannot be written.
void write_accuracy_energy_svg(const std::string& path,
                               const std::vector<std::pair<double, double>>& points,
                               int64_t stop_index,
                               const std::vector<std::pair<double, double>>& forecast,
                               const std::string& title);

// The same SVG as text (what write_accuracy_energy_svg writes).
std::string accuracy_energy_svg(const std::vector<std::pair<double, double>>& points,
                                int64_t stop_index,
                                const std::vector<std::pair<double, double>>& forecast,
                                const std::string& title);

}  // namespace joule::report
