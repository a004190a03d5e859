// load_checkpoint: opens and validates the file, stages every change (model tensors here, the
// optimizer in optimizer_io.cpp, the training state in training_state_io.cpp), and only when
// nothing is left to object to, applies them.
#include <set>

#include "joule/autograd/grad_mode.h"
#include "joule/io/checkpoint.h"
#include "joule/io/hdf5_util.h"
#include "joule/io/optimizer_io.h"
#include "joule/io/tensor_io.h"
#include "joule/io/training_state_io.h"

namespace joule::io {

namespace {

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) s.append(i ? sep : "").append(items[i]);
  return s;
}

// Opens `path` and checks that it is a checkpoint this build reads.
h5::File open_checkpoint(const std::string& path) {
  h5::File file = h5::open_file_readonly(path, "load_checkpoint");
  h5::Group root = h5::open_root(file);
  JOULE_CHECK(h5::has_attr(root, "format") && h5::attr_is_string(root, "format"),
              "load_checkpoint: ", path, " is an HDF5 file but not a Joule checkpoint: it has no "
              "'format' attribute");
  const std::string format = h5::read_attr_string(root, "format");
  JOULE_CHECK(format == kCheckpointFormat, "load_checkpoint: ", path,
              " is not a Joule checkpoint: its format is '", format, "', expected '",
              kCheckpointFormat, "'");
  const int64_t version = h5::read_attr_int(root, "version");
  const char* newer = version > kCheckpointVersion ? " (written by a newer Joule)" : "";
  JOULE_CHECK(version >= 1 && version <= kCheckpointVersion, "load_checkpoint: ", path,
              " has layout version ", version, "; this build reads versions 1 to ",
              kCheckpointVersion, newer);
  return file;
}

struct Copy {
  Tensor dst, src;
};

// Reads every /model dataset that fits a model tensor; records the rest in `report` and, as
// strict loading sees them, in `problems`.
std::vector<Copy> stage_model(hid_t root, const nn::Module& model, LoadReport& report,
                              std::vector<std::string>& problems) {
  h5::Group g = h5::open_group(root, "model");
  const std::vector<std::string> names = h5::link_names(g);
  const std::set<std::string> in_file(names.begin(), names.end());
  std::set<std::string> wanted;
  std::vector<Copy> copies;
  for (const auto& [name, t] : model.state()) {
    if (!t.defined()) continue;  // an unset optional buffer: nothing to load into
    wanted.insert(name);
    const std::string expected = detail::tensor_str(t.shape(), t.dtype());
    if (!in_file.count(name)) {
      report.missing.push_back(name);
      problems.push_back("'" + name + "' is missing from the checkpoint (model " + expected + ")");
      continue;
    }
    h5::Dataset d = h5::open_dataset(g, name);
    const h5::ArrayInfo info = h5::array_info(d);
    if (!detail::fits(info, t.shape(), t.dtype())) {
      const std::string why = "model " + expected + ", checkpoint " + info.str();
      report.mismatched.push_back(name);
      report.mismatch_details.push_back(why);
      problems.push_back("'" + name + "' has another shape or dtype: " + why);
      continue;
    }
    copies.push_back({t, detail::read_tensor(d, t.shape(), t.dtype())});
    report.loaded.push_back(name);
  }
  for (const std::string& name : names) {
    if (wanted.count(name)) continue;
    report.unexpected.push_back(name);
    problems.push_back("'" + name + "' is in the checkpoint but not in the model");
  }
  return copies;
}

}  // namespace

std::string LoadReport::str() const {
  auto part = [](const char* what, const std::vector<std::string>& names) {
    std::string s = std::string(what) + " " + std::to_string(names.size());
    return names.empty() ? s : s + ": " + join(names, ", ");
  };
  std::vector<std::string> details;
  for (size_t i = 0; i < mismatched.size(); ++i)
    details.push_back(mismatched[i] +
                      (i < mismatch_details.size() ? " (" + mismatch_details[i] + ")" : ""));
  return part("loaded", loaded) + "; " + part("missing", missing) + "; " +
         part("unexpected", unexpected) + "; " + part("mismatched", details);
}

LoadReport load_checkpoint(const std::string& path, nn::Module& model, optim::Optimizer* optimizer,
                           TrainingState* state, const LoadOptions& options) {
  h5::Quiet quiet;
  h5::File file = open_checkpoint(path);

  // Stage: read everything that will change, so that an error changes nothing.
  LoadReport report;
  std::vector<std::string> problems;
  std::vector<Copy> copies;
  detail::OptimizerPlan plan;
  TrainingState training;
  try {
    h5::Group root = h5::open_root(file);
    copies = stage_model(root, model, report, problems);
    if (optimizer && options.load_optimizer)
      plan = detail::stage_optimizer(root, *optimizer, model, options.strict, report, problems);
    if (state) training = detail::read_training_state(root);
  } catch (const Error& e) {
    throw Error("load_checkpoint: cannot read " + path + ": " + e.what());
  }
  JOULE_CHECK(!options.strict || problems.empty(), "load_checkpoint: ", path,
              " does not match (strict): ", join(problems, "; "),
              ". LoadOptions{.strict = false} loads what matches and reports the rest");

  // Apply.
  {
    NoGradGuard no_grad;
    for (const Copy& c : copies) {
      Tensor dst = c.dst;
      dst.copy_(c.src.to(dst.device()));
    }
  }
  model.state_loaded();
  if (optimizer && options.load_optimizer) detail::apply(plan, *optimizer);
  if (state) *state = std::move(training);
  return report;
}

}  // namespace joule::io
