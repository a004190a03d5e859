// What describes a run as a whole, for every report format (emissions_csv.h, mlflow.h,
// outputs.h): identity, parameters and tags, how energy became emissions, the machine.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace joule::report {

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

// The user's login name as Python's getpass.getuser(): $LOGNAME, $USER, $LNAME or $USERNAME,
// the first set and not empty, else the password database's entry for the real user id; "" when
// none has one.
std::string login_name();

// Fills the machine fields of `info` that are empty or zero (os, cpu_model, cpu_count,
// ram_total_gb) and `user`, from uname, /proc/cpuinfo, /proc/meminfo (through energy/host.h) and
// login_name(). Fields it cannot read stay as they are; never throws.
void fill_host_info(RunInfo& info);

}  // namespace joule::report
