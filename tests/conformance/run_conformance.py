#!/usr/bin/env python3
"""ONNX backend conformance: compiles every case of the suites with Kiln,
runs every data set and compares with the reference outputs, in three modes:
`static` (shapes as the model gives them), `dynamic` (every input dim made
symbolic before compiling, the declared output dims dropped) and `inputs`
(every input dim made symbolic, the declared outputs kept as written, as
exporters leave them: a declared dim is a fact about one run, not a type
to force on the computation). `--mode both` is static and dynamic, `all`
the three.

  run_conformance.py --build-dir build [--suite debian|onnx-pip|all]
                     [--mode static|dynamic|inputs|both|all] [-j 2] [-O 3]
                     [--filter REGEX] [--sample N]
                     [--expectations FILE] [--update-expectations]
                     [--cuda-emulate | --cuda-arch sm_XX]

The expectations file lists every case that does not pass yet, one per line,
with the modes it fails in and a reason:

  both debian/node/test_cast_STRING_to_FLOAT: string tensors are not supported

The run fails when the results and the file disagree: a listed case that
passes, or a failing case that is not listed. --update-expectations rewrites
the file from the results, keeping the reasons already written for cases
that still fail. Prints one summary per suite, mode and folder, and closes
with `N passed, N failed, N skipped`.

--cuda-emulate compiles for the CUDA provider's GPU schedule run on the CPU
(`kiln-compile --provider=cuda --cuda-emulate`: every launch as loops over
its blocks and threads), which checks the numerics of the GPU strategies
without a GPU; use it with its own expectations file
(cuda_emulation_expectations.txt). --cuda-arch sm_XX compiles CUDA artifacts
for that architecture and runs them on the GPU (scripts/gpu-check.sh); with
--cuda-host-kernels and the tests' fake libcuda.so.1 first in LD_LIBRARY_PATH
they run through the whole runtime path on the CPU instead. A CUDA session
runs every data set twice, and both runs must match the references.
"""
import argparse
import collections
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import suites  # noqa: E402

MODES = ("static", "dynamic", "inputs")
# What "both" means, in --mode and in the expectations file.
BOTH = ("static", "dynamic")
CASE_TIMEOUT_S = 300


