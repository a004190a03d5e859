#include "common/export.h"

#include <iomanip>
#include <ostream>
#include <sstream>

#include "common/inference.h"
#include "joule/deploy/onnx_export.h"

namespace joule::examples {

void add_export_flag(Cli& cli) {
  cli.flag("export", "", "write the final model to this ONNX file (PATH.onnx) and print its test "
                         "accuracy ('': none)");
}

Shape fashion_input_shape(bool cnn) { return cnn ? Shape{-1, 1, 28, 28} : Shape{-1, 784}; }

bool export_if_asked(const Cli& cli, nn::Module& model, const Shape& input_shape,
                     const data::Dataset& test, std::ostream& out) {
  const std::string path = cli.str("export");
  if (path.empty()) return false;
  model.to(Device::cpu());
  deploy::export_onnx(model, path, input_shape);
  const double acc = test_accuracy(model, test);
  std::ostringstream line;  // the caller's stream keeps its own formatting
  line << "export onnx=" << path << " test_acc=" << std::fixed << std::setprecision(2) << acc
       << " input=N";
  for (int64_t i = 1; i < input_shape.dim(); ++i) line << "," << input_shape[i];
  out << line.str() << std::endl;
  return true;
}

}  // namespace joule::examples
