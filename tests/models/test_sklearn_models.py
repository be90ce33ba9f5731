#!/usr/bin/env python3
"""Compiles the scikit-learn models of sklearn/ (ai.onnx.ml operators,
converted by export_sklearn_models.py with skl2onnx) with Kiln, keeping the
symbolic batch dim, runs them on two batch sizes and compares every output
(labels exactly, scores within rtol 1e-4, atol 1e-5) with ONNX Runtime, at
-O1 and -O3: with kiln-compile and kiln-run, or through the Python API
(`build/python`) for models with string inputs or labels or ZipMap's
sequence of maps (skl2onnx's default classifiers: compared as the lists of
{label: probability} dicts ONNX Runtime returns). Random tree
ensembles built here with onnx.helper add what skl2onnx does not emit:
every branch mode, NaN inputs with missing-value tracks, the MIN, MAX and
AVERAGE aggregates, base values and the post transforms.

  test_sklearn_models.py --build-dir build [-k name]

Ends with the summary line `N passed, N failed`.
"""
import argparse
import glob
import os
import sys

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
# Models whose operators have no lowering yet: they must fail with the
# compiler's clear message (and start passing when one lands).
NO_LOWERING = {}
sys.path.insert(0, HERE)
from kiln_harness import Kiln, check_against_onnxruntime  # noqa: E402


def feeds_for(model, name):
    """Inputs like the training data: normal floats (some NaN for the
    imputer), small category numbers for the one-hot encoder."""
    rng = np.random.default_rng(0)
    feeds = []
    for batch in (1, 37):
        feed = {}
        for vi in model.graph.input:
            dims = [d.dim_value or batch
                    for d in vi.type.tensor_type.shape.dim]
            if vi.type.tensor_type.elem_type == onnx.TensorProto.STRING:
                # Known categories and one the model has not seen.
                feed[vi.name] = rng.choice(
                    ["red", "green", "blue", "mauve"], dims).astype(object)
            elif vi.type.tensor_type.elem_type == onnx.TensorProto.INT64:
                feed[vi.name] = rng.integers(0, 5, dims).astype(np.int64)
            else:
                x = rng.standard_normal(dims).astype(np.float32) * 2
                if name == "imputer":
                    x[::3, 1] = np.nan
                feed[vi.name] = x
        feeds.append(feed)
    return feeds


def random_trees(op, rng, modes, targets=3, aggregate=None, transform="NONE",
                 missing=False, trees=6, depth=3, features=6, base=None):
    """A TreeEnsembleRegressor/Classifier of random full trees built with
    onnx.helper: the branch modes, missing-value tracks, aggregates and post
    transforms skl2onnx does not emit."""
    from onnx import helper
    a = {k: [] for k in ("treeids", "nodeids", "featureids", "modes",
                         "values", "true", "false", "missing")}
    w = {k: [] for k in ("treeids", "nodeids", "ids", "weights")}
    for t in range(trees):
        for node in range(2 ** (depth + 1) - 1):
            leaf = node >= 2 ** depth - 1
            a["treeids"].append(t)
            a["nodeids"].append(node)
            a["featureids"].append(0 if leaf else int(rng.integers(features)))
            a["modes"].append("LEAF" if leaf else str(rng.choice(modes)))
            # Thresholds on a grid, so that BRANCH_EQ/NEQ meet equal inputs.
            a["values"].append(0.0 if leaf else float(rng.integers(-2, 3)))
            a["true"].append(0 if leaf else 2 * node + 1)
            a["false"].append(0 if leaf else 2 * node + 2)
            a["missing"].append(int(missing and rng.random() < 0.5))
            if leaf:
                for k in rng.choice(targets, int(rng.integers(1, targets + 1)),
                                    replace=False):
                    w["treeids"].append(t)
                    w["nodeids"].append(node)
                    w["ids"].append(int(k))
                    w["weights"].append(float(rng.standard_normal()))
    attrs = dict(nodes_treeids=a["treeids"], nodes_nodeids=a["nodeids"],
                 nodes_featureids=a["featureids"], nodes_modes=a["modes"],
                 nodes_values=a["values"], nodes_truenodeids=a["true"],
                 nodes_falsenodeids=a["false"], post_transform=transform,
                 nodes_missing_value_tracks_true=a["missing"])
    if base is not None:
        attrs["base_values"] = base
    x = helper.make_tensor_value_info("X", onnx.TensorProto.FLOAT,
                                      ["N", features])
    if op == "TreeEnsembleClassifier":
        node = helper.make_node(
            op, ["X"], ["label", "scores"], domain="ai.onnx.ml",
            classlabels_int64s=list(range(10, 10 + targets)),
            class_treeids=w["treeids"], class_nodeids=w["nodeids"],
            class_ids=w["ids"], class_weights=w["weights"], **attrs)
        outs = [helper.make_tensor_value_info("label", onnx.TensorProto.INT64,
                                              ["N"]),
                helper.make_tensor_value_info("scores",
                                              onnx.TensorProto.FLOAT,
                                              ["N", targets])]
    else:
        node = helper.make_node(
            op, ["X"], ["y"], domain="ai.onnx.ml", n_targets=targets,
            aggregate_function=aggregate, target_treeids=w["treeids"],
            target_nodeids=w["nodeids"], target_ids=w["ids"],
            target_weights=w["weights"], **attrs)
        outs = [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT,
                                              ["N", targets])]
    graph = helper.make_graph([node], "trees", [x], outs)
    return helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)])


