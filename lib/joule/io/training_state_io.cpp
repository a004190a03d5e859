#include "joule/io/training_state_io.h"

#include <algorithm>
#include <bit>
#include <set>

#include "joule/io/hdf5_util.h"

namespace joule::io::detail {

namespace {

using energy::EpochRecord;

// /training's own attributes; free text attributes may not take these names.
const char* const kReserved[] = {"epoch", "step", "scheduler_step"};

bool is_reserved(const std::string& name) {
  return std::find(std::begin(kReserved), std::end(kReserved), name) != std::end(kReserved);
}

// One float64 column of /energy: its dataset name and the field it holds.
struct Column {
  const char* name;
  double* (*field)(EpochRecord&);
};

// Every double of EpochRecord, in the order of the struct. epoch (int64) and the text fields
// (sources, kinds) are written apart.
const Column kColumns[] = {
    {"loss", [](EpochRecord& e) { return &e.loss; }},
    {"train_acc", [](EpochRecord& e) { return &e.train_acc; }},
    {"val_acc", [](EpochRecord& e) { return &e.val_acc; }},
    {"test_acc", [](EpochRecord& e) { return &e.test_acc; }},
    {"lr", [](EpochRecord& e) { return &e.lr; }},
    {"train_s", [](EpochRecord& e) { return &e.train_s; }},
    {"eval_s", [](EpochRecord& e) { return &e.eval_s; }},
    {"train_seconds", [](EpochRecord& e) { return &e.train.seconds; }},
    {"train_cpu_j", [](EpochRecord& e) { return &e.train.joules.cpu_j; }},
    {"train_dram_j", [](EpochRecord& e) { return &e.train.joules.dram_j; }},
    {"train_gpu_j", [](EpochRecord& e) { return &e.train.joules.gpu_j; }},
    {"eval_seconds", [](EpochRecord& e) { return &e.eval.seconds; }},
    {"eval_cpu_j", [](EpochRecord& e) { return &e.eval.joules.cpu_j; }},
    {"eval_dram_j", [](EpochRecord& e) { return &e.eval.joules.dram_j; }},
    {"eval_gpu_j", [](EpochRecord& e) { return &e.eval.joules.gpu_j; }},
    {"cumulative_j", [](EpochRecord& e) { return &e.cumulative_joules; }},
    {"emissions_g", [](EpochRecord& e) { return &e.emissions_g; }},
};

void write_doubles(hid_t group, const std::string& name, const std::vector<double>& v) {
  h5::write_array(group, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                  {static_cast<int64_t>(v.size())}, v.data());
}

void write_energy(hid_t root, std::vector<EpochRecord> history) {
  h5::Group g = h5::create_group(root, "energy");
  const size_t n = history.size();
  std::vector<int64_t> epochs(n);
  for (size_t i = 0; i < n; ++i) epochs[i] = history[i].epoch;
  h5::write_array(g, "epoch", H5T_STD_I64LE, H5T_NATIVE_INT64, {static_cast<int64_t>(n)},
                  epochs.data());
  std::vector<double> v(n);
  for (const Column& c : kColumns) {
    for (size_t i = 0; i < n; ++i) v[i] = *c.field(history[i]);
    write_doubles(g, c.name, v);
  }
  // Totals for readers of the file; load_checkpoint recomputes them from the parts.
  for (size_t i = 0; i < n; ++i) v[i] = history[i].train.total_j();
  write_doubles(g, "train_j", v);
  for (size_t i = 0; i < n; ++i) v[i] = history[i].eval.total_j();
  write_doubles(g, "eval_j", v);

  std::vector<std::string> train_source, eval_source, train_kind, eval_kind;
  for (const EpochRecord& e : history) {
    train_source.push_back(e.train.source);
    eval_source.push_back(e.eval.source);
    train_kind.push_back(e.train.kind());
    eval_kind.push_back(e.eval.kind());
  }
  h5::write_attr_strings(g, "train_source", train_source);
  h5::write_attr_strings(g, "eval_source", eval_source);
  h5::write_attr_strings(g, "train_kind", train_kind);
  h5::write_attr_strings(g, "eval_kind", eval_kind);
}

// Opens the 1-D column `name` of /energy and checks that it has n rows.
h5::Dataset open_column(hid_t group, const std::string& name, size_t n) {
  h5::Dataset d = h5::open_dataset(group, name);
  const h5::ArrayInfo info = h5::array_info(d);
  JOULE_CHECK(info.dims == std::vector<int64_t>{static_cast<int64_t>(n)} &&
                  (info.type_class == H5T_FLOAT || info.is_integer()),
              h5::describe({group, name}), " should be [", n,
              "] numbers (one per epoch), found ", info.str());
  return d;
}

std::vector<EpochRecord> read_energy(hid_t root) {
  if (!h5::has_link(root, "energy")) return {};
  h5::Group g = h5::open_group(root, "energy");
  h5::Dataset epoch = h5::open_dataset(g, "epoch");
  const h5::ArrayInfo info = h5::array_info(epoch);
  JOULE_CHECK(info.dims.size() == 1 && info.is_integer(), h5::describe({g, "epoch"}),
              " should be 1-D integers, found ", info.str());
  const size_t n = static_cast<size_t>(info.dims[0]);
  std::vector<EpochRecord> history(n);
  std::vector<int64_t> epochs(n);
  h5::read_array(epoch, H5T_NATIVE_INT64, epochs.data());
  for (size_t i = 0; i < n; ++i) history[i].epoch = epochs[i];
  std::vector<double> v(n);
  for (const Column& c : kColumns) {
    h5::read_array(open_column(g, c.name, n), H5T_NATIVE_DOUBLE, v.data());
    for (size_t i = 0; i < n; ++i) *c.field(history[i]) = v[i];
  }
  // Text, one entry per epoch.
  auto strings = [&](const char* name) {
    std::vector<std::string> s = h5::read_attr_strings(g, name);
    JOULE_CHECK(s.size() == n, "attribute '", name, "' of ", h5::describe({g}),
                " holds ", s.size(), " strings for ", n, " epochs");
    return s;
  };
  const std::vector<std::string> train_source = strings("train_source");
  const std::vector<std::string> eval_source = strings("eval_source");
  const std::vector<std::string> train_kind = strings("train_kind");
  const std::vector<std::string> eval_kind = strings("eval_kind");
  for (size_t i = 0; i < n; ++i) {
    history[i].train.source = train_source[i];
    history[i].eval.source = eval_source[i];
    history[i].train.measured = train_kind[i] == "measured";
    history[i].eval.measured = eval_kind[i] == "measured";
  }
  return history;
}

// A name that becomes an HDF5 link: non-empty, without '/', not "." or "..", not seen before.
void check_link_name(const std::string& name, std::set<std::string>& seen, const char* what) {
  JOULE_CHECK(!name.empty() && name.find('/') == std::string::npos && name != "." && name != "..",
              what, " name '", name,
              "' cannot name an HDF5 dataset (empty, '.', '..' or holding '/')");
  JOULE_CHECK(seen.insert(name).second, "two ", what, "s are named '", name, "'");
}

void write_generators(hid_t training, const TrainingState& state) {
  h5::Group rng = h5::create_group(training, "rng");
  std::set<std::string> seen;
  for (const auto& [name, st] : state.generators) {
    check_link_name(name, seen, "generator");
    const uint64_t words[6] = {st.s[0], st.s[1], st.s[2], st.s[3], st.has_spare ? 1u : 0u,
                               std::bit_cast<uint32_t>(st.spare)};
    h5::write_array(rng, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, {6}, words);
  }
}

std::vector<std::pair<std::string, Generator::State>> read_generators(hid_t training) {
  std::vector<std::pair<std::string, Generator::State>> out;
  if (!h5::has_link(training, "rng")) return out;
  h5::Group rng = h5::open_group(training, "rng");
  for (const std::string& name : h5::link_names(rng)) {
    h5::Dataset d = h5::open_dataset(rng, name);
    const h5::ArrayInfo info = h5::array_info(d);
    JOULE_CHECK(info.dims == std::vector<int64_t>{6} && info.is_integer(),
                h5::describe({rng, name}),
                " should be uint64 [6] (s0..s3, has_spare, spare bits), found ", info.str());
    uint64_t w[6];
    h5::read_array(d, H5T_NATIVE_UINT64, w);
    Generator::State st{{w[0], w[1], w[2], w[3]}, w[4] != 0,
                        std::bit_cast<float>(static_cast<uint32_t>(w[5]))};
    out.emplace_back(name, st);
  }
  return out;
}

}  // namespace

void write_training_state(hid_t root, const TrainingState& state) {
  h5::Group g = h5::create_group(root, "training");
  h5::write_attr_int(g, "epoch", state.epoch);
  h5::write_attr_int(g, "step", state.step);
  h5::write_attr_int(g, "scheduler_step", state.scheduler_step);
  std::set<std::string> seen;
  for (const auto& [name, value] : state.attributes) {
    JOULE_CHECK(!name.empty() && !is_reserved(name), "attribute name '", name,
                "' is empty or reserved (epoch, step, scheduler_step)");
    JOULE_CHECK(seen.insert(name).second, "two attributes are named '", name, "'");
    h5::write_attr_string(g, name, value);
  }
  write_generators(g, state);
  if (!state.energy_history.empty()) write_energy(root, state.energy_history);
}

TrainingState read_training_state(hid_t root) {
  TrainingState state;
  h5::Group g = h5::open_group(root, "training");
  state.epoch = h5::read_attr_int(g, "epoch");
  state.step = h5::read_attr_int(g, "step");
  state.scheduler_step = h5::read_attr_int(g, "scheduler_step");
  // Free text: every other single-string attribute (one added by hand in h5py counts too).
  for (const std::string& name : h5::attr_names(g)) {
    if (is_reserved(name) || !h5::attr_is_string(g, name)) continue;
    std::vector<std::string> text = h5::read_attr_strings(g, name);
    if (text.size() == 1) state.attributes.emplace_back(name, text.front());
  }
  state.generators = read_generators(g);
  state.energy_history = read_energy(root);
  return state;
}

}  // namespace joule::io::detail
