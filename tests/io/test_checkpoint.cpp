#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "datasets/hdf5.h"
#include "joule/io/checkpoint.h"
#include "joule/nn/activation.h"
#include "joule/nn/linear.h"
#include "joule/nn/sequential.h"
#include "joule/ops/loss.h"
#include "joule/optim/adam.h"
#include "joule/optim/sgd.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using namespace joule;
using io::LoadOptions;
using io::LoadReport;
using io::TrainingState;
using test::error_of;
using test::expect_has;

// Buffers as layers keep them: running statistics (float32), a pruning mask (int64) and a
// scalar count (0-d).
class Stats : public nn::Module {
 public:
  explicit Stats(int64_t n, float seed_value) {
    running_mean_ = register_buffer("running_mean", Tensor::full({n}, seed_value));
    mask_ = register_buffer("mask", Tensor::from_vector(std::vector<int64_t>(static_cast<size_t>(n),
                                                                             int64_t(seed_value)),
                                                        Shape{n}));
    count_ = register_buffer("count", Tensor::scalar(seed_value * 2));
  }
  Tensor forward(const Tensor& x) override { return x; }
  std::string repr() const override { return "Stats()"; }

 private:
  Tensor running_mean_, mask_, count_;
};

// Linear(4, hidden) -> ReLU -> Linear(hidden, out) -> Stats(out) [-> ReLU -> Linear(out, extra)]
std::shared_ptr<nn::Sequential> make_model(uint64_t seed, int64_t hidden = 5, int64_t out = 3,
                                           int64_t extra = 0) {
  Generator gen(seed);
  auto m = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(4, hidden, gen),
                                            std::make_shared<nn::ReLU>(),
                                            std::make_shared<nn::Linear>(hidden, out, gen),
                                            std::make_shared<Stats>(out, float(seed % 7) + 1));
  if (extra > 0) {
    m->push_back(std::make_shared<nn::ReLU>());
    m->push_back(std::make_shared<nn::Linear>(out, extra, gen));
  }
  return m;
}

// `steps` optimizer steps on a fixed random batch (so momentum / Adam moments exist).
void train(nn::Module& model, optim::Optimizer& opt, int steps) {
  Generator gen(7);
  Tensor x = Tensor::randn({8, 4}, gen);
  Tensor y = Tensor::labels({0, 1, 2, 0, 1, 2, 0, 1});
  for (int i = 0; i < steps; ++i) {
    opt.zero_grad();
    cross_entropy(model(x), y).backward();
    opt.step();
  }
}

energy::EpochRecord epoch_energy(int64_t epoch, const char* source, bool measured) {
  energy::EpochRecord e;
  e.epoch = epoch;
  e.loss = 1.0 / 3 + epoch;
  e.train_acc = 50.125 + epoch;
  e.val_acc = -1;
  e.test_acc = 80.5 + epoch / 7.0;
  e.lr = 0.05 / epoch;
  e.train_s = 1.1 * epoch;
  e.eval_s = 0.2;
  e.train = {1.05 * epoch, {10.0 / 3, 2.5, 0.1}, source, measured};
  e.eval = {0.19, {1.0 / 7, 0.25, 0}, source, measured};
  e.cumulative_joules = 17.0 / 3 * epoch;
  e.emissions_g = 0.001 / 3 * epoch;
  return e;
}

TrainingState make_state() {
  TrainingState st;
  st.epoch = 2;
  st.step = 14;
  st.scheduler_step = 3;
  Generator a(123), b(99);
  a.normal();  // leaves a spare normal cached
  b.next_u64();
  st.generators = {{"shuffle", a.state()}, {"dropout.0", b.state()}};
  st.energy_history = {epoch_energy(1, "rapl", true), epoch_energy(2, "rapl+estimate", false)};
  st.attributes = {{"recipe", "fashion_mlp --epochs 2"}, {"git", "abc123"}};
  return st;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  if (a.numel() == 0) return true;
  Tensor ac = a.contiguous(), bc = b.contiguous();
  return std::memcmp(ac.raw_data(), bc.raw_data(),
                     static_cast<size_t>(a.numel()) * element_size(a.dtype())) == 0;
}

