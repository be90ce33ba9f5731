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
    for name, build in ZOO.items():
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
