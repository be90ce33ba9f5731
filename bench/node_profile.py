#!/usr/bin/env python3
"""Per-kernel time of Kiln against ONNX Runtime's per-node time, one model.

  bench/node_profile.py --build-dir build -m mobilenet_v2 [--threads 1]
                        [--vs-threads 2] [--runs 20] [--warmup 3] [--top 25]
  bench/node_profile.py --build-dir build --model m.onnx --input x=x.npy ...

Both runtimes profile the same model on the same inputs in this process
(Kiln through `enable_profiling`, which compiles the artifact with kernel
hooks that do not change the code it runs; ORT through its own profiler).
Every Kiln kernel is named after the ONNX nodes it covers ("a+b+c"); the
ORT events of those nodes are summed against it, so a Kiln kernel that
fused a Conv, its bias and its activation lines up with ORT's FusedConv.
ORT's own nodes (layout reorders, its fusions' new names) are listed as
"ort only". Each figure is the median over the timed runs of the kernel's
time in one run (or another quantile, --quantile).

With `--vs-threads T`, Kiln also runs at T threads and every row gets the
speedup and the time lost against perfect scaling (t_T - t_1 * 1/T ...),
which is where thread scaling goes missing.

A diagnostic, not a benchmark: the profiles carry hook overhead (about a
microsecond per kernel), so compare rows, and take totals from
run_bench.py.
"""
import argparse
import collections
import json
import os
import statistics
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def quantile(values, q):
    """The q-quantile of values (nearest rank): 0.5 the median, a low one
    the time of a run that a slow spell of the host did not hit."""
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))]


def kernel_times(trace_path, runs, q=0.5):
    """{kernel name: q-quantile over the last `runs` runs of its summed
    duration (ms)}, from a Chrome trace in ORT's format."""
    with open(trace_path) as f:
        events = json.load(f)
    # Runs are delimited by the Session "model_run" events.
    bounds = sorted((e["ts"], e["ts"] + e["dur"]) for e in events
                    if e.get("cat") == "Session" and e["name"] == "model_run")
    bounds = bounds[-runs:]
    per_run = [collections.Counter() for _ in bounds]
    for e in events:
        if e.get("cat") != "Node" or not e["name"].endswith("_kernel_time"):
            continue
        for i, (b, end) in enumerate(bounds):
            if b <= e["ts"] <= end:
                per_run[i][e["name"][:-len("_kernel_time")]] += e["dur"] / 1e3
                break
    names = set().union(*per_run) if per_run else set()
    return {n: quantile([r.get(n, 0.0) for r in per_run], q) for n in names}


def profile(module, model_path, feed, threads, runs, warmup, tmp, tag,
            q=0.5):
    opts = module.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.enable_profiling = True
    opts.profile_file_prefix = os.path.join(tmp, tag)
    if hasattr(module, "GraphOptimizationLevel"):
        opts.graph_optimization_level = \
            module.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = module.InferenceSession(model_path, opts,
                                   providers=["CPUExecutionProvider"])
    for _ in range(warmup):
        sess.run(None, feed)
    for _ in range(runs):
        sess.run(None, feed)
    return kernel_times(sess.end_profiling(), runs, q)


