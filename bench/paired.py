#!/usr/bin/env python3
"""Paired A/B of compiled artifacts: single runs alternated in one process.

  PYTHONPATH=build/python python3 bench/paired.py --runs 100 --threads 1 \\
      --input x.npy before.so after.so
  PYTHONPATH=build/python python3 bench/paired.py --input x.npy m.so@1 m.so@2

On a host whose speed comes in phases (these build machines: the same
binary 30% apart between runs minutes apart) rounds of `kiln-run --bench`
per artifact compare phases as much as code. Here every run of one
artifact is followed by a run of each other one, so a phase falls on all
of them alike, and each run of artifact B is divided by the run of the
first artifact just before it: the median of those paired ratios moves by
a percent or two where the minima of separate rounds moved by ten.
`NAME@T` runs an artifact on T threads (two threads against one of the
same artifact). Each artifact gets its own inputs with `--input` given once
per artifact, or all the same ones with one `--input`.

A diagnostic beside run_bench.py, not a replacement: it runs Kiln only.
"""
import argparse
import statistics
import time

import numpy as np

import kiln as rt


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("artifacts", nargs="+", help="artifact[@threads]")
    ap.add_argument("--input", action="append", required=True,
                    help="comma-separated .npy files, one per model input")
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    if len(args.input) not in (1, len(args.artifacts)):
        ap.error("give --input once, or once per artifact")
    sessions = []
    for i, spec in enumerate(args.artifacts):
        path, _, threads = spec.partition("@")
        options = rt.SessionOptions()
        options.intra_op_num_threads = int(threads) if threads else args.threads
        session = rt.InferenceSession(path, options)
        files = args.input[i if len(args.input) > 1 else 0].split(",")
        if len(files) != len(session.get_inputs()):
            ap.error(f"{path} has {len(session.get_inputs())} inputs, "
                     f"{len(files)} given")
        feed = {arg.name: np.load(f)
                for arg, f in zip(session.get_inputs(), files)}
        sessions.append((session, feed))
    for session, feed in sessions:
        for _ in range(args.warmup):
            session.run(None, feed)
    times = [[] for _ in sessions]
    for _ in range(args.runs):
        for i, (session, feed) in enumerate(sessions):
            t0 = time.perf_counter()
            session.run(None, feed)
            times[i].append((time.perf_counter() - t0) * 1e3)
    print(f"{args.runs} paired runs, ms")
    for i, spec in enumerate(args.artifacts):
        t = sorted(times[i])
        line = (f"{spec:32s} min {t[0]:8.3f}  p10 {t[len(t) // 10]:8.3f}  "
                f"median {statistics.median(t):8.3f}")
        if i:
            r = sorted(b / a for a, b in zip(times[0], times[i]))
            line += (f"  / first: median {statistics.median(r):.3f} "
                     f"(quartiles {r[len(r) // 4]:.3f}, "
                     f"{r[3 * len(r) // 4]:.3f})")
        print(line)


if __name__ == "__main__":
    main()
