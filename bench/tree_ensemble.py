#!/usr/bin/env python3
"""Tree ensembles (ai.onnx.ml) against ONNX Runtime: a random forest of full
trees built with onnx.helper (no scikit-learn), run by Kiln (kiln-run
--bench) and by ONNX Runtime on the same batch, one thread each unless
--threads says otherwise.

  python3 bench/tree_ensemble.py --build-dir build [--trees 100] [--depth 8]
      [--features 20] [--batch 1000] [--classes 0] [--threads 1]

--classes 0 builds a TreeEnsembleRegressor, N > 0 a TreeEnsembleClassifier
with N classes (every leaf weighs every class, as a random forest's do).
Prints the median latency of each and the Kiln/ORT ratio (below 1: Kiln is
faster).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import TensorProto, helper


def forest(trees, depth, features, classes, seed=0):
    rng = np.random.default_rng(seed)
    a = {k: [] for k in ("treeids", "nodeids", "featureids", "modes",
                         "values", "true", "false")}
    w = {k: [] for k in ("treeids", "nodeids", "ids", "weights")}
    targets = max(classes, 1)
    for t in range(trees):
        n_nodes = 2 ** (depth + 1) - 1
        for node in range(n_nodes):
            leaf = node >= 2 ** depth - 1
            a["treeids"].append(t)
            a["nodeids"].append(node)
            a["featureids"].append(0 if leaf else int(rng.integers(features)))
            a["modes"].append("LEAF" if leaf else "BRANCH_LEQ")
            a["values"].append(0.0 if leaf else float(rng.standard_normal()))
            a["true"].append(0 if leaf else 2 * node + 1)
            a["false"].append(0 if leaf else 2 * node + 2)
            if leaf:
                for k in range(targets):
                    w["treeids"].append(t)
                    w["nodeids"].append(node)
                    w["ids"].append(k)
                    w["weights"].append(float(rng.random()) / trees)
    attrs = dict(nodes_treeids=a["treeids"], nodes_nodeids=a["nodeids"],
                 nodes_featureids=a["featureids"], nodes_modes=a["modes"],
                 nodes_values=a["values"], nodes_truenodeids=a["true"],
                 nodes_falsenodeids=a["false"])
    x = helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", features])
    if classes:
        node = helper.make_node(
            "TreeEnsembleClassifier", ["X"], ["label", "scores"],
            domain="ai.onnx.ml", classlabels_int64s=list(range(classes)),
            class_treeids=w["treeids"], class_nodeids=w["nodeids"],
            class_ids=w["ids"], class_weights=w["weights"], **attrs)
        outs = [helper.make_tensor_value_info("label", TensorProto.INT64,
                                              ["N"]),
                helper.make_tensor_value_info("scores", TensorProto.FLOAT,
                                              ["N", classes])]
    else:
        node = helper.make_node(
            "TreeEnsembleRegressor", ["X"], ["y"], domain="ai.onnx.ml",
            n_targets=1, target_treeids=w["treeids"],
            target_nodeids=w["nodeids"], target_ids=w["ids"],
            target_weights=w["weights"], **attrs)
        outs = [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                              ["N", 1])]
    graph = helper.make_graph([node], "forest", [x], outs)
    return helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17),
                              helper.make_opsetid("ai.onnx.ml", 3)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--depth", type=int, default=8)
    ap.add_argument("--features", type=int, default=20)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--classes", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=50)
    args = ap.parse_args()
    import onnxruntime as ort

    model = forest(args.trees, args.depth, args.features, args.classes)
    x = np.random.default_rng(1).standard_normal(
        (args.batch, args.features)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "forest.onnx")
        onnx.save(model, path)
        so = os.path.join(tmp, "forest.so")
        bin_dir = os.path.join(args.build_dir, "bin")
        subprocess.run([os.path.join(bin_dir, "kiln-compile"), path, "-o", so],
                       check=True)
        xin = os.path.join(tmp, "x.npy")
        np.save(xin, x)
        run = subprocess.run(
            [os.path.join(bin_dir, "kiln-run"), so, f"X={xin}",
             "--bench", str(args.runs), "--warmup", "5",
             "--threads", str(args.threads), "-o", tmp],
            check=True, capture_output=True, text=True)
        m = re.search(r"median[^0-9]*([0-9.]+)\s*(ms|us)", run.stdout +
                      run.stderr)
        if not m:
            sys.exit("cannot read kiln-run's median: " + run.stdout)
        kiln_ms = float(m.group(1)) / (1000 if m.group(2) == "us" else 1)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = args.threads
        opts.inter_op_num_threads = 1
        sess = ort.InferenceSession(path, opts,
                                    providers=["CPUExecutionProvider"])
        for _ in range(5):
            sess.run(None, {"X": x})
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            sess.run(None, {"X": x})
            times.append(time.perf_counter() - t0)
        ort_ms = float(np.median(times)) * 1000
    kind = (f"classifier ({args.classes} classes)" if args.classes
            else "regressor")
    print(f"{args.trees} trees depth {args.depth}, {args.features} features, "
          f"batch {args.batch}, {kind}, {args.threads} thread(s): "
          f"Kiln {kiln_ms:.3f} ms, ORT {ort_ms:.3f} ms, "
          f"ratio {kiln_ms / ort_ms:.2f}")


if __name__ == "__main__":
    main()