def load_model(args, tmp):
    import onnx
    if args.model:
        feed = {}
        for spec in args.input:
            name, path = spec.split("=", 1)
            feed[name] = np.load(path)
        return args.model, feed
    import model_suite
    builders = dict(model_suite.SUITE)
    if args.m not in builders:
        sys.exit(f"unknown suite model {args.m!r}: {', '.join(builders)}")
    model, feed, _ = builders[args.m]()
    path = os.path.join(tmp, "model.onnx")
    onnx.save(model, path)
    return path, feed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("-m", help="a model of bench/model_suite.py")
    ap.add_argument("--model", help="an .onnx file instead")
    ap.add_argument("--input", action="append", default=[],
                    help="name=file.npy, with --model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--vs-threads", type=int,
                    help="also profile Kiln at this many threads")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--no-ort", action="store_true")
    ap.add_argument("--quantile", type=float, default=0.5,
                    help="of each kernel's times over the runs (0.5: the "
                    "median; 0.1 resists a noisy host's slow spells)")
    args = ap.parse_args()
    if not args.m and not args.model:
        ap.error("name a suite model (-m) or a file (--model)")

    sys.path.insert(0, os.path.join(os.path.abspath(args.build_dir), "python"))
    import kiln
    tmp = tempfile.mkdtemp(prefix="kiln-prof-")
    path, feed = load_model(args, tmp)

    q = args.quantile
    kiln_t = profile(kiln, path, feed, args.threads, args.runs, args.warmup,
                     tmp, "kiln", q)
    kiln_t2 = (profile(kiln, path, feed, args.vs_threads, args.runs,
                       args.warmup, tmp, "kiln2", q)
               if args.vs_threads else None)
    ort_t = {}
    if not args.no_ort:
        import onnxruntime
        ort_t = profile(onnxruntime, path, feed, args.threads, args.runs,
                        args.warmup, tmp, "ort", q)

    # ORT's events against the Kiln kernel covering their node. ORT names
    # the nodes its NCHWc pass rewrites after their output ("clip_7_nchwc"
    # for the Conv+Clip whose Clip wrote clip_7).
    import onnx
    node_to_kernel = {n: k for k in kiln_t for n in k.split("+")}
    graph = onnx.load(path, load_external_data=False).graph
    producer = {out: node for node in graph.node for out in node.output}

    def kernel_of(name):
        """The Kiln kernel of ORT's node `name`: the node itself, or the
        node that wrote its output, or (for an activation Kiln fused into
        its producer) the nearest producer up the first inputs."""
        if name in node_to_kernel:
            return node_to_kernel[name]
        node = producer.get(name[:-len("_nchwc")]
                            if name.endswith("_nchwc") else name)
        for _ in range(4):
            if node is None:
                return None
            if node.name in node_to_kernel:
                return node_to_kernel[node.name]
            node = producer.get(node.input[0]) if node.input else None
        return None

    ort_per_kernel = collections.Counter()
    ort_only = collections.Counter()
    for name, ms in ort_t.items():
        k = kernel_of(name)
        if k:
            ort_per_kernel[k] += ms
        else:
            ort_only[name] += ms

    rows = sorted(kiln_t.items(), key=lambda kv: -kv[1])
    head = f"{'kiln ms':>8} {'ort ms':>8} {'k/o':>5}"
    if kiln_t2 is not None:
        head += f" {f'{args.vs_threads}t ms':>8} {'speedup':>7} {'lost':>6}"
    print(f"{head}  kernel (ONNX nodes)")
    ideal = args.threads / args.vs_threads if args.vs_threads else 1

    def line(k, ms):
        o = ort_per_kernel.get(k, 0.0)
        s = f"{ms:8.3f} {o:8.3f} {ms / o if o else float('nan'):5.2f}"
        if kiln_t2 is not None:
            t2 = kiln_t2.get(k, 0.0)
            s += (f" {t2:8.3f} {ms / t2 if t2 else float('nan'):7.2f}"
                  f" {t2 - ms * ideal:6.3f}")
        name = k if len(k) <= 70 else k[:67] + "..."
        return f"{s}  {name}"

    for k, ms in rows[:args.top]:
        print(line(k, ms))
    rest = rows[args.top:]
    if rest:
        print(f"{sum(ms for _, ms in rest):8.3f} "
              f"{sum(ort_per_kernel.get(k, 0) for k, _ in rest):8.3f}"
              f"        ... {len(rest)} more kernels")
    if ort_only:
        print(f"{'':8} {sum(ort_only.values()):8.3f}        ort only: " +
              ", ".join(f"{n} {ms:.3f}" for n, ms in ort_only.most_common(6)))
    total_k, total_o = sum(kiln_t.values()), sum(ort_t.values())
    s = f"{total_k:8.3f} {total_o:8.3f} {total_k / total_o if total_o else float('nan'):5.2f}"
    if kiln_t2 is not None:
        total2 = sum(kiln_t2.values())
        s += f" {total2:8.3f} {total_k / total2:7.2f} {total2 - total_k * ideal:6.3f}"
    print(f"{s}  total of {len(kiln_t)} kernels")
    if args.vs_threads:
        print("\nlost most to imperfect scaling:")
        for k, ms in sorted(kiln_t.items(), key=lambda kv: -(
                kiln_t2.get(kv[0], 0) - kv[1] * ideal))[:10]:
            print(line(k, ms))


if __name__ == "__main__":
    main()
