// The per-epoch CSV: every figure of every epoch of a metered run, one row per epoch.
#pragma once

#include <string>
#include <vector>

#include "joule/energy/epoch_record.h"

namespace joule::report {

// Writes (replaces, through io::AtomicFile) `path`: a header and one row per epoch with the
// training figures (test_loss and the callbacks' extra fields aside), the train and eval windows
// broken into seconds, cpu/dram/gpu joules, total joules, watts, source and kind
// ("measured"/"estimated"), then the epoch's joules and watts, cumulative_j and emissions_g.
// Accuracies < 0 are written as empty fields.
void write_epoch_csv(const std::string& path, const std::vector<energy::EpochRecord>& epochs);

}  // namespace joule::report
