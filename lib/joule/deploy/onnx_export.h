// ONNX export: writes an nn::Sequential model, or a quant::QuantizedModel in QDQ form, as an ONNX
// file (opset 13) that ONNX Runtime and other runtimes load.
//
// The graph's contract (docs/deployment.md): one input `input`, float32 pixels scaled to [0, 1]
// (what datasets/ hands the model: no other normalisation happens outside it), of
// `input_shape` with its first dimension a symbolic batch `N`; one output `logits`, float32.
// Joule's models take [N, 784] (MLPs) or [N, 784] and unflatten it (CNNs); with a 4-D
// input_shape [N, 1, 28, 28] a CNN's leading Unflatten(1, {1, 28, 28}) writes nothing.
//
// Float layers: Linear and SparseLinear (Gemm, the sparse weight written dense), Conv2d (Conv),
// BatchNorm1d/2d in evaluation mode (BatchNormalization, with the running statistics), MaxPool2d
// and AvgPool2d (MaxPool, AveragePool with count_include_pad), GlobalAvgPool2d, ReLU, Tanh,
// Sigmoid, GELU (the erf form, written out), Softmax, Flatten, Unflatten (Reshape), Dropout
// (nothing: the identity in evaluation mode), nested Sequential. quantize_dynamic's
// DynamicQLinear: DynamicQuantizeLinear of the input, then as a QDQ Linear.
//
// Quantized models, in the QDQ form of ONNX Runtime: each uint8 activation is a QuantizeLinear
// followed by a DequantizeLinear under its scale and zero point; each int8 weight a
// DequantizeLinear with one scale per output channel (axis 0) and zero points 0; each bias an
// int32 DequantizeLinear under input scale x weight scale; the ops between are float (Gemm,
// Conv, Relu, MaxPool, Flatten, Reshape). Runtimes fuse the patterns into int8 kernels.
//
// Anything else is refused with a joule::Error naming the layer's index and type.
#pragma once
#include <string>
#include "joule/core/shape.h"
#include "joule/nn/module.h"

namespace joule::deploy {

// The ONNX opset the files declare.
inline constexpr int64_t kOnnxOpset = 13;

// Writes `model` (put in evaluation mode) to `path` atomically (a temp file moved over it when
// complete). input_shape's first dimension is the batch and must be -1 or 0 (both mean the
// symbolic dimension `N`); the others are the sample's sizes, e.g. {-1, 784} or {-1, 1, 28, 28}.
// Throws joule::Error on a layer it cannot write, on a shape a layer does not accept, and, when
// Joule was built without ONNX (JOULE_ONNX=OFF or libonnx-dev missing), always.
void export_onnx(nn::Module& model, const std::string& path, const Shape& input_shape);

// Whether this build can write ONNX files (false: export_onnx throws).
bool onnx_export_available();

}  // namespace joule::deploy
