// An MLflow file-store run (mlruns/<experiment_id>/<run_id>/...), so `mlflow ui` browses Joule
// runs beside Python ones.
#pragma once

#include <string>
#include <vector>

#include "joule/energy/epoch_record.h"
#include "joule/report/run_info.h"

namespace joule::report {

// Writes the run as an MLflow file-store run under `mlruns_root` (created if missing, with
// MLflow's "Default" experiment 0) and returns the run directory, <root>/<experiment_id>/<run_id>.
// Fills info.experiment_id (see RunInfo) and info.run_id when empty.
// Metrics, one line `timestamp_ms value step` per epoch: loss, train_acc, val_acc and test_acc
// (the epochs that have them), lr, train_s, eval_s, joules, cumulative_joules, watts and
// emissions_g; then total_emissions_g and total_joules, the run's totals, one line at the last
// epoch (so the UI's latest value is the whole run's). An epoch's timestamp is its end: start_time_ms plus the train_s and eval_s of the
// epochs so far (start_time_ms 0: counted back from end_time_ms).
// Params: info.params. Tags: mlflow.runName, mlflow.user, mlflow.source.name, mlflow.source.type,
// joule.energy_source, joule.energy_kind, joule.carbon_intensity_g_per_kwh, joule.pue,
// joule.total_joules, joule.emissions_g, then info.tags (which win on a clash).
// Every file goes through io::AtomicFile (temp file, fsync, rename); the run's meta.yaml is
// written last, so MLflow never lists half a run. Throws joule::Error when the run folder
// already exists, when a param or tag key is not a valid MLflow name (MLflow's characters, no
// empty, "." or ".." part, not starting with ".." as MLflow's path_not_unique), or on any file
// error. `artifacts` are copied into the run's artifacts/ folder, where mlflow ui lists them.
std::string write_mlflow_run(const std::string& mlruns_root, RunInfo& info,
                             const std::vector<energy::EpochRecord>& epochs,
                             const std::vector<std::string>& artifacts = {});

}  // namespace joule::report
