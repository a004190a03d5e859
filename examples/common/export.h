// --export PATH.onnx, shared by fashion_mlp, fashion_cnn and quantize: writes the final model as
// ONNX (lib/joule/deploy/onnx_export.h) and prints
//   export onnx=PATH test_acc=88.12 input=N,784
// with Joule's own test accuracy of exactly the model written (two decimals: 10,000 test images
// make that a count), so that a runtime's accuracy on the file can be compared with it
// (tests/onnx/, docs/deployment.md).
#pragma once
#include <iosfwd>
#include <string>
#include "common/cli.h"
#include "datasets/dataset.h"
#include "joule/core/shape.h"
#include "joule/nn/module.h"

namespace joule::examples {

// Declares --export (default "": write nothing).
void add_export_flag(Cli& cli);

// The ONNX input of a Fashion-MNIST model: [N, 784] for an MLP, [N, 1, 28, 28] for a CNN.
Shape fashion_input_shape(bool cnn);

// When --export names a file: moves `model` to the CPU, writes it there with `input_shape`,
// and prints the line above on `out`. Returns whether it wrote.
bool export_if_asked(const Cli& cli, nn::Module& model, const Shape& input_shape,
                     const data::Dataset& test, std::ostream& out);

}  // namespace joule::examples
