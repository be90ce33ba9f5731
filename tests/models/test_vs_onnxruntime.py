#!/usr/bin/env python3
"""Compiles the models of model_zoo.py with Kiln (symbolic dims kept), runs
them on several input shapes and compares every output with ONNX Runtime on
the same inputs (rtol 1e-4, atol 1e-5) at every optimization level: -O0
(straight lowering), -O1 (BASIC: Conv+BatchNorm/Add/Mul folding,
Identity/Dropout/Reshape/Transpose removal), -O2 (EXTENDED: GELU, LayerNorm,
Gemm fusions) and -O3 (ALL: plus tile-and-vectorize).

  test_vs_onnxruntime.py --build-dir build [-k name]

Ends with the summary line `N passed, N failed`.
"""
import argparse
import os
import sys


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiln_harness import Kiln, check_against_onnxruntime  # noqa: E402
from model_zoo import ZOO  # noqa: E402


def fusion_patterns():
    """What the BASIC and EXTENDED passes rewrite, as exporters write it:
    Conv + BatchNormalization + per-channel Mul and Add, Identity, Dropout,
    MatMul by a transposed weight + bias, the tanh GELU, the decomposed
    LayerNorm and a Reshape chain, with symbolic dims."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper
    from model_zoo import RNG, _model, _w

    def const(name, value, dtype=np.float32):
        return numpy_helper.from_array(np.array(value, dtype), name)

    d = 16
    inits = [
        _w("cw", 4, 3, 3, 3), _w("cb", 4),
        const("bn_s", RNG.uniform(0.5, 1.5, 4)), _w("bn_b", 4),
        _w("bn_m", 4), const("bn_v", RNG.uniform(0.5, 1.5, 4)),
        const("ch_mul", RNG.uniform(0.5, 1.5, (4, 1, 1))),
        const("ch_add", RNG.standard_normal((1, 4, 1, 1)) * 0.1),
        _w("w_t", 2 * d, d), _w("fc_b", 2 * d),
        const("ln_g", RNG.uniform(0.5, 1.5, 2 * d)), _w("ln_b", 2 * d),
        const("three", 3.0), const("c", 0.044715),
        const("k", np.sqrt(2 / np.pi)), const("one", 1.0),
        const("half", 0.5), const("two", 2.0), const("eps", 1e-5),
        const("shape1", [-1, 8], np.int64),
        const("shape2", [-1, 4, 8], np.int64),
    ]
    nodes = [
        helper.make_node("Conv", ["image", "cw", "cb"], ["c0"], pads=[1] * 4),
        helper.make_node("BatchNormalization",
                         ["c0", "bn_s", "bn_b", "bn_m", "bn_v"], ["c1"]),
        helper.make_node("Mul", ["c1", "ch_mul"], ["c2"]),
        helper.make_node("Add", ["ch_add", "c2"], ["c3"]),
        helper.make_node("Identity", ["c3"], ["c4"]),
        helper.make_node("Relu", ["c4"], ["feat"]),
        helper.make_node("Transpose", ["w_t"], ["w"], perm=[1, 0]),
        helper.make_node("MatMul", ["x", "w"], ["h0"]),
        helper.make_node("Add", ["h0", "fc_b"], ["h"]),
        helper.make_node("Dropout", ["h"], ["hd"]),
        helper.make_node("Pow", ["hd", "three"], ["g0"]),
        helper.make_node("Mul", ["c", "g0"], ["g1"]),
        helper.make_node("Add", ["hd", "g1"], ["g2"]),
        helper.make_node("Mul", ["g2", "k"], ["g3"]),
        helper.make_node("Tanh", ["g3"], ["g4"]),
        helper.make_node("Add", ["one", "g4"], ["g5"]),
        helper.make_node("Mul", ["hd", "half"], ["g6"]),
        helper.make_node("Mul", ["g6", "g5"], ["gelu"]),
        helper.make_node("ReduceMean", ["gelu"], ["mean"], axes=[-1]),
        helper.make_node("Sub", ["gelu", "mean"], ["cen"]),
        helper.make_node("Pow", ["cen", "two"], ["sq"]),
        helper.make_node("ReduceMean", ["sq"], ["var"], axes=[-1]),
        helper.make_node("Add", ["var", "eps"], ["ve"]),
        helper.make_node("Sqrt", ["ve"], ["sd"]),
        helper.make_node("Div", ["cen", "sd"], ["n"]),
        helper.make_node("Mul", ["n", "ln_g"], ["ng"]),
        helper.make_node("Add", ["ng", "ln_b"], ["ln"]),
        helper.make_node("Reshape", ["ln", "shape1"], ["r1"]),
        helper.make_node("Reshape", ["r1", "shape2"], ["out"]),
    ]
    inputs = [
        helper.make_tensor_value_info("image", TensorProto.FLOAT,
                                      ["N", 3, "H", "W"]),
        helper.make_tensor_value_info("x", TensorProto.FLOAT, ["T", d]),
    ]
    outputs = [
        helper.make_tensor_value_info("feat", TensorProto.FLOAT,
                                      ["N", 4, "H", "W"]),
        helper.make_tensor_value_info("out", TensorProto.FLOAT,
                                      [None, 4, 8]),
    ]
    model = _model(nodes, "fusion_patterns", inputs, outputs, inits, opset=13)
    feeds = [{"image": RNG.standard_normal((n, 3, h, w)).astype(np.float32),
              "x": RNG.standard_normal((t, d)).astype(np.float32)}
             for n, h, w, t in ((1, 8, 8, 4), (2, 5, 7, 3))]
    return model, feeds


MODELS = dict(ZOO, fusion_patterns=fusion_patterns)


def check_model(kiln, name, build, opt_level):
    model, feeds = build()
    return check_against_onnxruntime(kiln, model, feeds, [f"-O{opt_level}"],
                                     rtol=1e-4, atol=1e-5, name=name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("-k", default="")
    args = ap.parse_args()
    kiln = Kiln(os.path.abspath(args.build_dir))
    passed = failed = 0
    for name, build in MODELS.items():
        if args.k not in name:
            continue
        for level in (0, 1, 2, 3):
            why = check_model(kiln, name, build, level)
            tag = f"{name} -O{level}"
            if why:
                failed += 1
                print(f"FAIL {tag}: {why}", flush=True)
            else:
                passed += 1
                print(f"PASS {tag}", flush=True)
    print(f"models vs onnxruntime: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
