// The outputs of a metered training run, in formats other tools already read:
//   - emissions.csv with CodeCarbon's columns, one row per run (CodeCarbon's dashboard and
//     pandas scripts read it);
//   - a per-epoch CSV with every figure of every epoch;
//   - an MLflow file-store run (mlruns/<experiment_id>/<run_id>/...), so `mlflow ui` browses
//     Joule runs beside Python ones.
// The accuracy-against-energy plot is in svg_plot.h.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "joule/energy/meter.h"

namespace joule::train {

// One epoch of a metered run.
struct EpochEnergy {
  int64_t epoch = 0;         // 1-based; the MLflow step
  double loss = 0;           // mean training loss over the epoch
  double train_acc = 0;      // percent, over the epoch's training batches
  double val_acc = -1;       // percent; < 0 when there is no validation set
  double test_acc = -1;      // percent; < 0 when there is no test set
  double lr = 0;             // learning rate used during the epoch (first group)
  double train_s = 0;        // wall time of the training loop
  double eval_s = 0;         // wall time of the evaluation
  energy::Measurement train; // energy of the training loop
  energy::Measurement eval;  // energy of the evaluation (zero when there is none)
  double cumulative_j = 0;   // train + eval joules of this epoch and all before it
  double emissions_g = 0;    // this epoch's grams of CO2e (train + eval)

  double joules() const { return train.total_j() + eval.total_j(); }
  double metered_s() const { return train.seconds + eval.seconds; }
  // Mean power over the epoch's two windows; 0 when they last no time.
  double watts() const { return metered_s() > 0 ? joules() / metered_s() : 0; }
};

// 32 random lowercase hex digits: the form of an MLflow run id (uuid4().hex).
std::string make_run_id();

// What describes a run as a whole. Strings left empty are written as empty fields.
struct RunInfo {
  // ---- identity --------------------------------------------------------------------------
  std::string project_name = "joule";       // CodeCarbon's project_name column
  std::string experiment_name = "Default";  // MLflow experiment; "Default" is MLflow's id "0"
  // MLflow experiment id (a folder name under mlruns/). Empty: write_mlflow_run finds the
  // experiment named experiment_name, or creates it with the next free number, and stores its id
  // here, so write it before append_emissions_csv to get the id into the CSV as well.
  std::string experiment_id;
  std::string run_id = make_run_id();  // letters, digits, '_' or '-'; fresh and random by default
  std::string run_name;     // shown by mlflow ui; empty: "joule-" + the first 8 chars of run_id
  std::string user;         // MLflow user_id and mlflow.user tag
  std::string source_name;  // the program that ran (mlflow.source.name), e.g. argv[0]
  int64_t start_time_ms = 0;  // Unix time in ms when the run began
  int64_t end_time_ms = 0;    // Unix time in ms when it ended; 0: "now" when written

  // ---- what the run was given and how it was labelled ------------------------------------
  std::vector<std::pair<std::string, std::string>> params;  // hyperparameters (MLflow params)
  std::vector<std::pair<std::string, std::string>> tags;    // free labels (MLflow tags)

  // ---- how energy became emissions -------------------------------------------------------
  double carbon_intensity_g_per_kwh = 0;  // grid intensity behind emissions_g
  double pue = 1.0;                       // power usage effectiveness applied (CodeCarbon's pue)
  std::string energy_source;              // the meter's source(): "rapl", "rapl+nvml", "estimate"
  bool measured = false;                  // the meter's measured()

  // ---- the machine, CodeCarbon's columns (fill_host_info fills what it can read) --------
  std::string os;           // e.g. "Linux-6.1.0-x86_64"
  std::string cpu_model;    // e.g. "AMD EPYC 7B13"
  int64_t cpu_count = 0;    // logical CPUs; 0: unknown, written empty
  std::string gpu_model;    // e.g. "1 x NVIDIA H100 80GB HBM3"; empty when none
  int64_t gpu_count = 0;    // GPUs used
  double ram_total_gb = 0;  // ram_total_size: GiB, as CodeCarbon; 0: unknown, written empty
  // CodeCarbon's "machine" or "process". RAPL and NVML count the whole package and device, so
  // "machine" is the honest default for measured figures.
  std::string tracking_mode = "machine";
  std::string country_name, country_iso_code, region;  // where the run took place, if known
  std::string tool_version = "joule-0.1.0";            // written in the codecarbon_version column
};

// Fills the machine fields of `info` that are empty or zero (os, cpu_model, cpu_count,
// ram_total_gb) and `user`, from uname, /proc/cpuinfo, /proc/meminfo and $USER. Fields it
// cannot read stay as they are; never throws.
void fill_host_info(RunInfo& info);

// The columns of CodeCarbon's emissions.csv, in its order (codecarbon 3.x EmissionsData).
const std::vector<std::string>& emissions_csv_columns();

// Appends one row for the run (sums over `epochs`) to CodeCarbon-style `path`, creating the file
// with the header when it is missing or empty. Units as CodeCarbon: duration s, emissions kg
// CO2e, emissions_rate kg/s, power W, energy kWh. duration is the metered time (the sum of the
// train and eval windows), so power * duration = energy. Throws joule::Error when the file's
// header is not CodeCarbon's, when info.run_id is empty, or when the file cannot be written.
void append_emissions_csv(const std::string& path, const RunInfo& info,
                          const std::vector<EpochEnergy>& epochs);

// Writes (replaces) `path`: a header and one row per epoch with every field of EpochEnergy,
// the train and eval windows broken into seconds, cpu/dram/gpu joules, total joules, watts,
// source and kind ("measured"/"estimated"). Accuracies < 0 are written as empty fields.
void write_epoch_csv(const std::string& path, const std::vector<EpochEnergy>& epochs);

// Writes the run as an MLflow file-store run under `mlruns_root` (created if missing, with
// MLflow's "Default" experiment 0) and returns the run directory, <root>/<experiment_id>/<run_id>.
// Fills info.experiment_id (see RunInfo) and info.run_id when empty.
// Metrics, one line `timestamp_ms value step` per epoch: loss, train_acc, val_acc and test_acc
// (the epochs that have them), lr, train_s, eval_s, joules, cumulative_joules, watts and
// emissions_g. An epoch's timestamp is its end: start_time_ms plus the train_s and eval_s of the
// epochs so far (start_time_ms 0: counted back from end_time_ms).
// Params: info.params. Tags: mlflow.runName, mlflow.user, mlflow.source.name, mlflow.source.type,
// joule.energy_source, joule.energy_kind, joule.carbon_intensity_g_per_kwh, joule.pue,
// joule.total_joules, joule.emissions_g, then info.tags (which win on a clash).
// The run's meta.yaml is written last, through a temp file and a rename, so MLflow never lists
// half a run. Throws joule::Error when the run folder already exists, when a param or tag key is
// not a valid MLflow name, or on any file error.
std::string write_mlflow_run(const std::string& mlruns_root, RunInfo& info,
                             const std::vector<EpochEnergy>& epochs);

}  // namespace joule::train
