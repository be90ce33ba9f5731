#!/usr/bin/env python3
"""CUDA provider conformance without a GPU: compiles every conformance case
that passes on the CPU for the CUDA provider and assembles its PTX with
ptxas for every architecture asked for (sm_80 and sm_90 by default), in
whole-program mode, so an unresolved symbol (a libdevice function that was
not linked) fails the case as it would fail to load on a GPU.

  run_cuda_ptxas.py --build-dir build [--suite debian|onnx-pip|all]
                    [--arch sm_80,sm_90] [-j 2] [-O 3] [--filter REGEX]
                    [--sample N] [--expectations FILE]
                    [--cuda-block-reduction-min N] [--cuda-tile-min N]
                    [--cuda-tf32] [--update-expectations] [-v]

Only the static mode (shapes as the model gives them) is compiled; a case
counts when it passes on the CPU in that mode, that is when
tests/conformance/expectations.txt does not list it as failing there.

The expectations file (cuda_expectations.txt) lists, like the CPU one, every
CPU-passing case whose PTX does not assemble yet, with a reason:

  static debian/node/test_foo: compile: ...

The run fails when the results and the file disagree. It closes with the
share of CPU-passing cases whose PTX ptxas accepts for every architecture.
The numerics of the GPU schedule are not checked here (no GPU; running the
block/thread-mapped IR on the CPU is a later step of issue 15).
"""
import argparse
import collections
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import suites  # noqa: E402
from run_conformance import clean_reason, read_expectations  # noqa: E402

CASE_TIMEOUT_S = 300
DEFAULT_PTXAS = "/usr/local/cuda/bin/ptxas"


def first_error(text):
    lines = [l.strip() for l in text.strip().splitlines() if l.strip()]
    for l in lines:
        if "error" in l:
            return l
    return lines[-1] if lines else "?"


def sequence_options(model_path):
    """kiln-compile options fixing what the first data set feeds: the length
    of each sequence input, the rank of elements the model leaves open and
    the optional inputs fed None (all resolved at compile time, as the CPU
    runner does per data set)."""
    import onnx
    import worker  # the CPU runner's value loading
    model = onnx.load(model_path, load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in inits]
    if not any(i.type.WhichOneof("value") in ("sequence_type",
                                              "optional_type")
               for i in inputs):
        return []
    ds = os.path.join(os.path.dirname(model_path), "test_data_set_0")
    feeds = {}
    for n, vi in enumerate(inputs):
        p = os.path.join(ds, f"input_{n}.pb")
        if os.path.exists(p):
            value, why = worker.load_value(p, vi.type)
            if not why:
                feeds[vi.name] = value
    lengths, shapes, absent = worker.variant_options(model, feeds)
    args = [f"--sequence-length={name}={n}" for name, n in lengths]
    args += [f"--shape={name}=" + "x".join("?" for _ in dims)
             for name, dims in shapes]
    args += [f"--optional-absent={name}" for name in absent]
    return args


def check_case(compiler, ptxas, case, archs, opt_level, options=()):
    """None when every kernel's PTX assembles for every arch, else why not."""
    model = os.path.join(case.path, "model.onnx")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "ptx")
        try:
            extra = sequence_options(model)
        except Exception as e:  # noqa: BLE001 - reported as the reason
            return f"inputs: {e}"
        cmd = [compiler, "--provider=cuda", "--cuda-arch=" + ",".join(archs),
               "--emit=ptx", f"-O{opt_level}", *options, model, "-o",
               out] + extra
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True,
                                  timeout=CASE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return f"timeout: no PTX after {CASE_TIMEOUT_S} s"
        if proc.returncode != 0:
            if proc.returncode < 0:
                return f"crash: kiln-compile died ({proc.returncode})"
            return "compile: " + first_error(proc.stderr + proc.stdout)
        files = sorted(f for f in os.listdir(out) if f.endswith(".ptx"))
        for arch in archs:
            for f in files:
                if not f.endswith(f".{arch}.ptx"):
                    continue
                proc = subprocess.run(
                    [ptxas, f"-arch={arch}", os.path.join(out, f), "-o",
                     os.devnull], capture_output=True, text=True)
                if proc.returncode != 0:
                    return (f"ptxas {arch}: {f}: "
                            + first_error(proc.stderr + proc.stdout))
    return None


