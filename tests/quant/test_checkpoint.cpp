// Quantized checkpoints: a round trip gives the same model to the byte, h5py reads the layout
// that LAYOUT.md describes, and the int8 file is a fraction of the float one.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "joule/core/check.h"
#include "joule/io/checkpoint.h"
#include "joule/quant/checkpoint.h"
#include "joule/quant/convert.h"
#include "quant_test_util.h"
#include "test_util.h"

namespace joule {
namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::shared_ptr<quant::QuantizedModel> small_int8(std::shared_ptr<nn::Sequential> model) {
  quant::StaticQuantizer q(*model, {.observer = quant::ObserverKind::MinMax});
  q.calibrate(test::images(16, 144, 1));
  return q.convert();
}

TEST(QuantCheckpoint, RoundTripGivesTheSameOutputs) {
  test::TempDir tmp("joule_quant_ckpt");
  auto int8 = small_int8(test::small_cnn(1, false));
  const std::string path = tmp.file("int8.h5");
  quant::save_quantized(path, *int8);
  auto back = quant::load_quantized(path);
  ASSERT_EQ(back->layers().size(), int8->layers().size());
  for (size_t i = 0; i < back->layers().size(); ++i)
    EXPECT_EQ(back->layers()[i]->repr(), int8->layers()[i]->repr()) << i;
  const Tensor x = test::images(9, 144, 5);
  EXPECT_EQ(back->forward(x).to_vector<float>(), int8->forward(x).to_vector<float>());
}

TEST(QuantCheckpoint, IsAFractionOfTheFloatCheckpoint) {
  test::TempDir tmp("joule_quant_ckpt");
  Generator g(1);
  nn::Sequential m;  // 784-256-128-10: weights dominate
  m.push_back(std::make_shared<nn::Linear>(784, 256, g));
  m.push_back(std::make_shared<nn::ReLU>());
  m.push_back(std::make_shared<nn::Linear>(256, 128, g));
  m.push_back(std::make_shared<nn::ReLU>());
  m.push_back(std::make_shared<nn::Linear>(128, 10, g));
  quant::StaticQuantizer q(m);
  q.calibrate(test::images(8, 784, 2));
  io::save_checkpoint(tmp.file("f32.h5"), m, nullptr, {});
  quant::save_quantized(tmp.file("int8.h5"), *q.convert());
  const double ratio = static_cast<double>(fs::file_size(tmp.file("int8.h5"))) /
                       static_cast<double>(fs::file_size(tmp.file("f32.h5")));
  EXPECT_LT(ratio, 0.3);
}

TEST(QuantCheckpoint, ErrorsNameTheFile) {
  test::TempDir tmp("joule_quant_ckpt");
  Generator g(1);
  nn::Sequential m;
  m.push_back(std::make_shared<nn::Linear>(3, 2, g));
  io::save_checkpoint(tmp.file("f32.h5"), m, nullptr, {});
  try {
    quant::load_quantized(tmp.file("f32.h5"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a quantized Joule model"), std::string::npos);
  }
  EXPECT_THROW(quant::load_quantized(tmp.file("missing.h5")), Error);
}

TEST(QuantCheckpoint, H5pyReadsIt) {
  if (!fs::exists("/usr/bin/python3") ||
      std::system("/usr/bin/python3 -c 'import h5py' > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 with h5py not available";
  test::TempDir tmp("joule_quant_ckpt");
  auto int8 = small_int8(test::small_cnn(2, false));
  const std::string path = tmp.file("int8.h5"), out = tmp.file("out.txt");
  quant::save_quantized(path, *int8);
  const std::string script = tmp.write("read.py", R"(import sys, h5py
f = h5py.File(sys.argv[1], "r")
c = f["/layers/1"]
print("format=%s version=%d layers=%d" % (f.attrs["format"], f.attrs["version"], len(f["/layers"])))
print("kind=%s weight=%s %s scales=%d zp=%d relu=%d" % (c.attrs["kind"], c["weight"].dtype,
      tuple(c["weight"].shape), c["weight_scale"].shape[0], int(c["weight_zero_point"][:].max()),
      c.attrs["relu"]))
print("input_zero_point=%d out_scale_positive=%d" % (f.attrs["input_zero_point"],
      c.attrs["out_scale"] > 0))
)");
  ASSERT_EQ(std::system(("/usr/bin/python3 '" + script + "' '" + path + "' > '" + out + "' 2>&1")
                            .c_str()),
            0)
      << read_text(out);
  const std::string text = read_text(out);
  EXPECT_NE(text.find("format=joule-quantized version=1 layers=8"), std::string::npos) << text;
  EXPECT_NE(text.find("kind=Conv2d weight=int8 (6, 3, 3, 1) scales=6 zp=0 relu=1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("input_zero_point=0 out_scale_positive=1"), std::string::npos) << text;
}

}  // namespace
}  // namespace joule
