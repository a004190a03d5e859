#!/usr/bin/env python3
"""Checks ONNX files exported by Joule with the ONNX checker (Debian: python3-onnx).

    python3 tests/onnx/check_model.py MODEL.onnx [...]
    -> onnx_check onnx=MODEL.onnx opset=13 ir=7 nodes=12 ok

Runs onnx.checker.check_model with full_check (the type and shape inference too) and requires
the graph contract: input `input` float32 with a symbolic batch, output `logits`. Exit status 77
(a skip for CTest) when the onnx module is missing, 1 when a file fails.
"""
import sys

try:
    import onnx
except ImportError as e:
    print(f"check_model: the onnx Python module is missing ({e}); install python3-onnx",
          file=sys.stderr)
    sys.exit(77)


def check(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    graph = model.graph
    names = ([i.name for i in graph.input], [o.name for o in graph.output])
    if names != (["input"], ["logits"]):
        raise ValueError(f"inputs and outputs are {names}, want (['input'], ['logits'])")
    tensor = graph.input[0].type.tensor_type
    if tensor.elem_type != onnx.TensorProto.FLOAT:
        raise ValueError("input is not float32")
    if not tensor.shape.dim[0].dim_param:
        raise ValueError("the batch dimension of input is not symbolic")
    opset = max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    print(f"onnx_check onnx={path} opset={opset} ir={model.ir_version} "
          f"nodes={len(graph.node)} ok")


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    failed = 0
    for path in sys.argv[1:]:
        try:
            check(path)
        except Exception as e:  # the checker raises its own ValidationError, protobuf others
            print(f"onnx_check onnx={path} failed: {e}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
