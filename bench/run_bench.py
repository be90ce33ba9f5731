#!/usr/bin/env python3
"""Kiln vs ONNX Runtime: latency and peak memory on a few models.

  bench/run_bench.py --build-dir build [-k name] [--runs N] [--warmup N]
                     [-O 3] [--threads 1] [--keep DIR]

Every model is compiled with kiln-compile, then run in its own process by
`kiln-run --bench N` and by ONNX Runtime (this script re-invoked as a worker,
intra_op_num_threads=1 by default) on the same inputs, with the same number
of timed runs after the same number of warm-up runs. Peak RSS is that of
each process (its VmHWM, sampled every 10 ms), so ORT's includes the Python
interpreter: the `ort base` column is that of a worker that imports
onnxruntime and numpy and stops there. Outputs are compared too (`ok`).

This is a benchmark, not a test: it is not registered with ctest and its
numbers depend on the machine and its load.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "models"))
sys.path.insert(0, HERE)


# --------------------------------------------------------------------------
# Models: (name, builder) where builder() returns (model, feed, flops|None).

def _zoo(name, feed_index=0):
    def build():
        from model_zoo import ZOO
        model, feeds = ZOO[name]()
        return model, feeds[feed_index], None
    return build


def _matmul(m, k, n):
    def build():
        import onnx
        from onnx import TensorProto, helper
        a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [m, k])
        b = helper.make_tensor_value_info("b", TensorProto.FLOAT, [k, n])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])
        g = helper.make_graph([helper.make_node("MatMul", ["a", "b"], ["y"])],
                              f"matmul_{m}x{k}x{n}", [a, b], [y])
        model = helper.make_model(
            g, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        rng = np.random.default_rng(0)
        feed = {"a": rng.standard_normal((m, k)).astype(np.float32),
                "b": rng.standard_normal((k, n)).astype(np.float32)}
        return model, feed, 2.0 * m * n * k
    return build


def _resnet_block(c=64, hw=56):
    """conv3x3-relu-conv3x3 + identity, relu: a ResNet basic block (BN
    folded into the conv bias, as exporters do for inference)."""
    def build():
        from onnx import TensorProto, helper, numpy_helper
        rng = np.random.default_rng(0)

        def w(name, *shape, scale=0.05):
            return numpy_helper.from_array(
                (rng.standard_normal(shape) * scale).astype(np.float32), name)
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                          [1, c, hw, hw])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                          [1, c, hw, hw])
        inits = [w("w1", c, c, 3, 3), w("b1", c), w("w2", c, c, 3, 3),
                 w("b2", c)]
        nodes = [
            helper.make_node("Conv", ["x", "w1", "b1"], ["c1"],
                             pads=[1, 1, 1, 1], name="conv1"),
            helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
            helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"],
                             pads=[1, 1, 1, 1], name="conv2"),
            helper.make_node("Add", ["c2", "x"], ["s"], name="residual"),
            helper.make_node("Relu", ["s"], ["y"], name="relu2"),
        ]
        g = helper.make_graph(nodes, "resnet_block", [x], [y], inits)
        model = helper.make_model(
            g, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        feed = {"x": rng.standard_normal((1, c, hw, hw)).astype(np.float32)}
        return model, feed, 2 * 2.0 * c * hw * hw * c * 9
    return build


def _single(op, inputs, weights, attrs, flops, opset=17):
    """A one-node model. inputs: [(name, shape with symbolic dims as
    strings, feed shape)]; weights: {name: array} (initializers)."""
    def build():
        from onnx import TensorProto, helper, numpy_helper
        rng = np.random.default_rng(0)
        vis = [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(s))
               for n, s, _ in inputs]
        inits = [numpy_helper.from_array(v, n) for n, v in weights.items()]
        names = [n for n, _, _ in inputs] + list(weights)
        node = helper.make_node(op, names, ["y"], **attrs)
        g = helper.make_graph([node], op.lower(), vis,
                              [helper.make_tensor_value_info(
                                  "y", TensorProto.FLOAT, None)], inits)
        model = helper.make_model(
            g, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 8
        feed = {n: rng.standard_normal(f).astype(np.float32)
                for n, _, f in inputs}
        return model, feed, flops
    return build


def _qw(*shape):
    return np.random.default_rng(1).integers(-127, 128, shape).astype(np.int8)


def _single_typed(op, inputs, weights, order, out_type, flops, attrs=None,
                  opset=17):
    """A one-node model with typed inputs: [(name, numpy dtype name,
    shape, feed shape)]; `order` lists the node's inputs (feeds and
    initializers) by name."""
    def build():
        from onnx import helper, numpy_helper
        from onnx.helper import np_dtype_to_tensor_dtype as tt
        rng = np.random.default_rng(0)
        vis = [helper.make_tensor_value_info(n, tt(np.dtype(t)), list(s))
               for n, t, s, _ in inputs]
        inits = [numpy_helper.from_array(v, n) for n, v in weights.items()]
        node = helper.make_node(op, order, ["y"], **(attrs or {}))
        g = helper.make_graph([node], op.lower(), vis,
                              [helper.make_tensor_value_info(
                                  "y", tt(np.dtype(out_type)), None)], inits)
        model = helper.make_model(
            g, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 8
        feed = {}
        for n, t, _, f in inputs:
            info = np.iinfo(t) if np.dtype(t).kind in "iu" else None
            feed[n] = (rng.integers(info.min, info.max + 1, f).astype(t)
                       if info else rng.standard_normal(f).astype(t))
        return model, feed, flops
    return build


def _mlp(widths):
    """Gemm + Relu layers of the given widths on one input row."""
    def build():
        from onnx import TensorProto, helper, numpy_helper
        nodes, inits, prev = [], [], "x"
        for i, (a, b) in enumerate(zip(widths, widths[1:])):
            inits += [numpy_helper.from_array(_w(b, a), f"w{i}"),
                      numpy_helper.from_array(_w(b), f"b{i}")]
            nodes.append(helper.make_node("Gemm", [prev, f"w{i}", f"b{i}"],
                                          [f"g{i}"], transB=1))
            prev = f"g{i}"
            if i + 2 < len(widths):
                nodes.append(helper.make_node("Relu", [prev], [f"r{i}"]))
                prev = f"r{i}"
        nodes[-1].output[0] = "y"
        g = helper.make_graph(
            nodes, "mlp",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                           ["N", widths[0]])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
            inits)
        model = helper.make_model(
            g, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        feed = {"x": np.random.default_rng(0).standard_normal(
            (1, widths[0])).astype(np.float32)}
        flops = 2.0 * sum(a * b for a, b in zip(widths, widths[1:]))
        return model, feed, flops
    return build


def _w(*shape):
    return (np.random.default_rng(1).standard_normal(shape) * 0.05).astype(
        np.float32)


def _conv(n, c, hw, f, k, stride=1, pad=0, group=1, dims=2):
    """Conv with constant weights and bias; FLOPs 2*N*F*O*C/g*K."""
    spatial = [hw] * dims
    out = [(hw + 2 * pad - k) // stride + 1] * dims
    flops = 2.0 * n * f * np.prod(out) * (c // group) * k ** dims
    return _single("Conv", [("x", [n, c, *spatial], [n, c, *spatial])],
                   {"w": _w(f, c // group, *([k] * dims)), "b": _w(f)},
                   {"kernel_shape": [k] * dims, "strides": [stride] * dims,
                    "pads": [pad] * (2 * dims), "group": group}, flops)


MODELS = [
    ("mobilenet_like", _zoo("mobilenet_like", 0)),
    ("transformer_block", _zoo("transformer_block", 1)),
    ("matmul_512", _matmul(512, 512, 512)),
    ("matmul_1024", _matmul(1024, 1024, 1024)),
    # The op classes of dense math (docs/performance.md).
    ("matmul_symbolic_S384x384x1536",
     _single("MatMul", [("a", [1, "S", 384], [1, 384, 384])],
             {"w": _w(384, 1536)}, {}, 2.0 * 384 * 384 * 1536)),
    ("matvec_1x384x1536",
     _single("MatMul", [("a", [1, 384], [1, 384])], {"w": _w(384, 1536)},
             {}, 2.0 * 384 * 1536)),
    ("gemm_transB_bias_M64x256x1024",
     _single("Gemm", [("a", ["M", 256], [64, 256])],
             {"w": _w(1024, 256), "c": _w(1024)}, {"transB": 1},
             2.0 * 64 * 256 * 1024)),
    ("batched_matmul_12xSx64xS",
     _single("MatMul", [("q", [12, "S", 64], [12, 128, 64]),
                        ("k", [12, 64, "S"], [12, 64, 128])], {}, {},
             2.0 * 12 * 128 * 64 * 128)),
    ("conv3x3_64_56", _conv(1, 64, 56, 64, 3, pad=1)),
    ("conv1x1_128to256_28", _conv(1, 128, 28, 256, 1)),
    # ResNet-18's later stages: few pixels, many channels.
    ("conv3x3_256_14", _conv(1, 256, 14, 256, 3, pad=1)),
    ("conv3x3_512_7", _conv(1, 512, 7, 512, 3, pad=1)),
    ("conv3x3_s2_3to32_224", _conv(1, 3, 224, 32, 3, stride=2, pad=1)),
    ("depthwise3x3_144_56", _conv(1, 144, 56, 144, 3, pad=1, group=144)),
    # MobileNetV2's expensive shapes: a stride-2 depthwise on a large
    # plane, and a pointwise with many channels on a 7 x 7 image.
    ("depthwise3x3_s2_96_112", _conv(1, 96, 112, 96, 3, stride=2, pad=1,
                                     group=96)),
    ("conv1x1_320to1280_7", _conv(1, 320, 7, 1280, 1)),
    # A projection with a deep reduction: pixel rows, x read in place.
    ("conv1x1_960to160_7", _conv(1, 960, 7, 160, 1)),
    # Its narrow depthwise layers ("same" planes go flat: one run of
    # outputs, masked taps).
    ("depthwise3x3_576_14", _conv(1, 576, 14, 576, 3, pad=1, group=576)),
    ("depthwise3x3_960_7", _conv(1, 960, 7, 960, 3, pad=1, group=960)),
    # and its first expansion: few input channels on a large image.
    ("conv1x1_16to96_112", _conv(1, 16, 112, 96, 1)),
    ("grouped3x3_g8_128_28", _conv(1, 128, 28, 128, 3, pad=1, group=8)),
    ("conv1d_k512_s160_1to257", _conv(1, 1, 16000, 257, 512, stride=160,
                                      dims=1)),
    ("resnet_block_64x56x56", _resnet_block()),
    # A decoder's upsampling: ConvTranspose 4x4 stride 2, 64 -> 32 channels,
    # 28x28 -> 56x56 (FLOPs of the transposed convolution itself).
    ("convtranspose4x4_s2_64to32_28",
     _single("ConvTranspose", [("x", [1, 64, 28, 28], [1, 64, 28, 28])],
             {"w": _w(64, 32, 4, 4), "b": _w(32)},
             {"strides": [2, 2], "pads": [1, 1, 1, 1]},
             2.0 * 64 * 32 * 16 * 28 * 28)),
    # A quantized transformer's projection: uint8 activations times int8
    # weights with zero points, int32 out (DynamicQuantizeLinear exports).
    ("matmulinteger_u8s8_128x768x768",
     _single_typed("MatMulInteger",
                   [("a", "uint8", ["S", 768], [128, 768])],
                   {"w": _qw(768, 768), "a_zp": np.array(128, np.uint8),
                    "w_zp": np.array(0, np.int8)},
                   ["a", "w", "a_zp", "w_zp"], "int32",
                   2.0 * 128 * 768 * 768)),
    # Small-model overhead: an MLP of three small Gemms (a tabular model),
    # where validation, allocation and dispatch are most of the time.
    ("mlp_3gemm_1x64", _mlp([64, 128, 64, 10])),
    # The other ops of a transformer layer: attention's softmax over keys
    # and a layer normalization (opset 17), no FLOP count.
    ("softmax_12x128x128",
     _single("Softmax", [("x", [12, "S", 128], [12, 128, 128])], {},
             {"axis": -1}, None)),
    ("layernorm_128x768",
     _single("LayerNormalization", [("x", ["S", 768], [128, 768])],
             {"g": _w(768), "b": _w(768)}, {"axis": -1}, None)),
]


# The whole-model suite (bench/model_suite.py): real architectures.
from model_suite import SUITE  # noqa: E402
MODELS += SUITE


# --------------------------------------------------------------------------
# Processes.

def _vm_hwm_kb(pid):
    """The process's peak RSS so far (VmHWM), or 0 if it cannot be read."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_measured(cmd, timeout=3600, rt_priority=0):
    """Runs cmd; returns (returncode, stdout, stderr, peak RSS in MiB).

    The peak is the child's VmHWM, sampled every 10 ms: ru_maxrss would not
    do, because Linux carries it across exec, so every child reported at
    least the RSS of this (much bigger) Python process at fork time.
    rt_priority > 0 runs the child (not this sampler) SCHED_FIFO at it."""
    def realtime():
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(rt_priority))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err,
                                preexec_fn=realtime if rt_priority else None)
        start = time.monotonic()
        hwm_kb = 0
        while True:
            hwm_kb = max(hwm_kb, _vm_hwm_kb(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > timeout:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (proc.returncode, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"),
                (hwm_kb or usage.ru_maxrss) / 1024.0)


def ort_worker(args):
    """--ort-worker MODEL INPUTS.npz OUT.npz RUNS WARMUP THREADS, or
    --ort-worker BASE: import only (the baseline RSS)."""
    import onnxruntime as ort

    def print_peak():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    print("peak rss: " + line.split(":", 1)[1].strip())
    if args[0] == "BASE":
        print_peak()
        return 0
    model, inputs, out, runs, warmup, threads = args
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = int(threads)
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(model, opts,
                                providers=["CPUExecutionProvider"])
    feed = dict(np.load(inputs))
    for _ in range(int(warmup)):
        outs = sess.run(None, feed)
    times = []
    for _ in range(int(runs)):
        t = time.perf_counter()
        outs = sess.run(None, feed)
        times.append((time.perf_counter() - t) * 1e3)
    names = [o.name for o in sess.get_outputs()]
    np.savez(out, **{f"o{i}": v for i, v in enumerate(outs)})
    print("output names: " + ",".join(names))
    print(f"median latency: {np.median(times):.4f} ms")
    print(f"min latency: {np.min(times):.4f} ms")
    print_peak()
    return 0


MEDIAN_RE = re.compile(r"median(?: latency)?[:=]\s*([0-9.eE+-]+)\s*ms")
MIN_RE = re.compile(r"min latency:\s*([0-9.eE+-]+)\s*ms")
PEAK_RE = re.compile(r"peak rss:\s*([0-9]+)\s*kB")


def peak_mb(output, sampled_mb):
    """The peak RSS a process printed for itself (exact), else the sampled
    one."""
    m = PEAK_RE.search(output)
    return int(m.group(1)) / 1024.0 if m else sampled_mb


def bench_model(args, name, build, tmp):
    """Compiles the model once and runs it at every thread count of
    args.threads: one row per count."""
    import onnx
    model, feed, flops = build()
    d = os.path.join(tmp, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    onnx.save(model, path)

    so = os.path.join(d, "model.so")
    t = time.monotonic()
    rc, _, err, compile_mb = run_measured(
        [os.path.join(args.build_dir, "bin", "kiln-compile"), path, "-o", so,
         f"-O{args.opt}"])
    compile_s = time.monotonic() - t
    rows = []
    for threads in args.threads:
        row = {"name": name if len(args.threads) == 1 else f"{name}@{threads}t",
               "model": name, "threads": threads, "flops": flops,
               "compile_s": compile_s, "compile_mb": compile_mb}
        if rc != 0:
            row["error"] = "compile failed: " + err.strip().splitlines()[-1]
        rows.append(row)
    # Rounds of Kiln and ORT at every thread count in turn: a shared host
    # that slows down for a minute then slows both sides and every count
    # of some rounds, and the median over rounds leaves those out (one
    # round per count and side let a slow minute land on one of them).
    inputs = []
    for i, (k, v) in enumerate(feed.items()):
        p = os.path.join(d, f"in{i}.npy")
        np.save(p, v)
        inputs.append(f"{k}={p}")
    npz = os.path.join(d, "inputs.npz")
    np.savez(npz, **feed)
    keys = ("kiln_ms", "ort_ms")
    samples = [{key: [] for key in keys} for _ in rows]
    for _ in range(args.rounds):
        for row, got in zip(rows, samples):
            if "error" in row:
                continue
            run_model(args, row, d, path, so, inputs, npz, row["threads"])
            if "error" not in row:
                for key in keys:
                    got[key].append(row[key])
    combine = np.min if args.stat == "min" else np.median
    for row, got in zip(rows, samples):
        if "error" not in row:
            for key in keys:
                row[key] = float(combine(got[key]))
    return rows


def run_model(args, row, d, path, so, inputs, npz, threads):
    """Runs the compiled model (its feeds: kiln-run's NAME=FILE arguments
    and the same in one .npz for ORT) and ONNX Runtime at `threads`
    threads; fills row (latencies, memory, whether the outputs agree) or
    row["error"]."""
    from kiln_harness import compare, sanitize
    kout = os.path.join(d, "kiln_out")
    os.makedirs(kout, exist_ok=True)
    rc, out, err, rss = run_measured(
        [os.path.join(args.build_dir, "bin", "kiln-run"), so, *inputs,
         "-o", kout, "--bench", str(args.runs), "--warmup", str(args.warmup),
         "--threads", str(threads)], rt_priority=args.rt_priority)
    stat_re = MIN_RE if args.stat == "min" else MEDIAN_RE
    m = stat_re.search(out + err)
    if rc != 0 or not m:
        row["error"] = f"kiln-run failed ({rc}): " + (err or out).strip()[-200:]
        return
    row["kiln_ms"], row["kiln_mb"] = float(m.group(1)), peak_mb(out, rss)

    oout = os.path.join(d, "ort_out.npz")
    rc, out, err, rss = run_measured(
        [sys.executable, os.path.abspath(__file__), "--ort-worker", path, npz,
         oout, str(args.runs), str(args.warmup), str(threads)],
        rt_priority=args.rt_priority)
    m = stat_re.search(out)
    if rc != 0 or not m:
        row["error"] = f"onnxruntime failed ({rc}): " + err.strip()[-200:]
        return
    row["ort_ms"], row["ort_mb"] = float(m.group(1)), peak_mb(out, rss)

    names = out.split("output names: ")[1].splitlines()[0].split(",")
    expected = np.load(oout)
    if not row.get("ok", "yes").startswith("yes"):
        return  # an earlier round's mismatch stands
    row["ok"] = "yes"
    for i, oname in enumerate(names):
        p = os.path.join(kout, sanitize(oname) + ".npy")
        why = (compare(np.load(p), expected[f"o{i}"], rtol=1e-3, atol=1e-4)
               if os.path.exists(p) else "missing")
        if why and why != "missing":
            row["ok"] = arbitrate(path, npz, i, oname, np.load(p), why,
                                  compare)
        elif why:
            row["ok"] = f"NO ({oname}: {why[:60]})"
        if not row["ok"].startswith("yes"):
            break


def arbitrate(path, npz, i, oname, got, why, compare):
    """The verdict on output i where Kiln and ORT disagree (`why`): ONNX's
    reference evaluator decides. ORT is not always right: its u8 x s8
    MatMulInteger on AVX2 without VNNI saturates pairs of products in 16
    bits (128 x 768 x 768: 98300 of 98304 values off, Kiln's exact)."""
    try:
        from onnx.reference import ReferenceEvaluator
        ref = ReferenceEvaluator(path).run(None, dict(np.load(npz)))[i]
    except Exception as e:  # an op the evaluator lacks: ORT's word stands
        return f"NO ({oname}: {why[:60]}; no reference: {type(e).__name__})"
    if compare(got, ref, rtol=1e-3, atol=1e-4):
        return f"NO ({oname}: {why[:60]})"
    return "yes (ORT off the ONNX reference)"


def fma_peak(build_dir):
    """GFLOP/s of kiln-fma-peak (one core, fp32 FMA), or None."""
    probe = os.path.join(build_dir, "bin", "kiln-fma-peak")
    if not os.path.exists(probe):
        return None
    out = subprocess.run([probe], capture_output=True, text=True).stdout
    m = re.search(r"fma peak: ([0-9.]+) GFLOP/s", out)
    return float(m.group(1)) if m else None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def fmt_table(rows, base_mb, peak=None):
    head = ["model", "kiln ms", "ort ms", "lat k/o", "kiln MB", "ort MB",
            "ort-base MB", "mem k/o", "kiln GF/s", "ort GF/s", "kiln %peak",
            "ort %peak", "compile s", "compile MB", "ok"]
    lines = []
    for r in rows:
        if "error" in r:
            lines.append([r["name"], "ERROR: " + r["error"]])
            continue
        net = max(r["ort_mb"] - base_mb, 1e-9)
        gf = lambda ms: (f"{r['flops'] / (ms * 1e-3) / 1e9:.1f}"
                         if r["flops"] else "-")
        share = lambda ms: (
            f"{100 * r['flops'] / (ms * 1e-3) / 1e9 / peak:.0f}%"
            if r["flops"] and peak else "-")
        lines.append([
            r["name"], f"{r['kiln_ms']:.3f}", f"{r['ort_ms']:.3f}",
            f"{r['kiln_ms'] / r['ort_ms']:.2f}", f"{r['kiln_mb']:.1f}",
            f"{r['ort_mb']:.1f}", f"{net:.1f}",
            f"{r['kiln_mb'] / r['ort_mb']:.2f}", gf(r["kiln_ms"]),
            gf(r["ort_ms"]), share(r["kiln_ms"]), share(r["ort_ms"]),
            f"{r['compile_s']:.1f}", f"{r['compile_mb']:.0f}", r["ok"]])
    widths = [max([len(h)] + [len(l[i]) for l in lines if len(l) > i])
              for i, h in enumerate(head)]
    out = ["  ".join(h.rjust(w) if i else h.ljust(w)
                     for i, (h, w) in enumerate(zip(head, widths)))]
    for l in lines:
        if len(l) == 2:
            out.append(l[0].ljust(widths[0]) + "  " + l[1])
        else:
            out.append("  ".join(c.rjust(w) if i else c.ljust(w)
                                 for i, (c, w) in enumerate(zip(l, widths))))
    return "\n".join(out)


def fmt_speedups(rows, counts):
    """Each model's speedup from the first thread count to the others, for
    Kiln and for ONNX Runtime."""
    by = {(r["model"], r["threads"]): r for r in rows if "error" not in r}
    models = list(dict.fromkeys(r["model"] for r in rows))
    lines = ["speedup over " + f"{counts[0]} thread(s): " +
             "  ".join(f"kiln {t}t  ort {t}t" for t in counts[1:])]
    for m in models:
        base = by.get((m, counts[0]))
        cells = []
        for t in counts[1:]:
            r = by.get((m, t))
            if not base or not r:
                cells.append("   -        -   ")
                continue
            cells.append(f"{base['kiln_ms'] / r['kiln_ms']:6.2f}x  "
                         f"{base['ort_ms'] / r['ort_ms']:6.2f}x")
        lines.append(f"  {m:32s} " + "  ".join(cells))
    return "\n".join(lines)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--ort-worker":
        return ort_worker(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("-k", default="", help="only models whose name matches this regular expression")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("-O", dest="opt", default="3")
    ap.add_argument("--threads", default="1",
                    help="intra-op threads, or a comma-separated list of "
                    "counts (a row per model and count, and the speedups)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="measure each model this many times, Kiln and ORT "
                    "at every thread count in turn, and report the median "
                    "of the rounds' medians (for a noisy shared host)")
    ap.add_argument("--stat", choices=("median", "min"), default="median",
                    help="each side's latency: the median of its runs (and "
                    "of the rounds), or the minimum of them all. The minimum "
                    "for a host whose speed comes in phases (an EPYC VM ran "
                    "MobileNetV2 in 11.1 ms at best and 17.3 at the median "
                    "of 50 runs): a change or a ratio is only seen in the "
                    "fast phase, which both sides reach")
    ap.add_argument("--rt-priority", type=int, default=0,
                    help="run Kiln and ORT (not this script) SCHED_FIFO at "
                    "this priority. Best left off for two threads: with the "
                    "sampler of this script runnable beside them, the "
                    "kernel's real-time throttling stops one core's thread "
                    "at a time (MobileNetV2 on two threads 3.9 ms without, "
                    "5.2 ms with). Never start the script itself under "
                    "chrt: its sampler then takes a core from the threads "
                    "it measures (Kiln's GPT on two threads 4.6 -> 6.0-8.3 "
                    "ms)")
    ap.add_argument("--keep", help="keep models, artifacts and outputs here")
    args = ap.parse_args()
    args.build_dir = os.path.abspath(args.build_dir)
    args.threads = [int(t) for t in args.threads.split(",")]

    rc, out, err, base_mb = run_measured(
        [sys.executable, os.path.abspath(__file__), "--ort-worker", "BASE"])
    base_mb = peak_mb(out, base_mb)
    if rc != 0:
        print("cannot import onnxruntime: " + err, file=sys.stderr)
        return 1
    rows = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = args.keep or tmpdir
        for name, build in MODELS:
            if not re.search(args.k, name):
                continue
            print(f"... {name}", file=sys.stderr, flush=True)
            rows.extend(bench_model(args, name, build, tmp))
    peak = fma_peak(args.build_dir)
    print(f"Kiln -O{args.opt} vs onnxruntime, "
          f"{','.join(map(str, args.threads))} thread(s), "
          f"{args.stat} of {args.runs} runs after {args.warmup} warm-up"
          + (f", {args.stat} of {args.rounds} interleaved rounds"
             if args.rounds > 1 else "") + "; "
          f"ort base RSS (python+numpy+onnxruntime import) {base_mb:.1f} MB")
    print(f"CPU: {cpu_model()}; fp32 FMA peak of one core, measured now: "
          + (f"{peak:.1f} GFLOP/s" if peak else "unknown"))
    print(fmt_table(rows, base_mb, peak))
    geomean = lambda xs: float(np.exp(np.mean(np.log(xs))))
    for threads in args.threads:
        ratios = [r["kiln_ms"] / r["ort_ms"] for r in rows
                  if "error" not in r and r["threads"] == threads]
        if ratios:
            print(f"geomean Kiln/ORT latency over {len(ratios)} models at "
                  f"{threads} thread(s): {geomean(ratios):.2f} "
                  f"(worst {max(ratios):.2f})")
    if len(args.threads) > 1:
        print(fmt_speedups(rows, args.threads))
    return 1 if any("error" in r or not r.get("ok", "").startswith("yes") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
