#!/usr/bin/env python3
"""Compiles the models of model_zoo.py with Kiln (symbolic dims kept), runs
them on several input shapes and compares every output with ONNX Runtime on
the same inputs (rtol 1e-4, atol 1e-5). Also checks that -O0 and -O3 agree.

  test_vs_onnxruntime.py --build-dir build [-k name]

Ends with the summary line `N passed, N failed`.
"""
import argparse
import os
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiln_harness import Kiln, compare, sanitize, write_inputs  # noqa: E402
from model_zoo import ZOO  # noqa: E402


def check_model(kiln, name, build, opt_level):
    model, feeds = build()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"{name}.onnx")
        onnx.save(model, path)
        so = os.path.join(tmp, f"{name}.so")
        ok, err = kiln.compile(path, so, [f"-O{opt_level}"])
        if not ok:
            return f"compile failed: {err.strip()}"
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        out_names = [o.name for o in sess.get_outputs()]
        for i, feed in enumerate(feeds):
            expected = sess.run(None, feed)
            d = os.path.join(tmp, f"run{i}")
            os.makedirs(d)
            ok, err, outs = kiln.run(so, write_inputs(feed, d), d)
            if not ok:
                return f"feed {i}: run failed: {err.strip()}"
            for oname, exp in zip(out_names, expected):
                act = outs.get(sanitize(oname))
                if act is None:
                    return f"feed {i}: output {oname} missing"
                why = compare(act, exp, rtol=1e-4, atol=1e-5)
                if why:
                    shapes = {k: v.shape for k, v in feed.items()}
                    return f"feed {i} {shapes}: output {oname}: {why}"
    return None


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
        for level in (0, 3):
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
