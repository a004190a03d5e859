// CodeCarbon's emissions.csv: one row per run, the columns of codecarbon 3.x, so CodeCarbon's
// dashboard and pandas scripts read Joule runs beside Python ones.
#pragma once

#include <string>
#include <vector>

#include "joule/energy/epoch_record.h"
#include "joule/report/run_info.h"

namespace joule::report {

// The columns of CodeCarbon's emissions.csv, in its order (codecarbon 3.x EmissionsData).
const std::vector<std::string>& emissions_csv_columns();

// Appends one row for the run (sums over `epochs`) to CodeCarbon-style `path`, creating the file
// with the header when it is missing or empty. Units as CodeCarbon: duration s, emissions kg
// CO2e, emissions_rate kg/s, power W, energy kWh; the energy columns include the PUE, as
// CodeCarbon's (emissions = energy_consumed x intensity). Empty country_name, country_iso_code
// and region are written as the default location ("World", "WLD", "world"). duration is the metered time (the sum of the
// train and eval windows), so power * duration = energy. The file is rewritten whole through
// io::AtomicFile (old rows + the new one), so a crash never leaves half a row; two processes
// appending to one file at the same moment may lose one of the rows. A file with another header
// (older CodeCarbon versions' column sets) is renamed to <path>.bak (<path>_0.bak, ... when that
// is taken), as CodeCarbon does, and a new file begins. Throws joule::Error when info.run_id is
// empty or when a file cannot be renamed or written.
void append_emissions_csv(const std::string& path, const RunInfo& info,
                          const std::vector<energy::EpochRecord>& epochs);

// Renames `path` to <path>.bak, or <path>_0.bak, <path>_1.bak, ... when taken (CodeCarbon's
// backup()); returns the new name. Throws joule::Error naming `op` when the rename fails.
std::string backup_file(const std::string& path, const char* op);

}  // namespace joule::report
