#include "datasets/csv.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

namespace joule::data {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

std::vector<std::string_view> split(std::string_view line, char delimiter) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    const size_t end = line.find(delimiter, start);
    fields.push_back(trim(line.substr(start, end - start)));
    if (end == std::string_view::npos) return fields;
    start = end + 1;
  }
}

// What is known while the file is parsed.
struct CsvParse {
  const std::string& path;
  const CsvOptions& opt;
  std::vector<std::string> names = {};  // empty without a header
  int64_t ncols = -1;              // from the header or the first row
  int64_t ncols_line = 0;          // the line ncols came from
  int64_t label_col = -1;
  std::vector<float> features = {};
  std::vector<int64_t> labels = {};
};

// "line 7, column 3 ('width')", columns counted from 1.
std::string where(const CsvParse& p, int64_t line, int64_t col) {
  std::string s = "line " + std::to_string(line) + ", column " + std::to_string(col + 1);
  if (!p.names.empty()) s += " ('" + p.names[static_cast<size_t>(col)] + "')";
  return s;
}

int64_t find_label_by_name(const CsvParse& p) {
  JOULE_CHECK(p.opt.header, "read_csv: ", p.path, ": label_column '", p.opt.label_column,
              "' needs a header line, but CsvOptions::header is false");
  for (size_t i = 0; i < p.names.size(); ++i) {
    if (p.names[i] == p.opt.label_column) return static_cast<int64_t>(i);
  }
  std::string all;
  for (const std::string& n : p.names) all += (all.empty() ? "'" : ", '") + n + "'";
  JOULE_CHECK(false, "read_csv: ", p.path, ": no column named '", p.opt.label_column,
              "'; the header has ", all);
  return -1;
}

// Fixes the column count and the label column from the first line (header or data).
void set_columns(CsvParse& p, int64_t ncols, int64_t line) {
  p.ncols = ncols;
  p.ncols_line = line;
  JOULE_CHECK(ncols >= 2, "read_csv: ", p.path, ": line ", line, " has ", ncols,
              " field(s); need at least 2 (features and a label)");
  if (!p.opt.label_column.empty()) {
    p.label_col = find_label_by_name(p);
    return;
  }
  const int64_t i = p.opt.label_index;
  p.label_col = i < 0 ? ncols + i : i;
  JOULE_CHECK(p.label_col >= 0 && p.label_col < ncols, "read_csv: ", p.path, ": label_index ", i,
              " is out of range for ", ncols, " columns");
}

float parse_feature(const CsvParse& p, std::string_view text, int64_t line, int64_t col) {
  const std::string s(text);
  char* end = nullptr;
  const float v = std::strtof(s.c_str(), &end);
  JOULE_CHECK(!s.empty() && end == s.c_str() + s.size(), "read_csv: ", p.path, ": ",
              where(p, line, col), ": '", s, "' is not a number");
  JOULE_CHECK(std::isfinite(v), "read_csv: ", p.path, ": ", where(p, line, col), ": '", s,
              "' is not a finite number");
  return v * p.opt.scale;
}

// Accepts "3" and "3.0"; rejects "-1", "2.5" and text.
int64_t parse_label(const CsvParse& p, std::string_view text, int64_t line, int64_t col) {
  const std::string s(text);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  const bool ok = !s.empty() && end == s.c_str() + s.size() && v >= 0 && v < 9.0e15 &&
                  v == std::floor(v);
  JOULE_CHECK(ok, "read_csv: ", p.path, ": ", where(p, line, col), ": label '", s,
              "' is not a non-negative integer");
  return static_cast<int64_t>(v);
}

void add_row(CsvParse& p, const std::vector<std::string_view>& fields, int64_t line) {
  const auto n = static_cast<int64_t>(fields.size());
  if (p.ncols < 0) set_columns(p, n, line);
  JOULE_CHECK(n == p.ncols, "read_csv: ", p.path, ": line ", line, " has ", n,
              " fields, expected ", p.ncols, " (as on line ", p.ncols_line, ")");
  for (int64_t c = 0; c < n; ++c) {
    const std::string_view text = fields[static_cast<size_t>(c)];
    if (c == p.label_col) {
      p.labels.push_back(parse_label(p, text, line, c));
    } else {
      p.features.push_back(parse_feature(p, text, line, c));
    }
  }
}

void read_lines(CsvParse& p, std::istream& in) {
  std::string line;
  int64_t line_no = 0;
  bool header_pending = p.opt.header;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (is_blank(line)) continue;
    const std::vector<std::string_view> fields = split(line, p.opt.delimiter);
    if (header_pending) {
      for (std::string_view f : fields) p.names.emplace_back(f);
      set_columns(p, static_cast<int64_t>(fields.size()), line_no);
      header_pending = false;
      continue;
    }
    add_row(p, fields, line_no);
  }
  JOULE_CHECK(p.ncols >= 0, "read_csv: ", p.path, ": file is empty");
  JOULE_CHECK(!p.labels.empty(), "read_csv: ", p.path, ": no data rows after the header");
}

}  // namespace

Dataset read_csv(const std::string& path, const CsvOptions& opt) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  JOULE_CHECK(in.is_open(), "read_csv: ", path, ": cannot open: ",
              errno ? std::strerror(errno) : "unknown error");
  CsvParse p{path, opt};
  read_lines(p, in);
  JOULE_CHECK(!in.bad(), "read_csv: ", path, ": read error");

  const auto n = static_cast<int64_t>(p.labels.size());
  const int64_t d = p.ncols - 1;
  Dataset ds;
  ds.features = Tensor::from_vector(p.features, Shape{n, d});
  ds.labels = Tensor::labels(p.labels);
  ds.sample_shape = Shape{d};
  ds.num_classes = 1 + *std::max_element(p.labels.begin(), p.labels.end());
  return ds;
}

}  // namespace joule::data