class Worker:
    """A worker.py child process; restarted after a crash or a timeout."""

    def __init__(self, build_dir):
        self.build_dir = build_dir
        self.proc = None

    def _start(self):
        env = dict(os.environ)
        # Compiled cases run one at a time per worker: the workers are the
        # parallelism.
        env.setdefault("OMP_NUM_THREADS", "1")
        self.proc = subprocess.Popen(
            [sys.executable, "-u", os.path.join(HERE, "worker.py"),
             self.build_dir],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, env=env)

    def run(self, request):
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        answer = []
        reader = threading.Thread(
            target=lambda: answer.append(self.proc.stdout.readline()),
            daemon=True)
        reader.start()
        reader.join(CASE_TIMEOUT_S)
        if reader.is_alive():
            self.stop()
            return f"timeout: no result after {CASE_TIMEOUT_S} s"
        if not answer or not answer[0]:
            code = self.proc.wait()
            self.proc = None
            return f"crash: the compiler or the generated code died ({code})"
        return json.loads(answer[0])["reason"]

    def stop(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def read_expectations(path):
    """{(case key, mode): reason} from the expectations file."""
    expected = {}
    if not os.path.exists(path):
        return expected
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(
                r"(static|dynamic|inputs|both|all)\s+(\S+):\s*(.*)$", line)
            if not m or not m.group(3):
                sys.exit(f"{path}:{n}: expected "
                         "'<static|dynamic|inputs|both|all> "
                         f"<suite/folder/case>: <reason>', got: {line}")
            modes = {"both": BOTH, "all": MODES}.get(m.group(1),
                                                     (m.group(1),))
            for mode in modes:
                expected[(m.group(2), mode)] = m.group(3)
    return expected


def write_expectations(path, results, previous, header):
    """Rewrites the file: one line per failing case and reason (`all`: the
    three modes, `both`: static and dynamic)."""
    failing = collections.defaultdict(dict)
    for (key, mode), why in results.items():
        if why is not None:
            # Reasons written by hand (data-set defects) are kept; the
            # compiler's own messages are refreshed, so they stay current.
            old = previous.get((key, mode))
            keep = old and not old.startswith("compile:")
            failing[key][mode] = old if keep else why
    lines = []
    for key in sorted(failing):
        modes = dict(failing[key])
        # One line for the modes that fail alike: all three, or static and
        # dynamic (both).
        for word, group in (("all", MODES), ("both", BOTH)):
            if all(m in modes for m in group) and len(
                    {modes[m] for m in group}) == 1:
                lines.append(f"{word} {key}: {modes[group[0]]}")
                for m in group:
                    del modes[m]
        for mode in MODES:
            if mode in modes:
                lines.append(f"{mode} {key}: {modes[mode]}")
    with open(path, "w") as f:
        f.write(header)
        f.write("\n".join(lines) + "\n")


def clean_reason(why):
    """Reasons without run-specific paths, on one line."""
    why = re.sub(r"/\S*/(model\.onnx|model\.so)", r"\1", why)
    return " ".join(why.split())[:300]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--suite", choices=["debian", "onnx-pip", "all"],
                    default="all")
    ap.add_argument("--mode",
                    choices=["static", "dynamic", "inputs", "both", "all"],
                    default="both")
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("-O", dest="opt_level", type=int, default=3)
    ap.add_argument("--filter", help="only cases whose key matches")
    ap.add_argument("--sample", type=int, default=1, metavar="N",
                    help="only every Nth case (by key): a deterministic "
                    "slice, e.g. for a more expensive -O")
    ap.add_argument("--expectations",
                    default=os.path.join(HERE, "expectations.txt"))
    ap.add_argument("--update-expectations", action="store_true")
    ap.add_argument("--cuda-emulate", action="store_true",
                    help="the CUDA provider's GPU schedule, run on the CPU")
    ap.add_argument("--cuda-arch", metavar="sm_XX",
                    help="compile for the CUDA provider with PTX for this "
                    "architecture and run on the GPU (scripts/gpu-check.sh)")
    ap.add_argument("--cuda-host-kernels", action="store_true",
                    help="with --cuda-arch: artifacts that also carry host "
                    "copies of their kernels, for the tests' fake CUDA "
                    "driver (LD_LIBRARY_PATH=<build>/tests/unit/runtime/"
                    "fake_cuda_driver): the runtime path checked without a "
                    "GPU")
    ap.add_argument("--cuda-block-reduction-min", type=int, metavar="N",
                    help="with --cuda-arch: split reductions of at least N "
                    "elements per output across a block (kiln-compile's "
                    "option; 1 puts every reduction the strategy takes "
                    "through it)")
    ap.add_argument("--cuda-tile-min", type=int, metavar="N",
                    help="with --cuda-arch: compute matmuls whose m, n and k "
                    "are each at least N in shared-memory tiles "
                    "(kiln-compile's option)")
    ap.add_argument("--cuda-tf32", action="store_true",
                    help="with --cuda-arch sm_80+: f32 matmuls on the tensor "
                    "cores in TF32 (kiln-compile's option; TF32 rounds "
                    "operands to 10 mantissa bits, past rtol 1e-3 on some "
                    "cases)")
    ap.add_argument("-v", action="store_true", help="print every result")
    args = ap.parse_args()
    build_dir = os.path.abspath(args.build_dir)

    cases = suites.selected_cases(args.suite, build_dir, args.filter,
                                  args.sample)
    modes = {"both": BOTH, "all": MODES}.get(args.mode, (args.mode,))

    work = queue.Queue()
    for mode in modes:
        for c in cases:
            if c.path:
                work.put((c, mode))
    results, lock = {}, threading.Lock()
    expected = read_expectations(args.expectations)
    disagreements = []

    def report(case, mode, why):
        key = (case.key, mode)
        with lock:
            results[key] = why
            listed = key in expected
            if why is not None and not listed:
                disagreements.append(f"UNEXPECTED FAIL [{mode}] {case.key}: "
                                     f"{why}")
                print(disagreements[-1], flush=True)
            elif why is None and listed:
                disagreements.append(f"UNEXPECTED PASS [{mode}] {case.key} "
                                     f"(listed: {expected[key]})")
                print(disagreements[-1], flush=True)
            elif args.v:
                print(f"{'PASS' if why is None else 'xfail'} [{mode}] "
                      f"{case.key}{': ' + why if why else ''}", flush=True)

    def drain():
        worker = Worker(build_dir)
        try:
            while True:
                try:
                    case, mode = work.get_nowait()
                except queue.Empty:
                    return
                why = worker.run({"path": case.path,
                                  "dynamic": mode == "dynamic",
                                  "inputs_dynamic": mode == "inputs",
                                  "opt_level": args.opt_level,
                                  "cuda_emulate": args.cuda_emulate,
                                  "cuda_arch": args.cuda_arch,
                                  "cuda_host_kernels":
                                      args.cuda_host_kernels,
                                  "cuda_block_reduction_min":
                                      args.cuda_block_reduction_min,
                                  "cuda_tile_min": args.cuda_tile_min,
                                  "cuda_tf32": args.cuda_tf32})
                report(case, mode, clean_reason(why) if why else None)
        finally:
            worker.stop()

    start = time.time()
    threads = [threading.Thread(target=drain) for _ in range(args.j)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # Summaries per suite, mode and folder.
    total = collections.Counter()
    for suite in sorted({c.suite for c in cases}):
        for mode in modes:
            print(f"== {suite}, {mode} ==")
            per = collections.OrderedDict()
            for c in cases:
                if c.suite != suite:
                    continue
                cnt = per.setdefault(c.folder, collections.Counter())
                if not c.path:
                    cnt["skipped"] += 1
                elif results.get((c.key, mode)) is None:
                    cnt["passed"] += 1
                else:
                    cnt["failed"] += 1
            sums = collections.Counter()
            for folder, cnt in per.items():
                print(f"  {folder:20s} {cnt['passed']:5d} passed "
                      f"{cnt['failed']:5d} failed {cnt['skipped']:3d} skipped")
                sums.update(cnt)
            print(f"  {'total':20s} {sums['passed']:5d} passed "
                  f"{sums['failed']:5d} failed {sums['skipped']:3d} skipped")
            total.update(sums)

    if args.update_expectations:
        # Keep entries of cases and modes this run did not cover.
        covered = set(results)
        kept = {k: v for k, v in expected.items() if k not in covered}
        merged = dict(results)
        for k, v in kept.items():
            merged[k] = v
        with open(args.expectations) if os.path.exists(
                args.expectations) else open(os.devnull) as f:
            header = "".join(l for l in f if l.startswith("#"))
        write_expectations(args.expectations, merged, expected, header)
        print(f"expectations rewritten: {args.expectations}")
        disagreements = []
    else:
        # A listed case the run did not reach (renamed, removed) is stale.
        present = {(c.key, m) for c in cases for m in modes}
        suites_run = {c.suite for c in cases}
        if not args.filter and args.sample == 1:
            for key in expected:
                if (key not in present and key[1] in modes
                        and key[0].split("/")[0] in suites_run):
                    disagreements.append(f"STALE [{key[1]}] {key[0]}: not in "
                                         "any suite")

    print(f"conformance: {len(disagreements)} disagreements with "
          f"{os.path.basename(args.expectations)} "
          f"({time.time() - start:.0f} s)")
    for d in disagreements:
        print("  " + d)
    print(f"{total['passed']} passed, {total['failed']} failed, "
          f"{total['skipped']} skipped")
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
