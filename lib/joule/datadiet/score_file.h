// HDF5 score files: one scoring serves many runs. Layout (plain HDF5; h5py reads it):
//
//   /                  attrs format = "joule-scores", version = 1
//   /scores/<method>   float32 [N], one score per training example (higher: harder)
//                      attrs joules, seconds (float64): what computing them cost
//                            energy_source, energy_kind (string): "estimate"/"rapl"...,
//                            "measured"/"estimated" ("none" for random)
//                            every recipe entry (string): method, epochs, seeds, seed, batch,
//                            lr, momentum, model, examples
//
// A file holds one score array per method; saving a method keeps the others.
#pragma once

#include <string>
#include <vector>

#include "joule/datadiet/scoring.h"

namespace joule::datadiet {

// Adds (or replaces) /scores/<scores.method> in `path`, creating the file when missing. Written
// atomically: an error leaves the old file as it was.
void save_scores(const std::string& path, const Scores& scores);

// The methods `path` holds scores for, in file order; throws when it is not a score file.
std::vector<std::string> score_methods(const std::string& path);

// /scores/<method> with its cost and recipe. Throws naming the file, the method and the methods
// present when it is missing.
Scores load_scores(const std::string& path, const std::string& method);

}  // namespace joule::datadiet
