// CSV files: one sample per line, numeric feature columns and one integer label column.
// Fields are split on the delimiter (no quoted delimiters); spaces around a field and one pair
// of surrounding double quotes are ignored; \r\n line endings and blank lines are accepted.
#pragma once

#include <cstdint>
#include <string>

#include "datasets/dataset.h"

namespace joule::data {

struct CsvOptions {
  bool header = true;          // the first non-blank line names the columns
  std::string label_column;    // the label column by name (needs a header)
  int64_t label_index = -1;    // used when label_column is empty; negative counts from the end
  char delimiter = ',';
  float scale = 1.0f;          // features are multiplied by this
};

// -> features (N, D) float32, labels (N) int64, sample_shape {D}, num_classes = max label + 1.
// Labels must be non-negative integers. Throws joule::Error naming the file, the 1-based line,
// the column and the offending text.
Dataset read_csv(const std::string& path, const CsvOptions& opt = {});

}  // namespace joule::data