def generated_models():
    """(name, model, feeds) of the random tree ensembles; the inputs are on
    the thresholds' grid and a third of them NaN where missing values are
    tracked."""
    rng = np.random.default_rng(7)
    all_modes = ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT",
                 "BRANCH_EQ", "BRANCH_NEQ"]
    cases = []
    for agg in ("SUM", "AVERAGE", "MIN", "MAX"):
        cases.append((f"trees_{agg.lower()}", "TreeEnsembleRegressor",
                      dict(aggregate=agg, base=[0.5, -0.5, 1.0])))
    for transform in ("SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO"):
        cases.append((f"trees_{transform.lower()}", "TreeEnsembleRegressor",
                      dict(aggregate="SUM", transform=transform)))
    cases.append(("trees_one_target_probit", "TreeEnsembleRegressor",
                  dict(aggregate="SUM", transform="PROBIT", targets=1)))
    cases.append(("trees_classifier_softmax", "TreeEnsembleClassifier",
                  dict(transform="SOFTMAX", base=[0.1, 0.2, 0.3])))
    cases.append(("trees_classifier_logistic", "TreeEnsembleClassifier",
                  dict(transform="LOGISTIC")))
    out = []
    for name, op, kw in cases:
        model = random_trees(op, rng, all_modes, missing=True, **kw)
        feeds = []
        for batch in (1, 29):
            x = rng.integers(-3, 4, (batch, 6)).astype(np.float32)
            x[rng.random(x.shape) < 0.3] = np.nan
            feeds.append({"X": x})
        out.append((name, model, feeds))
    return out


def check_with_python_api(build_dir, model, feeds, level):
    """kiln-run reads and writes .npy files, which hold no strings: models
    with string inputs or outputs (categories, class labels) run through
    Kiln's Python API instead, which takes and returns them as ONNX Runtime
    does (object arrays of str)."""
    sys.path.insert(0, os.path.join(build_dir, "python"))
    import kiln
    import onnxruntime as ort

    data = model.SerializeToString()
    opts = kiln.SessionOptions()
    opts.graph_optimization_level = kiln.GraphOptimizationLevel(level)
    try:
        sess = kiln.InferenceSession(data, opts)
    except Exception as e:  # noqa: BLE001 - a compile error is the result
        return f"compile failed: {str(e)[-800:]}"
    ref = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    for i, feed in enumerate(feeds):
        got, want = sess.run(None, feed), ref.run(None, feed)
        for out, a, e in zip(ref.get_outputs(), got, want):
            if out.type.startswith("seq(map("):
                why = same_maps(a, e)
                if why:
                    return f"feed {i}: output {out.name}: {why}"
                continue
            a, e = np.asarray(a), np.asarray(e)
            if a.shape != e.shape:
                return f"feed {i}: output {out.name}: shape {a.shape} != {e.shape}"
            if e.dtype == object:
                ok = (a.astype(str) == e.astype(str)).all()
            else:
                ok = np.allclose(a, e, rtol=1e-4, atol=1e-5, equal_nan=True)
            if not ok:
                return f"feed {i}: output {out.name} differs: {a[:4]} vs {e[:4]}"
    return None


def same_maps(got, want):
    """ZipMap's output as ONNX Runtime returns it: a list of dicts with the
    same keys (and key types), probabilities within tolerance."""
    if not isinstance(got, list) or len(got) != len(want):
        return f"got {type(got).__name__}, expected a list of {len(want)}"
    for r, (g, w) in enumerate(zip(got, want)):
        if not isinstance(g, dict) or list(g) != list(w):
            return f"row {r}: keys {list(g)} != {list(w)}"
        if any(type(k) is not type(v) for k, v in zip(g, w)):
            return f"row {r}: key types differ"
        if not np.allclose(list(g.values()), list(w.values()), rtol=1e-4,
                           atol=1e-5):
            return f"row {r}: {g} != {w}"
    return None


def needs_python_api(model):
    """String tensors or sequences of maps at the edges: kiln-run's .npy
    files hold neither."""
    values = list(model.graph.input) + list(model.graph.output)
    return any(v.type.tensor_type.elem_type == onnx.TensorProto.STRING or
               v.type.HasField("sequence_type") for v in values)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("-k", default="")
    args = ap.parse_args()
    kiln = Kiln(os.path.abspath(args.build_dir))
    passed = failed = 0
    for path in sorted(glob.glob(os.path.join(HERE, "sklearn", "*.onnx"))):
        name = os.path.basename(path)[:-5]
        if args.k not in name:
            continue
        model = onnx.load(path)
        for level in (1, 3):
            if needs_python_api(model):
                why = check_with_python_api(os.path.abspath(args.build_dir),
                                            model, feeds_for(model, name),
                                            level)
            else:
                why = check_against_onnxruntime(
                    kiln, model, feeds_for(model, name), [f"-O{level}"],
                    rtol=1e-4, atol=1e-5, name=name)
            if name in NO_LOWERING:
                op = NO_LOWERING[name]
                expected = (f"unsupported ONNX operator '{op}' (domain "
                            "ai.onnx.ml)")
                why = None if why and expected in why and \
                    "Kiln has no lowering for it" in why else \
                    f"expected the no-lowering error for {op}, got: {why}"
            if why:
                failed += 1
                print(f"FAIL {name} -O{level}: {why}")
            else:
                passed += 1
                print(f"ok   {name} -O{level}")
    for name, model, feeds in generated_models():
        if args.k not in name:
            continue
        for level in (1, 3):
            why = check_against_onnxruntime(kiln, model, feeds,
                                            [f"-O{level}"], rtol=1e-4,
                                            atol=1e-5, name=name)
            if why:
                failed += 1
                print(f"FAIL {name} -O{level}: {why}")
            else:
                passed += 1
                print(f"ok   {name} -O{level}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