void expect_same_model(const nn::Module& a, const nn::Module& b) {
  const nn::NamedTensors sa = a.state(), sb = b.state();
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].first, sb[i].first);
    EXPECT_TRUE(same_bytes(sa[i].second, sb[i].second)) << sa[i].first;
  }
}

void expect_same_optimizer(const optim::Optimizer& a, const optim::Optimizer& b) {
  ASSERT_EQ(a.param_groups().size(), b.param_groups().size());
  for (size_t g = 0; g < a.param_groups().size(); ++g) {
    const optim::ParamGroup &ga = a.param_groups()[g], &gb = b.param_groups()[g];
    EXPECT_EQ(ga.lr, gb.lr);
    EXPECT_EQ(ga.initial_lr, gb.initial_lr);
    EXPECT_EQ(ga.weight_decay, gb.weight_decay);
    ASSERT_EQ(ga.state.size(), gb.state.size());
    for (size_t i = 0; i < ga.state.size(); ++i) {
      EXPECT_EQ(ga.state[i].step, gb.state[i].step) << "param " << i;
      for (auto [x, y] : {std::pair{&ga.state[i].buf1, &gb.state[i].buf1},
                          std::pair{&ga.state[i].buf2, &gb.state[i].buf2}}) {
        ASSERT_EQ(x->defined(), y->defined()) << "param " << i;
        if (x->defined()) {
          EXPECT_TRUE(same_bytes(*x, *y)) << "param " << i;
        }
      }
    }
  }
}

void expect_same_state(const TrainingState& a, const TrainingState& b) {
  EXPECT_EQ(a.epoch, b.epoch);
  EXPECT_EQ(a.step, b.step);
  EXPECT_EQ(a.scheduler_step, b.scheduler_step);
  EXPECT_EQ(a.attributes, b.attributes);
  ASSERT_EQ(a.generators.size(), b.generators.size());
  for (size_t i = 0; i < a.generators.size(); ++i) {
    const auto &[na, sa] = a.generators[i];
    const auto &[nb, sb] = b.generators[i];
    EXPECT_EQ(na, nb);
    EXPECT_EQ(sa.s, sb.s);
    EXPECT_EQ(sa.has_spare, sb.has_spare);
    EXPECT_EQ(std::memcmp(&sa.spare, &sb.spare, sizeof(float)), 0);
  }
  ASSERT_EQ(a.energy_history.size(), b.energy_history.size());
  for (size_t i = 0; i < a.energy_history.size(); ++i) {
    const energy::EpochRecord &x = a.energy_history[i], &y = b.energy_history[i];
    EXPECT_EQ(x.epoch, y.epoch);
    for (auto [p, q] : {std::pair{x.loss, y.loss}, {x.train_acc, y.train_acc},
                        {x.val_acc, y.val_acc}, {x.test_acc, y.test_acc}, {x.lr, y.lr},
                        {x.train_s, y.train_s}, {x.eval_s, y.eval_s},
                        {x.train.seconds, y.train.seconds}, {x.eval.seconds, y.eval.seconds},
                        {x.train.joules.cpu_j, y.train.joules.cpu_j},
                        {x.train.joules.dram_j, y.train.joules.dram_j},
                        {x.train.joules.gpu_j, y.train.joules.gpu_j},
                        {x.eval.joules.cpu_j, y.eval.joules.cpu_j},
                        {x.eval.joules.dram_j, y.eval.joules.dram_j},
                        {x.eval.joules.gpu_j, y.eval.joules.gpu_j},
                        {x.cumulative_joules, y.cumulative_joules}, {x.emissions_g, y.emissions_g}})
      EXPECT_EQ(std::memcmp(&p, &q, sizeof(double)), 0) << "epoch " << i << ": " << p << " " << q;
    EXPECT_EQ(x.train.source, y.train.source);
    EXPECT_EQ(x.eval.source, y.eval.source);
    EXPECT_EQ(x.train.measured, y.train.measured);
    EXPECT_EQ(x.eval.measured, y.eval.measured);
  }
}