def write_expectations(path, results, previous, header):
    lines = []
    for key in sorted(k for k, why in results.items() if why):
        old = previous.get((key, "static"))
        keep = old and not re.match(r"(compile|ptxas|crash|timeout)", old)
        lines.append(f"static {key}: {old if keep else results[key]}")
    with open(path, "w") as f:
        f.write(header)
        f.write("\n".join(lines) + ("\n" if lines else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--suite", choices=["debian", "onnx-pip", "all"],
                    default="all")
    ap.add_argument("--arch", default="sm_80,sm_90",
                    help="CUDA architectures, comma-separated")
    ap.add_argument("--ptxas", default=DEFAULT_PTXAS)
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("-O", dest="opt_level", type=int, default=3)
    ap.add_argument("--filter", help="only cases whose key matches")
    ap.add_argument("--sample", type=int, default=1, metavar="N",
                    help="only every Nth case (by key)")
    ap.add_argument("--cpu-expectations",
                    default=os.path.join(HERE, "expectations.txt"))
    ap.add_argument("--expectations",
                    default=os.path.join(HERE, "cuda_expectations.txt"))
    ap.add_argument("--update-expectations", action="store_true")
    ap.add_argument("--cuda-block-reduction-min", type=int, metavar="N",
                    help="kiln-compile's option: 1 puts every reduction the "
                    "block_reduction strategy takes through it")
    ap.add_argument("--cuda-tile-min", type=int, metavar="N",
                    help="kiln-compile's option: 1 puts every contraction the "
                    "shared_memory_tiles strategy takes through it")
    ap.add_argument("--cuda-tf32", action="store_true",
                    help="kiln-compile's option: f32 matmuls on the tensor "
                    "cores in TF32 too (sm_80+)")
    ap.add_argument("-v", action="store_true", help="print every result")
    args = ap.parse_args()
    build_dir = os.path.abspath(args.build_dir)
    compiler = os.path.join(build_dir, "bin", "kiln-compile")
    archs = [a for a in args.arch.split(",") if a]
    options = ([f"--cuda-block-reduction-min={args.cuda_block_reduction_min}"]
               if args.cuda_block_reduction_min is not None else [])
    if args.cuda_tile_min is not None:
        options.append(f"--cuda-tile-min={args.cuda_tile_min}")
    if args.cuda_tf32:
        options.append("--cuda-tf32")
    if not os.path.exists(args.ptxas):
        print(f"SKIPPED: no ptxas at {args.ptxas} (install the CUDA toolkit "
              "or give --ptxas): the PTX checks need it")
        return 0

    cases = suites.selected_cases(args.suite, build_dir, args.filter,
                                  args.sample)
    cpu_expected = read_expectations(args.cpu_expectations)
    cpu_failing = {k for (k, mode) in cpu_expected if mode == "static"}
    todo = [c for c in cases if c.path and c.key not in cpu_failing]
    expected = {k: v for (k, mode), v in
                read_expectations(args.expectations).items()
                if mode == "static"}

    work = queue.Queue()
    for c in todo:
        work.put(c)
    results, lock, disagreements = {}, threading.Lock(), []

    def drain():
        while True:
            try:
                case = work.get_nowait()
            except queue.Empty:
                return
            why = check_case(compiler, args.ptxas, case, archs,
                             args.opt_level, options)
            why = clean_reason(why) if why else None
            with lock:
                results[case.key] = why
                listed = case.key in expected
                if why and not listed:
                    disagreements.append(f"UNEXPECTED FAIL {case.key}: {why}")
                    print(disagreements[-1], flush=True)
                elif not why and listed:
                    disagreements.append(f"UNEXPECTED PASS {case.key} "
                                         f"(listed: {expected[case.key]})")
                    print(disagreements[-1], flush=True)
                elif args.v:
                    print(f"{'PASS' if not why else 'xfail'} {case.key}"
                          f"{': ' + why if why else ''}", flush=True)

    start = time.time()
    threads = [threading.Thread(target=drain) for _ in range(args.j)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    per = collections.OrderedDict()
    for c in cases:
        cnt = per.setdefault(f"{c.suite}/{c.folder}", collections.Counter())
        if not c.path or c.key in cpu_failing:
            cnt["not on cpu"] += 1
        elif results.get(c.key) is None:
            cnt["passed"] += 1
        else:
            cnt["failed"] += 1
    total = collections.Counter()
    print(f"== CUDA PTX ({', '.join(archs)}), static shapes ==")
    for folder, cnt in per.items():
        print(f"  {folder:28s} {cnt['passed']:5d} passed {cnt['failed']:5d} "
              f"failed {cnt['not on cpu']:4d} not passing on the CPU")
        total.update(cnt)

    if args.update_expectations:
        kept = {k: v for k, v in expected.items() if k not in results}
        merged = dict(results)
        merged.update(kept)
        header = ""
        if os.path.exists(args.expectations):
            with open(args.expectations) as f:
                header = "".join(l for l in f if l.startswith("#"))
        write_expectations(args.expectations, merged,
                           {(k, "static"): v for k, v in expected.items()},
                           header)
        print(f"expectations rewritten: {args.expectations}")
        disagreements = []

    checked = total["passed"] + total["failed"]
    share = 100.0 * total["passed"] / checked if checked else 0.0
    print(f"cuda ptxas: {len(disagreements)} disagreements with "
          f"{os.path.basename(args.expectations)} ({time.time() - start:.0f} s)")
    for d in disagreements:
        print("  " + d)
    print(f"{total['passed']} of {checked} CPU-passing cases assemble for "
          f"{', '.join(archs)} ({share:.1f}%); {total['failed']} failed")
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
