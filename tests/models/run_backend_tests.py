#!/usr/bin/env python3
"""Compiles and runs ONNX backend test cases (model.onnx + test_data_set_*)
with Kiln and compares every output with the reference output_*.pb.

  run_backend_tests.py --build-dir build --list backend_tests.txt [-j 2]

The list names one case per line (`node/test_add`), `#` starts a comment.
Exit status is non-zero when any listed case fails. Ends with the summary
line `N passed, N failed`.
"""
import argparse
import concurrent.futures as cf
import glob
import os
import sys
import tempfile

import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiln_harness import Kiln, compare, sanitize  # noqa: E402

DATA_ROOT = "/usr/share/libonnx-testdata/data"


def load_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return t


def run_case(kiln, case_dir, compile_args):
    model_path = os.path.join(case_dir, "model.onnx")
    model = onnx.load(model_path, load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    input_names = [i.name for i in model.graph.input if i.name not in inits]
    output_names = [o.name for o in model.graph.output]
    with tempfile.TemporaryDirectory() as tmp:
        so = os.path.join(tmp, "model.so")
        ok, err = kiln.compile(model_path, so, compile_args)
        if not ok:
            return f"compile failed: {err.strip().splitlines()[-1] if err.strip() else '?'}"
        sets = sorted(glob.glob(os.path.join(case_dir, "test_data_set_*")))
        for ds in sets:
            inputs = []
            for i, name in enumerate(input_names):
                p = os.path.join(ds, f"input_{i}.pb")
                if os.path.exists(p):
                    inputs.append((name, p))
            outdir = os.path.join(tmp, os.path.basename(ds))
            os.makedirs(outdir)
            ok, err, outs = kiln.run(so, inputs, outdir)
            if not ok:
                return f"{os.path.basename(ds)}: run failed: {err.strip()}"
            for i, name in enumerate(output_names):
                p = os.path.join(ds, f"output_{i}.pb")
                if not os.path.exists(p):
                    continue
                expected = numpy_helper.to_array(load_pb(p))
                actual = outs.get(sanitize(name))
                if actual is None:
                    return f"{os.path.basename(ds)}: output {name} missing"
                why = compare(actual, expected)
                if why:
                    return f"{os.path.basename(ds)}: output {name}: {why}"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--list", required=True)
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--dynamic", action="store_true",
                    help="make every input dim symbolic before compiling")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    kiln = Kiln(os.path.abspath(args.build_dir))
    cases = []
    with open(args.list) as f:
        for line in f:
            line = line.split("#")[0].strip()
            if line:
                cases.append(line)
    compile_args = ["--all-dynamic"] if args.dynamic else []
    failed = []
    with cf.ThreadPoolExecutor(max_workers=args.j) as pool:
        futures = {pool.submit(run_case, kiln, os.path.join(DATA_ROOT, c),
                               compile_args): c for c in cases}
        for fut in cf.as_completed(futures):
            case = futures[fut]
            try:
                why = fut.result()
            except Exception as e:  # a harness bug must not hide results
                why = f"harness error: {e!r}"
            if why:
                failed.append(case)
                print(f"FAIL {case}: {why}", flush=True)
            elif args.v:
                print(f"PASS {case}", flush=True)
    mode = "dynamic" if args.dynamic else "static"
    print(f"backend tests ({mode}): {len(cases) - len(failed)} passed, "
          f"{len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
