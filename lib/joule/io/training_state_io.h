// Internal to checkpoints: the /training group (counters, free text, /training/rng) and the
// /energy group (the energy history, one dataset per column) of a checkpoint file.
#pragma once

#include "joule/io/checkpoint.h"
#include "joule/io/hdf5_handle.h"

namespace joule::io::detail {

// Writes /training and, when the history is not empty, /energy under `root` (the file's root
// group). Throws naming the generator or attribute when a name cannot be stored (empty, holding
// '/', reserved or repeated).
void write_training_state(hid_t root, const TrainingState& state);

// Reads them back; energy_history is empty when the file has no /energy group.
TrainingState read_training_state(hid_t root);

}  // namespace joule::io::detail
