#include "joule/datadiet/score_file.h"

#include <algorithm>
#include <filesystem>

#include "joule/io/hdf5_util.h"

namespace joule::datadiet {

namespace h5 = io::h5;

namespace {

constexpr const char* kFormat = "joule-scores";
constexpr int64_t kVersion = 1;
constexpr const char* kCostAttrs[] = {"joules", "seconds", "energy_source", "energy_kind"};

bool is_cost_attr(const std::string& name) {
  return std::find_if(std::begin(kCostAttrs), std::end(kCostAttrs),
                      [&](const char* a) { return name == a; }) != std::end(kCostAttrs);
}

// Opens `path` and checks that it is a score file this version reads.
h5::File open_score_file(const std::string& path, const char* who) {
  h5::File file = h5::open_file_readonly(path, who);
  h5::Group root = h5::open_root(file);
  const std::string format =
      h5::has_attr(root, "format") ? h5::read_attr_string(root, "format") : std::string("none");
  JOULE_CHECK(format == kFormat, who, ": ", path, " is not a score file (format '", format,
              "', expected '", kFormat, "')");
  const int64_t version = h5::read_attr_int(root, "version");
  JOULE_CHECK(version <= kVersion, who, ": ", path, " has score-file version ", version,
              "; this build reads up to ", kVersion);
  return file;
}

std::vector<std::string> methods_in(hid_t file) {
  if (!h5::has_link(file, "scores")) return {};
  h5::Group g = h5::open_group(file, "scores");
  return h5::link_names(g);
}

Scores read_one(hid_t file, const std::string& method) {
  h5::Group g = h5::open_group(file, "scores");
  h5::Dataset d = h5::open_dataset(g, method);
  const h5::ArrayInfo info = h5::array_info(d);
  JOULE_CHECK(info.dims.size() == 1 && info.type_class == H5T_FLOAT, "load_scores: /scores/",
              method, " must be a 1-D float array, got ", info.str());
  Scores s;
  s.method = method;
  s.values.resize(static_cast<size_t>(info.numel()));
  h5::read_array(d, H5T_NATIVE_FLOAT, s.values.data());
  s.joules = h5::read_attr_double(d, "joules");
  s.seconds = h5::read_attr_double(d, "seconds");
  s.energy_source = h5::read_attr_string(d, "energy_source");
  s.energy_kind = h5::read_attr_string(d, "energy_kind");
  for (const std::string& name : h5::attr_names(d))
    if (!is_cost_attr(name)) s.recipe.emplace_back(name, h5::read_attr_string(d, name));
  return s;
}

void write_one(hid_t scores_group, const Scores& s) {
  const std::vector<int64_t> dims{static_cast<int64_t>(s.values.size())};
  h5::Dataset d = h5::write_array(scores_group, s.method, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, dims,
                                  s.values.data());
  h5::write_attr_double(d, "joules", s.joules);
  h5::write_attr_double(d, "seconds", s.seconds);
  h5::write_attr_string(d, "energy_source", s.energy_source);
  h5::write_attr_string(d, "energy_kind", s.energy_kind);
  for (const auto& [k, v] : s.recipe) {
    JOULE_CHECK(!is_cost_attr(k), "save_scores: recipe entry '", k, "' clashes with a cost "
                "attribute");
    h5::write_attr_string(d, k, v);
  }
}

}  // namespace

void save_scores(const std::string& path, const Scores& scores) {
  JOULE_CHECK(!scores.method.empty() && scores.method.find('/') == std::string::npos,
              "save_scores: method name '", scores.method, "' cannot name a dataset");
  h5::Quiet quiet;
  std::vector<Scores> all;
  if (std::filesystem::exists(path)) {
    h5::File file = open_score_file(path, "save_scores");
    for (const std::string& m : methods_in(file))
      if (m != scores.method) all.push_back(read_one(file, m));
  }
  all.push_back(scores);
  h5::write_file_atomically(path, [&](hid_t root) {
    h5::write_attr_string(root, "format", kFormat);
    h5::write_attr_int(root, "version", kVersion);
    h5::Group g = h5::create_group(root, "scores");
    for (const Scores& s : all) write_one(g, s);
  });
}

std::vector<std::string> score_methods(const std::string& path) {
  h5::Quiet quiet;
  h5::File file = open_score_file(path, "score_methods");
  return methods_in(file);
}

Scores load_scores(const std::string& path, const std::string& method) {
  h5::Quiet quiet;
  h5::File file = open_score_file(path, "load_scores");
  const std::vector<std::string> methods = methods_in(file);
  if (std::find(methods.begin(), methods.end(), method) == methods.end()) {
    std::string have;
    for (const auto& m : methods) have += (have.empty() ? "" : ", ") + m;
    JOULE_CHECK(false, "load_scores: ", path, " holds no scores for '", method, "' (has: ",
                have.empty() ? "none" : have, ")");
  }
  return read_one(file, method);
}

}  // namespace joule::datadiet