std::vector<std::string> temp_files(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp.") != std::string::npos)
      out.push_back(e.path().string());
  return out;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs a shell command with its output in `out`; returns the exit status.
int run(const std::string& command, const std::string& out) {
  return std::system((command + " > '" + out + "' 2>&1").c_str());
}

bool have_h5py() {
  return fs::exists("/usr/bin/python3") &&
         std::system("/usr/bin/python3 -c 'import h5py' > /dev/null 2>&1") == 0;
}

class Checkpoint : public ::testing::Test {
 protected:
  std::string file(const std::string& name) const { return tmp_.file(name); }
  std::string tmp_write(const std::string& name, const std::string& bytes) const {
    return tmp_.write(name, bytes);
  }
  const fs::path& dir() const { return tmp_.path(); }
  // Runs `script` with /usr/bin/python3 and the arguments; returns its output, failing the test
  // when it exits non-zero.
  std::string python(const std::string& script, const std::string& args) const {
    const std::string py = tmp_.write("script.py", script), out = file("python.out");
    const int rc = run("/usr/bin/python3 '" + py + "' " + args, out);
    const std::string text = read_bytes(out);
    EXPECT_EQ(rc, 0) << text;
    return text;
  }

 private:
  test::TempDir tmp_{"joule_checkpoint_test"};
};

// ---- round trips ---------------------------------------------------------------------------

TEST_F(Checkpoint, RoundTripIsBitExact) {
  auto model = make_model(1);
  optim::SGD opt(model->parameters(), {.lr = 0.1, .momentum = 0.9, .weight_decay = 1e-4});
  train(*model, opt, 2);
  opt.param_groups()[0].lr = 0.0375;  // as a schedule leaves it
  const TrainingState state = make_state();
  const std::string path = file("ckpt.h5");
  io::save_checkpoint(path, *model, &opt, state);
  EXPECT_TRUE(temp_files(dir()).empty());

  auto fresh = make_model(2);
  optim::SGD fresh_opt(fresh->parameters(), {.lr = 0.5, .momentum = 0.9});
  const Tensor handle = fresh->parameter("0.weight");
  TrainingState loaded;
  const LoadReport report = io::load_checkpoint(path, *fresh, &fresh_opt, &loaded);

  expect_same_model(*model, *fresh);
  expect_same_optimizer(opt, fresh_opt);
  expect_same_state(state, loaded);
  EXPECT_TRUE(handle.same(fresh->parameter("0.weight")));  // copied into, not replaced
  EXPECT_TRUE(same_bytes(handle, model->parameter("0.weight")));
  EXPECT_EQ(report.loaded.size(), model->state().size() + opt.param_groups()[0].params.size());
  EXPECT_TRUE(report.missing.empty() && report.unexpected.empty() && report.mismatched.empty())
      << report.str();

  // A restored generator continues the sequence of the saved one.
  Generator original(123), restored(0);
  original.normal();
  restored.set_state(loaded.generators[0].second);
  EXPECT_EQ(original.normal(), restored.normal());
  EXPECT_EQ(original.next_u64(), restored.next_u64());
}

TEST_F(Checkpoint, AdamResumeMatchesUninterruptedRun) {
  auto model = make_model(3);
  optim::AdamW opt(model->parameters(), optim::AdamWOptions{});
  train(*model, opt, 3);
  const std::string path = file("adam.h5");
  io::save_checkpoint(path, *model, &opt, TrainingState{});

  auto resumed = make_model(4);
  optim::AdamW resumed_opt(resumed->parameters(), optim::AdamWOptions{});
  TrainingState st;
  io::load_checkpoint(path, *resumed, &resumed_opt, &st);
  expect_same_optimizer(opt, resumed_opt);
  EXPECT_TRUE(st.energy_history.empty() && st.generators.empty() && st.attributes.empty());
  train(*model, opt, 2);
  train(*resumed, resumed_opt, 2);
  expect_same_model(*model, *resumed);
}

TEST_F(Checkpoint, LoadsWithoutOptimizerOrState) {
  auto model = make_model(1);
  const std::string path = file("model_only.h5");
  io::save_checkpoint(path, *model, nullptr, TrainingState{});
  auto fresh = make_model(2);
  io::load_checkpoint(path, *fresh, nullptr, nullptr);
  expect_same_model(*model, *fresh);
  // An optimizer asked for but not saved: strict says so; load_optimizer = false does not ask.
  optim::SGD opt(fresh->parameters(), {.lr = 0.1});
  expect_has(error_of([&] { io::load_checkpoint(path, *fresh, &opt, nullptr); }),
             "holds no optimizer state");
  io::load_checkpoint(path, *fresh, &opt, nullptr, {.strict = true, .load_optimizer = false});
}

// ---- strict errors -------------------------------------------------------------------------

TEST_F(Checkpoint, StrictNamesMissingTensorAndChangesNothing) {
  auto model = make_model(1);
  const std::string path = file("ckpt.h5");
  io::save_checkpoint(path, *model, nullptr, TrainingState{});
  auto bigger = make_model(2, 5, 3, /*extra=*/2);
  const Tensor before = bigger->parameter("0.weight").clone();
  const std::string msg = error_of([&] { io::load_checkpoint(path, *bigger, nullptr, nullptr); });
  expect_has(msg, path);
  expect_has(msg, "'5.weight' is missing from the checkpoint (model [2, 3] float32)");
  expect_has(msg, "'5.bias' is missing");
  EXPECT_TRUE(same_bytes(before, bigger->parameter("0.weight")));  // nothing loaded
}

TEST_F(Checkpoint, StrictNamesMisShapedTensorWithBothShapes) {
  auto model = make_model(1);
  const std::string path = file("ckpt.h5");
  io::save_checkpoint(path, *model, nullptr, TrainingState{});
  auto wider = make_model(2, /*hidden=*/6);
  const std::string msg = error_of([&] { io::load_checkpoint(path, *wider, nullptr, nullptr); });
  expect_has(msg, "'0.weight' has another shape or dtype: "
                  "model [6, 4] float32, checkpoint [5, 4] float32");
  expect_has(msg, "'2.weight' has another shape or dtype: "
                  "model [3, 6] float32, checkpoint [3, 5] float32");
  expect_has(msg, "LoadOptions{.strict = false}");
}

TEST_F(Checkpoint, StrictNamesUnexpectedTensor) {
  auto model = make_model(1, 5, 3, /*extra=*/2);
  const std::string path = file("ckpt.h5");
  io::save_checkpoint(path, *model, nullptr, TrainingState{});
  auto smaller = make_model(2);
  expect_has(error_of([&] { io::load_checkpoint(path, *smaller, nullptr, nullptr); }),
             "'5.weight' is in the checkpoint but not in the model");
}

TEST_F(Checkpoint, StrictOptimizerTypeMismatch) {
  auto model = make_model(1);
  optim::SGD sgd(model->parameters(), {.lr = 0.1, .momentum = 0.9});
  train(*model, sgd, 1);
  const std::string path = file("ckpt.h5");
  io::save_checkpoint(path, *model, &sgd, TrainingState{});
  optim::Adam adam(model->parameters(), optim::AdamOptions{});
  expect_has(error_of([&] { io::load_checkpoint(path, *model, &adam, nullptr); }),
             "the optimizer is Adam, the checkpoint's SGD");
}

// ---- non-strict (transfer learning) ----------------------------------------------------------

TEST_F(Checkpoint, NonStrictLoadsMatchesAndReportsTheRest) {
  auto source = make_model(1);  // 0: Linear(4, 5), 2: Linear(5, 3), 3: Stats(3)
  optim::SGD source_opt(source->parameters(), {.lr = 0.1, .momentum = 0.9});
  train(*source, source_opt, 2);
  const std::string path = file("ckpt.h5");
  io::save_checkpoint(path, *source, &source_opt, make_state());

  // A new head (2: Linear(5, 7)), different statistics (3: Stats(7)) and an extra layer (5).
  auto target = make_model(2, 5, 7, /*extra=*/2);
  optim::SGD target_opt(target->parameters(), {.lr = 0.1, .momentum = 0.9});
  const Tensor head_before = target->parameter("2.weight").clone();
  TrainingState st;
  const LoadReport r =
      io::load_checkpoint(path, *target, &target_opt, &st, {.strict = false});

  const std::vector<std::string> loaded = {"0.weight", "0.bias", "3.count", "optimizer:0.weight",
                                           "optimizer:0.bias"};
  const std::vector<std::string> missing = {"5.weight", "5.bias", "optimizer:5.weight",
                                            "optimizer:5.bias"};
  const std::vector<std::string> mismatched = {
      "2.weight", "2.bias", "3.running_mean", "3.mask", "optimizer:2.weight", "optimizer:2.bias"};
  EXPECT_EQ(r.loaded, loaded) << r.str();
  EXPECT_EQ(r.missing, missing) << r.str();
  EXPECT_EQ(r.mismatched, mismatched) << r.str();
  EXPECT_TRUE(r.unexpected.empty()) << r.str();
  ASSERT_EQ(r.mismatch_details.size(), r.mismatched.size());
  EXPECT_EQ(r.mismatch_details[0], "model [7, 5] float32, checkpoint [3, 5] float32");
  EXPECT_EQ(r.mismatch_details[3], "model [7] int64, checkpoint [3] int64");
  expect_has(r.str(), "loaded 5: 0.weight, 0.bias, 3.count, optimizer:0.weight, optimizer:0.bias");
  expect_has(r.str(), "2.weight (model [7, 5] float32, checkpoint [3, 5] float32)");

  EXPECT_TRUE(same_bytes(target->parameter("0.weight"), source->parameter("0.weight")));
  EXPECT_TRUE(same_bytes(target->parameter("2.weight"), head_before));  // left as it was
  EXPECT_TRUE(same_bytes(target_opt.param_groups()[0].state[0].buf1,
                         source_opt.param_groups()[0].state[0].buf1));
  EXPECT_EQ(target_opt.param_groups()[0].state[0].step, 2);
  EXPECT_FALSE(target_opt.param_groups()[0].state[2].buf1.defined());  // 2.weight: mismatched
  EXPECT_EQ(st.epoch, 2);

  // The other way round: what the smaller model lacks is unexpected.
  auto small = make_model(3, 5, 3);
  const LoadReport back = io::load_checkpoint(file("ckpt.h5"), *small, nullptr, nullptr,
                                              {.strict = false});
  EXPECT_TRUE(back.unexpected.empty());
  io::save_checkpoint(file("big.h5"), *target, nullptr, TrainingState{});
  const LoadReport r2 =
      io::load_checkpoint(file("big.h5"), *small, nullptr, nullptr, {.strict = false});
  EXPECT_EQ(r2.unexpected, (std::vector<std::string>{"5.weight", "5.bias"})) << r2.str();
}

// ---- damaged files -------------------------------------------------------------------------

TEST_F(Checkpoint, MissingFileIsNamed) {
  auto model = make_model(1);
  const std::string path = file("nowhere.h5");
  expect_has(error_of([&] { io::load_checkpoint(path, *model, nullptr, nullptr); }),
             "load_checkpoint: no such file: " + path);
}

TEST_F(Checkpoint, RandomBytesAreNotAnHdf5File) {
  std::mt19937 rng(5);
  std::string junk(4096, '\0');
  for (char& c : junk) c = static_cast<char>(rng());
  const std::string path = tmp_write("junk.h5", junk);
  auto model = make_model(1);
  expect_has(error_of([&] { io::load_checkpoint(path, *model, nullptr, nullptr); }),
             "load_checkpoint: not an HDF5 file or truncated: " + path);
}

TEST_F(Checkpoint, TruncatedFileIsNamed) {
  auto model = make_model(1);
  optim::SGD opt(model->parameters(), {.lr = 0.1, .momentum = 0.9});
  train(*model, opt, 1);
  const std::string path = file("ckpt.h5");
  io::save_checkpoint(path, *model, &opt, make_state());
  const std::string bytes = read_bytes(path);
  const std::string cut = tmp_write("cut.h5", bytes.substr(0, bytes.size() / 2));
  const std::string msg = error_of([&] { io::load_checkpoint(cut, *model, nullptr, nullptr); });
  expect_has(msg, "load_checkpoint: not an HDF5 file or truncated: " + cut);
  expect_has(msg, "truncated");  // HDF5's own words: "truncated file: eof = ..."
}

TEST_F(Checkpoint, FlippedByteInATensorFailsItsChecksum) {
  auto model = make_model(1);
  const std::string path = file("ckpt.h5");
  io::save_checkpoint(path, *model, nullptr, TrainingState{});
  // The weights are stored verbatim (little-endian float32): find them and flip one bit.
  const Tensor w = model->parameter("2.weight");
  const std::string needle(static_cast<const char*>(w.raw_data()), 16);
  std::string bytes = read_bytes(path);
  const size_t at = bytes.find(needle);
  ASSERT_NE(at, std::string::npos);
  bytes[at + 5] = static_cast<char>(bytes[at + 5] ^ 0x10);
  tmp_write("ckpt.h5", bytes);
  auto fresh = make_model(2);
  const std::string msg = error_of([&] { io::load_checkpoint(path, *fresh, nullptr, nullptr); });
  expect_has(msg, "'/model/2.weight' in " + path);
  expect_has(msg, "checksum");
}

TEST_F(Checkpoint, OtherHdf5FileIsNotACheckpoint) {
  data::Dataset ds{Tensor::zeros({2, 3}), Tensor::labels({0, 1}), Shape{3}, 2};
  const std::string path = file("data.h5");
  data::write_hdf5_dataset(path, ds);
  auto model = make_model(1);
  expect_has(error_of([&] { io::load_checkpoint(path, *model, nullptr, nullptr); }),
             path + " is an HDF5 file but not a Joule checkpoint");
}

// ---- atomic writes -------------------------------------------------------------------------

TEST_F(Checkpoint, FailedSaveKeepsThePreviousCheckpoint) {
  auto model = make_model(1);
  const std::string path = file("last.h5");
  io::save_checkpoint(path, *model, nullptr, make_state());

  // Fails mid-write: the model is written, then a generator name HDF5 cannot hold.
  auto other = make_model(2);
  TrainingState bad = make_state();
  bad.generators.push_back({"a/b", Generator(1).state()});
  expect_has(error_of([&] { io::save_checkpoint(path, *other, nullptr, bad); }),
             "generator name 'a/b'");
  EXPECT_TRUE(temp_files(dir()).empty());
  auto check = make_model(3);
  io::load_checkpoint(path, *check, nullptr, nullptr);
  expect_same_model(*model, *check);

  // Fails at the rename: the destination is a folder that is not empty.
  const std::string folder = file("folder.h5");
  fs::create_directories(fs::path(folder) / "inside");
  expect_has(error_of([&] { io::save_checkpoint(folder, *other, nullptr, TrainingState{}); }),
             "cannot rename");
  EXPECT_TRUE(temp_files(dir()).empty());
  EXPECT_TRUE(fs::is_directory(fs::path(folder) / "inside"));
}

TEST_F(Checkpoint, StaleTempFileOfACrashedWriterIsHarmless) {
  auto model = make_model(1);
  const std::string path = file("last.h5");
  io::save_checkpoint(path, *model, nullptr, TrainingState{});
  tmp_write("last.h5.tmp.99999", "half a checkpoint");  // a writer killed mid-write
  auto check = make_model(2);
  io::load_checkpoint(path, *check, nullptr, nullptr);
  expect_same_model(*model, *check);
  io::save_checkpoint(path, *check, nullptr, TrainingState{});  // and saving still works
}

// ---- read without Joule ----------------------------------------------------------------------

TEST_F(Checkpoint, H5dumpListsTheLayout) {
  if (!fs::exists("/usr/bin/h5dump")) GTEST_SKIP() << "h5dump not installed (hdf5-tools)";
  auto model = make_model(1);
  optim::SGD opt(model->parameters(), {.lr = 0.1, .momentum = 0.9});
  train(*model, opt, 1);
  const std::string path = file("ckpt.h5");
  io::save_checkpoint(path, *model, &opt, make_state());
  const std::string out = file("h5dump.txt");
  ASSERT_EQ(run("/usr/bin/h5dump -H '" + path + "'", out), 0) << read_bytes(out);
  const std::string text = read_bytes(out);
  for (const char* part :
       {"GROUP \"model\"", "DATASET \"0.weight\"", "SIMPLE { ( 5, 4 ) / ( 5, 4 ) }",
        "DATASET \"3.mask\"", "H5T_STD_I64LE", "GROUP \"optimizer\"",
        "GROUP \"group0\"", "GROUP \"param0\"", "DATASET \"buf1\"", "GROUP \"training\"",
        "GROUP \"rng\"", "DATASET \"shuffle\"", "GROUP \"energy\"", "DATASET \"cumulative_j\""})
    expect_has(text, part);
  // -A adds the attributes' values.
  ASSERT_EQ(run("/usr/bin/h5dump -A '" + path + "'", out), 0) << read_bytes(out);
  const std::string attrs = read_bytes(out);
  for (const char* part : {"\"joule-checkpoint\"", "ATTRIBUTE \"version\"", "(0): 1",
                           "\"fashion_mlp --epochs 2\"", "\"SGD\"", "ATTRIBUTE \"state_names\"",
                           "\"momentum_buffer\"", "ATTRIBUTE \"momentum\""})
    expect_has(attrs, part);
}

TEST_F(Checkpoint, H5pyReadsTheCheckpoint) {
  if (!have_h5py()) GTEST_SKIP() << "/usr/bin/python3 with h5py not available";
  auto model = make_model(1);
  const std::string path = file("ckpt.h5");
  io::save_checkpoint(path, *model, nullptr, make_state());
  const std::string out = python(R"(import sys, h5py
f = h5py.File(sys.argv[1], "r")
w = f["/model/0.weight"]
t = f["/training"].attrs
print("format=%s version=%d" % (f.attrs["format"], f.attrs["version"]))
print("shape=%s dtype=%s kind=%s" % (tuple(w.shape), w.dtype, w.attrs["kind"]))
print("first=%.9g" % w[0, 0])
print("epoch=%d step=%d recipe=%s" % (t["epoch"], t["step"], t["recipe"]))
print("rng=%s" % (f["/training/rng/shuffle"].shape,))
print("sources=%s" % ",".join(f["/energy"].attrs["train_source"]))
)", "'" + path + "'");
  expect_has(out, "format=joule-checkpoint version=1");
  expect_has(out, "shape=(5, 4) dtype=float32 kind=parameter");
  char first[64];
  std::snprintf(first, sizeof first, "first=%.9g", model->parameter("0.weight").data<float>()[0]);
  expect_has(out, first);
  expect_has(out, "epoch=2 step=14 recipe=fashion_mlp --epochs 2");
  expect_has(out, "rng=(6,)");
  expect_has(out, "sources=rapl,rapl+estimate");
}

TEST_F(Checkpoint, EditedFilesAreCheckedOnLoad) {
  if (!have_h5py()) GTEST_SKIP() << "/usr/bin/python3 with h5py not available";
  auto model = make_model(1);
  const std::string path = file("ckpt.h5");
  io::save_checkpoint(path, *model, nullptr, TrainingState{});
  const std::string f64 = file("f64.h5"), newer = file("newer.h5");
  fs::copy_file(path, f64);
  fs::copy_file(path, newer);
  python(R"(import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    w = f["/model/0.weight"][...].astype(np.float64)
    del f["/model/0.weight"]
    f["/model/0.weight"] = w
with h5py.File(sys.argv[2], "r+") as f:
    f.attrs["version"] = np.int64(2)
)", "'" + f64 + "' '" + newer + "'");
  expect_has(error_of([&] { io::load_checkpoint(f64, *model, nullptr, nullptr); }),
             "'0.weight' has another shape or dtype: "
             "model [5, 4] float32, checkpoint [5, 4] float64");
  expect_has(error_of([&] { io::load_checkpoint(newer, *model, nullptr, nullptr); }),
             "has layout version 2; this build reads versions 1 to 1 (written by a newer Joule)");
}

}  // namespace
