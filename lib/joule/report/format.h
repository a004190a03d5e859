// Text helpers the report formats share: numbers that read back exactly, CSV rows, YAML
// strings, timestamps. Internal to report/ (the formats' own headers are the interface).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace joule::report::detail {

// The shortest text that reads back as exactly `v` ("0.1", "1e-05", "nan"), as Python's repr.
std::string num(double v);
std::string num(int64_t v);

// A CSV field: quoted, with quotes doubled, when it holds a comma, quote or line break.
std::string csv_field(const std::string& s);
// The fields joined with commas, ending with '\n'.
std::string csv_row(const std::vector<std::string>& fields);

// A YAML double-quoted scalar: every string survives, whatever characters it holds.
std::string yaml_str(const std::string& s);
// Text for XML, SVG and HTML, in content and in quoted attributes: & < > " ' escaped.
std::string xml_escape(const std::string& s);

// Unix time now, in milliseconds.
int64_t now_ms();
// CodeCarbon's timestamp: local time, "%Y-%m-%dT%H:%M:%S", no zone.
std::string local_timestamp(int64_t ms);

// All of `path` ("" when it cannot be read).
std::string read_file(const std::string& path);

}  // namespace joule::report::detail
