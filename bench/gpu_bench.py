#!/usr/bin/env python3
"""The bench models on the GPU: Kiln's CUDA provider against ONNX Runtime.

    python3 bench/gpu_bench.py --build-dir build [-k REGEX] [--cuda-arch sm_90]
                               [--runs 20] [--warmup 3] [--dry-run]

Every model of run_bench.py (its op classes and bench/model_suite.py) is
compiled with `kiln-compile --provider=cuda --cuda-arch=ARCH` (the device's
own architecture by default) and run with `kiln-run --bench`, which the
runtime runs on the GPU; its outputs are compared with ONNX Runtime's on the
CPU (rtol 1e-3, atol 1e-3: libdevice and the GPU's order of additions are
not the CPU's), and its median latency is printed beside ONNX Runtime's CUDA
provider's when `onnxruntime-gpu` is installed (else "n/a"), and beside ORT
on the CPU. `--dry-run` needs no GPU: it builds and compiles every model
(the PTX and the host code of each artifact) and runs nothing.
Exits 1 when a model fails to compile, to run, or to agree.
"""
import argparse
import os
import re
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "models"))

import run_bench  # noqa: E402  (its MODELS, workers and measurements)


def ort_cuda_worker(args):
    """--ort-cuda-worker MODEL INPUTS.npz RUNS WARMUP: ONNX Runtime's CUDA
    provider's median latency; exit 3 when onnxruntime has none."""
    import onnxruntime as ort
    if "CUDAExecutionProvider" not in ort.get_available_providers():
        return 3
    model, inputs, runs, warmup = args
    sess = ort.InferenceSession(model, providers=["CUDAExecutionProvider"])
    if sess.get_providers()[0] != "CUDAExecutionProvider":
        return 3
    feed = dict(np.load(inputs))
    for _ in range(int(warmup)):
        sess.run(None, feed)
    times = []
    for _ in range(int(runs)):
        t = time.perf_counter()
        sess.run(None, feed)
        times.append((time.perf_counter() - t) * 1e3)
    print(f"median latency: {np.median(times):.4f} ms")
    return 0


def device_arch(build_dir):
    """The architecture of CUDA device 0, from Kiln's runtime."""
    sys.path.insert(0, os.path.join(build_dir, "python"))
    from kiln import _runtime
    return _runtime.cuda_device_chip(0)


def bench(args, name, build, tmp):
    """One row: compile, run on the GPU, compare, time ORT."""
    import onnx
    from kiln_harness import compare, sanitize
    row = {"name": name}
    model, feed, _ = build()
    d = os.path.join(tmp, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    onnx.save(model, path)
    so = os.path.join(d, "model.so")
    rc, _, err, _ = run_bench.run_measured(
        [os.path.join(args.build_dir, "bin", "kiln-compile"), path, "-o", so,
         f"-O{args.opt}", "--provider=cuda", f"--cuda-arch={args.cuda_arch}"])
    if rc != 0:
        row["error"] = "compile failed: " + (err.strip().splitlines()
                                             or ["?"])[-1]
        return row
    if args.dry_run:
        row["ok"] = "compiled"
        return row
    inputs = []
    for i, (k, v) in enumerate(feed.items()):
        p = os.path.join(d, f"in{i}.npy")
        np.save(p, v)
        inputs.append(f"{k}={p}")
    kout = os.path.join(d, "kiln_out")
    os.makedirs(kout, exist_ok=True)
    rc, out, err, _ = run_bench.run_measured(
        [os.path.join(args.build_dir, "bin", "kiln-run"), so, *inputs,
         "-o", kout, "--bench", str(args.runs), "--warmup", str(args.warmup)])
    m = run_bench.MEDIAN_RE.search(out + err)
    if rc != 0 or not m:
        row["error"] = f"kiln-run failed ({rc}): " + (err or out).strip()[-200:]
        return row
    row["kiln_ms"] = float(m.group(1))

    npz = os.path.join(d, "inputs.npz")
    np.savez(npz, **feed)
    oout = os.path.join(d, "ort_out.npz")
    threads = str(os.cpu_count() or 1)
    rc, out, err, _ = run_bench.run_measured(
        [sys.executable, run_bench.__file__, "--ort-worker", path, npz, oout,
         str(args.runs), str(args.warmup), threads])
    m = run_bench.MEDIAN_RE.search(out)
    if rc != 0 or not m:
        row["error"] = f"onnxruntime failed ({rc}): " + err.strip()[-200:]
        return row
    row["ort_cpu_ms"] = float(m.group(1))
    names = out.split("output names: ")[1].splitlines()[0].split(",")
    expected = np.load(oout)
    row["ok"] = "yes"
    for i, oname in enumerate(names):
        p = os.path.join(kout, sanitize(oname) + ".npy")
        why = (compare(np.load(p), expected[f"o{i}"], rtol=1e-3, atol=1e-3)
               if os.path.exists(p) else "missing")
        if why:
            row["ok"] = f"NO ({oname}: {why[:60]})"
            break
    rc, out, _, _ = run_bench.run_measured(
        [sys.executable, os.path.abspath(__file__), "--ort-cuda-worker", path,
         npz, str(args.runs), str(args.warmup)])
    m = run_bench.MEDIAN_RE.search(out)
    row["ort_cuda_ms"] = float(m.group(1)) if rc == 0 and m else None
    return row


def table(rows):
    head = ["model", "kiln cuda ms", "ort cuda ms", "k/o cuda", "ort cpu ms",
            "ok"]
    lines = []
    for r in rows:
        if "error" in r:
            lines.append([r["name"], "ERROR: " + r["error"]])
            continue
        if "kiln_ms" not in r:
            lines.append([r["name"], "-", "-", "-", "-", r["ok"]])
            continue
        cuda = r["ort_cuda_ms"]
        lines.append([r["name"], f"{r['kiln_ms']:.3f}",
                      f"{cuda:.3f}" if cuda else "n/a",
                      f"{r['kiln_ms'] / cuda:.2f}" if cuda else "-",
                      f"{r['ort_cpu_ms']:.3f}", r["ok"]])
    widths = [max([len(h)] + [len(l[i]) for l in lines if len(l) > i])
              for i, h in enumerate(head)]
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths))]
    for l in lines:
        out.append("  ".join(c.ljust(w) for c, w in zip(l, widths)))
    return "\n".join(out)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--ort-cuda-worker":
        return ort_cuda_worker(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("-k", default="", help="only models whose name matches")
    ap.add_argument("--cuda-arch", help="default: the device's")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("-O", dest="opt", default="3")
    ap.add_argument("--dry-run", action="store_true",
                    help="compile every model, run nothing (no GPU needed)")
    ap.add_argument("--keep", help="keep models, artifacts and outputs here")
    args = ap.parse_args()
    args.build_dir = os.path.abspath(args.build_dir)
    if not args.cuda_arch:
        args.cuda_arch = "sm_80" if args.dry_run else device_arch(
            args.build_dir)
    rows = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = args.keep or tmpdir
        for name, build in run_bench.MODELS:
            if re.search(args.k, name):
                print(f"... {name}", file=sys.stderr, flush=True)
                rows.append(bench(args, name, build, tmp))
    print(f"Kiln CUDA ({args.cuda_arch}, -O{args.opt}) vs onnxruntime, "
          f"median of {args.runs} runs after {args.warmup} warm-up"
          + (" (dry run: compiled only)" if args.dry_run else ""))
    print(table(rows))
    return 1 if any("error" in r or r.get("ok") not in ("yes", "compiled")
                    for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
