"""Fault injection (issue 12): bad input, tried as a careless user and as an
attacker would, ends in a clear error of ONNX Runtime's class, never a
signal, a hang, a leak or a wrong answer.

Every class the issue lists is re-created here with instances it did not
name (other shapes, ops, offsets, links, byte positions). Anything that
could crash or hang runs in a child process under a timeout, so that this
test reports the case instead of dying with it: the child prints one JSON
line per case as it goes, and a signal or a timeout names the case it was
in. Where ONNX Runtime has a behaviour, the same case runs on it and the
class (and its message, where Kiln mirrors it) is compared.

Run from the build tree: PYTHONPATH=build/python KILN_BUILD_DIR=build
python3 -m unittest tests/python/test_fault_injection.py
"""

import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import textwrap
import time
import unittest

import numpy as np
import onnx
import onnx.helper as oh
import onnx.numpy_helper as onh
import onnxruntime as ort
from onnx import TensorProto

import kiln

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from private_cache import PrivateCacheCase  # noqa: E402

BUILD_DIR = os.environ.get("KILN_BUILD_DIR", "build")
KILN_RUN = os.path.join(BUILD_DIR, "bin", "kiln-run")
KILN_COMPILE = os.path.join(BUILD_DIR, "bin", "kiln-compile")
TIMEOUT = 120  # seconds for one child (it compiles a few small models)
GiB = 1 << 30

# One child process runs a list of cases: each loads a model (an .onnx, or
# an artifact) in Kiln or ONNX Runtime, optionally lowers its address-space
# limit, runs each feed and a sane feed last (the session must still
# work), and prints what happened as JSON, flushed case by case.
CHILD = r"""
import json, os, resource, sys
import numpy as np

def vm_size():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024

def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024

def outcome(fn):
    try:
        values = fn()
    except Exception as e:  # any class: compared by name
        return {"cls": type(e).__name__, "msg": str(e)}
    if values is None:
        return {"ok": True}
    return {"ok": True, "shapes": [list(np.shape(v)) for v in values],
            "values": [np.asarray(v).ravel()[:64].tolist() for v in values]}

def emit(record):
    print(json.dumps(record), flush=True)

engine, cases = sys.argv[1], json.loads(sys.argv[2])
if engine == "ort":
    import onnxruntime as rt
    make = lambda p: rt.InferenceSession(p, providers=["CPUExecutionProvider"])
else:
    import kiln as rt
    make = rt.InferenceSession
for case in cases:
    emit({"case": case["name"], "phase": "start"})
    holder = {}
    created = outcome(lambda: holder.setdefault("s", make(case["model"])) and None)
    if "cls" in created:
        emit({"case": case["name"], "phase": "create", **created})
        continue
    session = holder["s"]
    if case.get("limit_as"):
        # Lower the address-space limit above what the process maps now
        # (the session's threads are started by a first small run).
        if case.get("sane"):
            outcome(lambda: session.run(None, dict(np.load(case["sane"]))))
        soft = vm_size() + case["limit_as"]
        resource.setrlimit(resource.RLIMIT_AS, (soft, resource.RLIM_INFINITY))
    before = rss()
    for i, feeds in enumerate(case.get("feeds", [])):
        feed = dict(np.load(feeds))
        for _ in range(case.get("repeat", 1)):
            got = outcome(lambda: session.run(None, feed))
        emit({"case": case["name"], "phase": "run", "feed": i, **got})
    grown = rss() - before
    if case.get("sane"):
        got = outcome(lambda: session.run(None, dict(np.load(case["sane"]))))
        emit({"case": case["name"], "phase": "sane", **got})
    emit({"case": case["name"], "phase": "end", "rss_growth": grown})
"""


def _model(nodes, inputs, outputs, initializers=(), opset=17, **kwargs):
    graph = oh.make_graph(nodes, "g", inputs, outputs, list(initializers))
    return oh.make_model(graph, opset_imports=[oh.make_opsetid("", opset)],
                         **kwargs)


def _vi(name, elem, shape):
    return oh.make_tensor_value_info(name, elem, shape)


def _error_of(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 (any class, compared by name)
        return type(e).__name__, str(e)
    return None


def _external(name, shape, location, **fields):
    """A float tensor `name` whose data is external at `location`."""
    t = onh.from_array(np.zeros(shape, np.float32), name)
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    for key, value in [("location", location), *fields.items()]:
        entry = t.external_data.add()
        entry.key, entry.value = key, value
    return t


def _add_external_model(location, n=4, **fields):
    return _model([oh.make_node("Add", ["x", "w"], ["y"])],
                  [_vi("x", TensorProto.FLOAT, [n])],
                  [_vi("y", TensorProto.FLOAT, [n])],
                  [_external("w", [n], location, **fields)])


class FaultCase(PrivateCacheCase):
    tmp_prefix = "kiln-fault-"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.child = os.path.join(cls.tmp, "child.py")
        with open(cls.child, "w") as f:
            f.write(CHILD)
        cls.counter = 0

    def path(self, name):
        return os.path.join(self.tmp, name)

    def save(self, model, name):
        path = self.path(name)
        onnx.save(model, path)
        return path

    def feeds(self, **arrays):
        type(self).counter += 1
        path = self.path(f"feeds{self.counter}.npz")
        np.savez(path, **arrays)
        return path

    def children(self, engine, cases, env=None, timeout=TIMEOUT):
        """Runs `cases` in one child process; returns {case: [records]}.
        Fails naming the case a signal or a timeout ended it in."""
        proc = subprocess.Popen(
            [sys.executable, self.child, engine, json.dumps(cases)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, **(env or {})))
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            out = out + json.dumps({"hang": True}) + "\n"
        records = [json.loads(line) for line in out.splitlines()
                   if line.startswith("{")]
        last = next((r["case"] for r in reversed(records) if "case" in r),
                    None)
        if records and records[-1].get("hang"):
            self.fail(f"{engine}: case {last!r} hangs (no answer in "
                      f"{timeout} s)")
        if proc.returncode < 0:
            self.fail(f"{engine}: case {last!r} ended in signal "
                      f"{signal.Signals(-proc.returncode).name}\n{err[-2000:]}")
        self.assertEqual(proc.returncode, 0, f"{engine}: {last!r}: {err[-3000:]}")
        by_case = {}
        for r in records:
            by_case.setdefault(r["case"], []).append(r)
        return by_case

    def tool(self, argv, timeout=TIMEOUT, limit_as=None, env=None):
        """A command-line tool's (exit status, stderr); a signal or a hang
        fails the test."""
        def limit():
            if limit_as:
                import resource
                resource.setrlimit(resource.RLIMIT_AS,
                                   (limit_as, resource.RLIM_INFINITY))
        try:
            result = subprocess.run(
                argv, capture_output=True, text=True, timeout=timeout,
                preexec_fn=limit, env=dict(os.environ, **(env or {})))
        except subprocess.TimeoutExpired:
            self.fail(f"{argv}: hangs (no answer in {timeout} s)")
        if result.returncode < 0:
            self.fail(f"{argv}: signal "
                      f"{signal.Signals(-result.returncode).name}: "
                      f"{result.stderr[-2000:]}")
        return result.returncode, result.stdout + result.stderr

    def assert_clear_error(self, record, cls=None, text=None, what=""):
        self.assertIn("cls", record, f"{what}: no error: {record}")
        if cls is not None:
            self.assertEqual(record["cls"], cls, f"{what}: {record}")
        self.assertTrue(record["msg"].startswith("[ONNXRuntimeError] : ")
                        or record["cls"] in ("ValueError", "TypeError"),
                        f"{what}: not ORT's form: {record}")
        if text is not None:
            self.assertIn(text, record["msg"], what)


class RunTimeShapesTest(FaultCase):
    """Shapes known only at run time that cannot be allocated: ORT returns
    an error, Kiln must too (SIGSEGV from Expand, ConstantOfShape and Tile
    before), and the session must still run afterwards."""

    def check_runs(self, cases, ort_too=True, allocation_text=True):
        mine = self.children("kiln", cases)
        theirs = self.children("ort", cases) if ort_too else {}
        for case in cases:
            name = case["name"]
            runs = [r for r in mine[name] if r["phase"] in ("create", "run")]
            self.assertTrue(runs, name)
            for i, record in enumerate(runs):
                what = f"{name} feed {i}"
                self.assert_clear_error(record, what=what)
                if allocation_text and record["phase"] == "run":
                    self.assertRegex(record["msg"],
                                     "[Ff]ailed to allocate|overflow|too large"
                                     "|negative|invalid|cannot|Invalid",
                                     what)
                if ort_too and not case.get("ort_size_limit"):
                    other = [r for r in theirs[name]
                             if r["phase"] in ("create", "run")][i]
                    self.assertIn("cls", other, f"ORT accepts {what}")
                    self.assertEqual(record["cls"], other["cls"],
                                     f"{what}: {record} vs ORT {other}")
            sane = [r for r in mine[name] if r["phase"] == "sane"]
            if sane:
                self.assertTrue(sane[0].get("ok"), f"{name}: {sane[0]}")

    def test_huge_run_time_shapes(self):
        f32, i64 = TensorProto.FLOAT, TensorProto.INT64
        x1 = np.ones(1, np.float32)
        x22 = np.ones((2, 2), np.float32)
        cases = []

        def case(name, model, bad, sane, **extra):
            path = self.save(model, name + ".onnx")
            cases.append({"name": name, "model": path,
                          "feeds": [self.feeds(**f) for f in bad],
                          "sane": self.feeds(**sane), **extra})

        # Expand (the issue: [2^31, 2^31], [2^62, 4]): three dims whose
        # product wraps, and a double tensor of 2^61 elements (2^64 bytes).
        def expand(rank):
            return _model([oh.make_node("Expand", ["x", "s"], ["y"])],
                          [_vi("x", TensorProto.DOUBLE, [1]),
                           _vi("s", i64, [rank])],
                          [_vi("y", TensorProto.DOUBLE, None)])
        xd = np.ones(1, np.float64)
        case("expand_3d", expand(3),
             [{"x": xd, "s": np.array([1 << 22, 1 << 22, 1 << 22], np.int64)},
              {"x": xd, "s": np.array([3, 1 << 40, 1 << 20], np.int64)}],
             {"x": xd, "s": np.array([2, 3, 1], np.int64)})
        case("expand_1d", expand(1),
             [{"x": xd, "s": np.array([1 << 61], np.int64)}],
             {"x": xd, "s": np.array([3], np.int64)})
        # ConstantOfShape (the issue: [2^31, 2^31] float): int8 and
        # double values, 2^40 x 2^25 and 2^33 x 2^33 x 2.
        for dtype, elem in ((np.int8, TensorProto.INT8),
                            (np.float64, TensorProto.DOUBLE)):
            value = onh.from_array(np.array([7], dtype), "value")
            for dims in ([1 << 40, 1 << 25], [1 << 33, 1 << 33, 2]):
                cos = _model([oh.make_node("ConstantOfShape", ["s"], ["y"],
                                           value=value)],
                             [_vi("s", i64, [len(dims)])],
                             [_vi("y", elem, None)])
                case(f"constant_of_shape_{dtype.__name__}_{len(dims)}", cos,
                     [{"s": np.array(dims, np.int64)}],
                     {"s": np.array([3] * len(dims), np.int64)})
        # Tile (the issue: repeats [2^61, 1]): repeats [1, 2^62] and
        # [2^31, 2^31] of a [2, 2] input.
        tile = _model([oh.make_node("Tile", ["x", "r"], ["y"])],
                      [_vi("x", f32, [2, 2]), _vi("r", i64, [2])],
                      [_vi("y", f32, None)])
        case("tile", tile,
             [{"x": x22, "r": np.array([1, 1 << 62], np.int64)},
              {"x": x22, "r": np.array([1 << 31, 1 << 31], np.int64)}],
             {"x": x22, "r": np.array([2, 3], np.int64)},
             # ORT 1.32 refuses any Tile output over 4 GiB as
             # INVALID_ARGUMENT (a limit of its own; Kiln tiles larger
             # outputs) and Kiln's failed allocation is FAIL, as ORT's.
             ort_size_limit=True)
        # Range: 2^62 int64 elements (2^65 bytes), and 2^63 - 1.
        rng = _model([oh.make_node("Range", ["a", "b", "d"], ["y"])],
                     [_vi("a", i64, []), _vi("b", i64, []), _vi("d", i64, [])],
                     [_vi("y", i64, None)])
        case("range_int64", rng,
             [{"a": np.array(0), "b": np.array(1 << 62), "d": np.array(1)},
              {"a": np.array(-(1 << 62)), "b": np.array((1 << 62) - 1),
               "d": np.array(1)}],
             {"a": np.array(1), "b": np.array(7), "d": np.array(2)})
        # Pad: pads of 2^62 and of 2^61 on both sides of an axis.
        pad = _model([oh.make_node("Pad", ["x", "p"], ["y"])],
                     [_vi("x", f32, [2, 2]), _vi("p", i64, [4])],
                     [_vi("y", f32, None)])
        case("pad", pad,
             [{"x": x22, "p": np.array([0, 1 << 62, 0, 0], np.int64)},
              {"x": x22, "p": np.array([1 << 61, 0, 1 << 61, 0], np.int64)}],
             {"x": x22, "p": np.array([1, 0, 0, 1], np.int64)})
        # Resize: scales of 2^31 on two axes and sizes of 2^40 x 2^40.
        x4 = np.ones((1, 1, 2, 2), np.float32)
        resize = _model([oh.make_node("Resize", ["x", "", "sc"], ["y"],
                                      mode="nearest")],
                        [_vi("x", f32, [1, 1, 2, 2]), _vi("sc", f32, [4])],
                        [_vi("y", f32, None)])
        case("resize_scales", resize,
             [{"x": x4, "sc": np.array([1, 1, 2.0 ** 31, 2.0 ** 31],
                                       np.float32)}],
             {"x": x4, "sc": np.array([1, 1, 2, 2], np.float32)})
        resize_sizes = _model(
            [oh.make_node("Resize", ["x", "", "", "sz"], ["y"],
                          mode="nearest")],
            [_vi("x", f32, [1, 1, 2, 2]), _vi("sz", i64, [4])],
            [_vi("y", f32, None)])
        case("resize_sizes", resize_sizes,
             [{"x": x4, "sz": np.array([1, 1, 1 << 40, 1 << 40], np.int64)}],
             {"x": x4, "sz": np.array([1, 1, 3, 3], np.int64)})
        # Concat of two run-time Expands whose lengths sum past 2^63.
        concat = _model(
            [oh.make_node("Expand", ["x", "s"], ["a"]),
             oh.make_node("Expand", ["x", "t"], ["b"]),
             oh.make_node("Concat", ["a", "b"], ["y"], axis=0)],
            [_vi("x", f32, [1]), _vi("s", i64, [1]), _vi("t", i64, [1])],
            [_vi("y", f32, None)])
        case("concat_expands", concat,
             [{"x": x1, "s": np.array([1 << 62], np.int64),
               "t": np.array([1 << 62], np.int64)},
              {"x": x1, "s": np.array([(1 << 63) - 1], np.int64),
               "t": np.array([1], np.int64)}],
             {"x": x1, "s": np.array([2], np.int64),
              "t": np.array([3], np.int64)})
        self.check_runs(cases)

    def test_overflowing_shape_products(self):
        # ConstantOfShape [2^63-1, 2] deadlocked (futex wait): products
        # that pass 2^63, or dims that are negative, at run time.
        i64 = TensorProto.INT64
        def cos(rank):
            return _model([oh.make_node("ConstantOfShape", ["s"], ["y"])],
                          [_vi("s", i64, [rank])],
                          [_vi("y", TensorProto.FLOAT, None)])
        cases = []
        for rank, bad in ((2, [[2, (1 << 63) - 1], [(1 << 63) - 1, 3],
                               [1 << 62, 1 << 62]]),
                          (3, [[1 << 32, 1 << 32, 1 << 32],
                               [(1 << 63) - 1, 1, 2]])):
            cases.append({"name": f"constant_of_shape_{rank}",
                          "model": self.save(cos(rank), f"cos{rank}.onnx"),
                          "feeds": [self.feeds(s=np.array(d, np.int64))
                                    for d in bad],
                          "sane": self.feeds(s=np.array([2] * rank,
                                                        np.int64))})
        expand = _model([oh.make_node("Expand", ["x", "s"], ["y"])],
                        [_vi("x", TensorProto.FLOAT, [1]),
                         _vi("s", i64, [2])],
                        [_vi("y", TensorProto.FLOAT, None)])
        x = np.ones(1, np.float32)
        cases.append({"name": "expand", "model": self.save(expand, "ex.onnx"),
                      "feeds": [self.feeds(x=x, s=np.array(d, np.int64))
                                for d in ([(1 << 63) - 1, 2],
                                          [3, (1 << 63) - 1])],
                      "sane": self.feeds(x=x, s=np.array([3, 1], np.int64))})
        self.check_runs(cases)
        # Negative dims: ORT refuses; so must Kiln, not allocate a negative
        # count.
        negative = [{"name": "constant_of_shape_negative",
                     "model": self.save(cos(2), "cosn.onnx"),
                     "feeds": [self.feeds(s=np.array([-1, 4], np.int64)),
                               self.feeds(s=np.array([-(1 << 62), -4],
                                                     np.int64))],
                     "sane": self.feeds(s=np.array([1, 1], np.int64))}]
        self.check_runs(negative, allocation_text=False)

    # Not fixed: Range's lowering (compiler/conversion/ShapeOps.cpp,
    # RangeLowering) divides by delta with arith.ceildivsi, and a delta of
    # 0 fed at run time raises SIGFPE; the lowering needs a run-time check
    # that fails the run (ORT: "delta in Range operator can not be zero!").
    def test_range_with_zero_delta(self):
        # ORT: "delta in Range operator can not be zero!"; a count of
        # (limit - start) / 0 must not become a hang or a huge buffer.
        rng = _model([oh.make_node("Range", ["a", "b", "d"], ["y"])],
                     [_vi("a", TensorProto.INT64, []),
                      _vi("b", TensorProto.INT64, []),
                      _vi("d", TensorProto.INT64, [])],
                     [_vi("y", TensorProto.INT64, None)])
        cases = [{"name": "range_zero", "model": self.save(rng, "rz.onnx"),
                  "feeds": [self.feeds(a=np.array(0), b=np.array(10),
                                       d=np.array(0))],
                  "sane": self.feeds(a=np.array(0), b=np.array(3),
                                     d=np.array(1))}]
        self.check_runs(cases, allocation_text=False)

    # Not fixed: the same lowering converts a float Range's count,
    # ceil((limit - start) / delta), to int64 with arith.fptosi, which is
    # poison past 2^63 (1e30 here, or inf for a delta of 0.0): the run
    # returns an empty tensor where ORT fails. It needs the same run-time
    # check as a zero delta.
    def test_range_float_count_past_int64(self):
        f32 = TensorProto.FLOAT
        rngf = _model([oh.make_node("Range", ["a", "b", "d"], ["y"])],
                      [_vi("a", f32, []), _vi("b", f32, []), _vi("d", f32, [])],
                      [_vi("y", f32, None)])
        cases = [{"name": "range_float", "model": self.save(rngf, "rf.onnx"),
                  "feeds": [self.feeds(a=np.float32(0), b=np.float32(1e30),
                                       d=np.float32(1))],
                  "sane": self.feeds(a=np.float32(0), b=np.float32(3),
                                     d=np.float32(0.5))}]
        self.check_runs(cases)

    # Not fixed: the same lowering computes limit - start in int64, which
    # wraps from INT64_MIN to INT64_MAX: the run returns an empty tensor
    # where ORT returns the 4 elements. The count needs overflow-checked
    # (or 128-bit) arithmetic.
    def test_range_across_the_whole_int64_line(self):
        i64 = TensorProto.INT64
        rng = _model([oh.make_node("Range", ["a", "b", "d"], ["y"])],
                     [_vi("a", i64, []), _vi("b", i64, []), _vi("d", i64, [])],
                     [_vi("y", i64, None)])
        cases = [{"name": "range_wide", "model": self.save(rng, "rw.onnx"),
                  "feeds": [self.feeds(a=np.array(-(1 << 63)),
                                       b=np.array((1 << 63) - 1),
                                       d=np.array(1 << 62))]}]
        mine = self.children("kiln", cases)["range_wide"]
        theirs = self.children("ort", cases)["range_wide"]
        got = [r for r in mine if r["phase"] == "run"][0]
        expected = [r for r in theirs if r["phase"] == "run"][0]
        self.assertEqual(got.get("values"), expected["values"], got)

    # Not fixed: Reshape's lowering (compiler/conversion/ShapeOps.cpp) does
    # not check at run time that the requested shape holds as many
    # elements as the input: [2, 2] reshaped to [3, -1] returns a [3, 1]
    # tensor (3 of the 4 values) where ORT fails ("The input tensor cannot
    # be reshaped to the requested shape").
    def test_reshape_to_another_element_count(self):
        f32, i64 = TensorProto.FLOAT, TensorProto.INT64
        reshape = _model([oh.make_node("Reshape", ["x", "s"], ["y"])],
                         [_vi("x", f32, [2, 2]), _vi("s", i64, [2])],
                         [_vi("y", f32, None)])
        x22 = np.ones((2, 2), np.float32)
        cases = [{"name": "reshape", "model": self.save(reshape, "rs.onnx"),
                  "feeds": [self.feeds(x=x22, s=np.array(d, np.int64))
                            for d in ([3, -1], [3, 2], [1, 3])],
                  "sane": self.feeds(x=x22, s=np.array([4, -1], np.int64))}]
        self.check_runs(cases, allocation_text=False)

    # Not fixed, and beyond the list: run-time indices out of
    # range are not checked by the lowerings of Gather, GatherElements and
    # ScatterND (compiler/conversion): an index of 2^40 reads or writes
    # that far past the tensor (SIGSEGV), where ORT fails the run. Like
    # Range and Reshape, they need a way for generated code to fail a run
    # with a message (today only allocations can: kiln_out_of_memory).
    def test_indices_out_of_range(self):
        f32, i64 = TensorProto.FLOAT, TensorProto.INT64
        x22 = np.ones((2, 2), np.float32)
        far = 1 << 40
        cases = []
        for name, node, inputs, feeds in (
                ("gather", oh.make_node("Gather", ["x", "i"], ["y"]),
                 [_vi("i", i64, [1])], {"i": np.array([far], np.int64)}),
                ("gather_elements",
                 oh.make_node("GatherElements", ["x", "i"], ["y"]),
                 [_vi("i", i64, [2, 2])],
                 {"i": np.array([[0, far], [0, 0]], np.int64)}),
                ("scatter_nd", oh.make_node("ScatterND", ["x", "i", "u"], ["y"]),
                 [_vi("i", i64, [1, 1]), _vi("u", f32, [1, 2])],
                 {"i": np.array([[far]], np.int64),
                  "u": np.ones((1, 2), np.float32)})):
            model = _model([node], [_vi("x", f32, [2, 2]), *inputs],
                           [_vi("y", f32, None)])
            cases.append({"name": name,
                          "model": self.save(model, name + ".onnx"),
                          "feeds": [self.feeds(x=x22, **feeds)]})
        for case in cases:  # one child each: a signal ends only its case
            self.check_runs([case], allocation_text=False)

    def test_allocations_under_an_address_space_limit(self):
        # The issue: Expand to 16 GiB under an 8 GB limit. Here: a Tile to
        # 6 GiB and a ConstantOfShape of 3 GiB with 1 GiB of address space
        # left, in Python and in kiln-run; and a failed run leaks nothing.
        f32, i64 = TensorProto.FLOAT, TensorProto.INT64
        tile = _model([oh.make_node("Tile", ["x", "r"], ["y"])],
                      [_vi("x", f32, [2, 2]), _vi("r", i64, [2])],
                      [_vi("y", f32, None)])
        x22 = np.ones((2, 2), np.float32)
        cos = _model([oh.make_node("ConstantOfShape", ["s"], ["y"])],
                     [_vi("s", i64, [2])], [_vi("y", f32, None)])
        cases = [
            {"name": "tile_6g", "model": self.save(tile, "tile.onnx"),
             "limit_as": GiB,
             "feeds": [self.feeds(x=x22, r=np.array([1 << 15, 1 << 14],
                                                    np.int64))],
             "sane": self.feeds(x=x22, r=np.array([2, 2], np.int64))},
            {"name": "cos_3g", "model": self.save(cos, "cos.onnx"),
             "limit_as": GiB,
             "feeds": [self.feeds(s=np.array([3 << 18, 1 << 10], np.int64))],
             "sane": self.feeds(s=np.array([4, 1], np.int64))},
        ]
        mine = self.children("kiln", cases)
        for case in cases:
            run = [r for r in mine[case["name"]] if r["phase"] == "run"][0]
            self.assert_clear_error(run, "Fail", "Failed to allocate memory",
                                    case["name"])
            sane = [r for r in mine[case["name"]] if r["phase"] == "sane"][0]
            self.assertTrue(sane.get("ok"), sane)

        # kiln-run on the compiled Tile, under the same kind of limit.
        so = self.path("tile.so")
        kiln.compile_model(tile.SerializeToString(), so)
        np.save(self.path("x.npy"), x22)
        np.save(self.path("r.npy"), np.array([1 << 15, 1 << 14], np.int64))
        rc, text = self.tool([KILN_RUN, so, "x=" + self.path("x.npy"),
                              "r=" + self.path("r.npy")], limit_as=2 * GiB)
        self.assertEqual(rc, 1, text)
        self.assertIn("Failed to allocate memory", text)

    def test_failed_runs_leak_nothing(self):
        # Two outputs: a 4 MB one that can be allocated and one that
        # cannot, in both orders; 40 failed runs must not keep the 4 MB
        # buffers (160 MB).
        f32, i64 = TensorProto.FLOAT, TensorProto.INT64
        x = np.ones(1, np.float32)
        cases = []
        for order in ("small_first", "big_first"):
            nodes = [oh.make_node("Expand", ["x", "s"], ["small"]),
                     oh.make_node("Expand", ["x", "t"], ["big"])]
            outs = [_vi("small", f32, None), _vi("big", f32, None)]
            if order == "big_first":
                nodes.reverse()
                outs.reverse()
            model = _model(nodes, [_vi("x", f32, [1]), _vi("s", i64, [1]),
                                   _vi("t", i64, [2])], outs)
            cases.append({
                "name": order, "model": self.save(model, order + ".onnx"),
                "repeat": 40,
                "feeds": [self.feeds(x=x, s=np.array([1 << 20], np.int64),
                                     t=np.array([1 << 40, 1 << 30],
                                                np.int64))],
                "sane": self.feeds(x=x, s=np.array([2], np.int64),
                                   t=np.array([2, 2], np.int64))})
        mine = self.children("kiln", cases)
        for case in cases:
            records = mine[case["name"]]
            run = [r for r in records if r["phase"] == "run"][0]
            self.assert_clear_error(run, "Fail", "Failed to allocate memory")
            end = [r for r in records if r["phase"] == "end"][0]
            self.assertLess(end["rss_growth"], 64 << 20,
                            f"{case['name']}: failed runs kept memory")

    def test_kiln_run_reports_unallocatable_shapes(self):
        # kiln-run died of SIGSEGV on the shapes; other ops here.
        i64 = TensorProto.INT64
        value = onh.from_array(np.array([1], np.int16), "value")
        cos = _model([oh.make_node("ConstantOfShape", ["s"], ["y"],
                                   value=value)],
                     [_vi("s", i64, [3])],
                     [_vi("y", TensorProto.INT16, None)])
        so = self.path("cos16.so")
        kiln.compile_model(cos.SerializeToString(), so)
        for dims in ([1 << 40, 1 << 40, 2], [(1 << 63) - 1, 2, 1],
                     [1 << 21, 1 << 21, 1 << 21]):
            feed = self.path("s.npy")
            np.save(feed, np.array(dims, np.int64))
            rc, text = self.tool([KILN_RUN, so, "s=" + feed])
            self.assertEqual(rc, 1, f"{dims}: {text}")
            self.assertIn("Failed to allocate memory", text, dims)
        np.save(feed, np.array([1, 2, 3], np.int64))
        rc, text = self.tool([KILN_RUN, so, "s=" + feed, "--print"])
        self.assertEqual(rc, 0, text)


class ExternalDataTest(FaultCase):
    """External data whose offsets and lengths are not byte counts, reach
    past the file or near 2^63, or whose location leads out of the model's
    folder: ORT's FAIL, in Python, kiln-compile and kiln-run's .pb inputs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = os.path.join(cls.tmp, "model")
        cls.outside = os.path.join(cls.tmp, "outside")
        os.makedirs(os.path.join(cls.folder, "data"))
        os.makedirs(cls.outside)
        values = np.arange(1, 9, dtype=np.float32)  # 32 bytes: 2 tensors
        for path in (os.path.join(cls.folder, "w.bin"),
                     os.path.join(cls.folder, "data", "w.bin")):
            with open(path, "wb") as f:
                f.write(values.tobytes())
        with open(os.path.join(cls.outside, "secret.bin"), "wb") as f:
            f.write(np.full(8, 7, np.float32).tobytes())
        # A folder link out of the model's folder, a chain of file links
        # ending outside, a link inside the folder to a file inside it (ORT
        # accepts that one), and an absolute link to a file inside.
        os.symlink(cls.outside, os.path.join(cls.folder, "shared"))
        os.symlink(os.path.join(cls.outside, "secret.bin"),
                   os.path.join(cls.tmp, "hop.bin"))
        os.symlink(os.path.join(cls.tmp, "hop.bin"),
                   os.path.join(cls.folder, "chain.bin"))
        os.symlink("data/w.bin", os.path.join(cls.folder, "inner.bin"))

    BAD = {
        # Byte counts that are not plain non-negative decimals.
        "offset_trailing_text": ("w.bin", {"offset": "4x"}),
        "offset_hex": ("w.bin", {"offset": "0x10"}),
        "offset_float": ("w.bin", {"offset": "1e3"}),
        "offset_space": ("w.bin", {"offset": " 4"}),
        "offset_empty": ("w.bin", {"offset": ""}),
        "offset_negative": ("w.bin", {"offset": "-16"}),
        "length_negative": ("w.bin", {"length": "-1"}),
        "length_text": ("w.bin", {"length": "sixteen"}),
        "offset_past_2_64": ("w.bin", {"offset": str(1 << 64)}),
        # Past the end of the file, and sums that wrap.
        "offset_at_end": ("w.bin", {"offset": "32"}),
        "offset_near_end": ("w.bin", {"offset": "20"}),
        "length_past_end": ("w.bin", {"offset": "16", "length": "32"}),
        "length_2_63": ("w.bin", {"length": str((1 << 63) - 1)}),
        "both_near_2_62": ("w.bin", {"offset": str(1 << 62),
                                     "length": str(1 << 62)}),
        "offset_2_63_minus_16": ("w.bin", {"offset": str((1 << 63) - 16),
                                           "length": "16"}),
        "length_not_the_tensor": ("w.bin", {"length": "12"}),
        # Locations out of the folder.
        "dotdot": ("../outside/secret.bin", {}),
        "dotdot_inside_first": ("data/../../outside/secret.bin", {}),
        "absolute": (None, {}),  # the secret's absolute path
        "absolute_inside": ("ABS_INSIDE", {}),
        "folder_link": ("shared/secret.bin", {}),
        "link_chain": ("chain.bin", {}),
        "missing": ("nowhere.bin", {}),
        "a_folder": ("data", {}),
    }

    def bad_models(self):
        paths = {}
        for name, (location, fields) in self.BAD.items():
            if location is None:
                location = os.path.join(self.outside, "secret.bin")
            elif location == "ABS_INSIDE":
                location = os.path.join(self.folder, "w.bin")
            path = os.path.join(self.folder, name + ".onnx")
            onnx.save(_add_external_model(location, **fields), path)
            paths[name] = path
        return paths

    def test_compiler_refuses_bad_external_data(self):
        paths = self.bad_models()
        cases = [{"name": n, "model": p} for n, p in paths.items()]
        mine = self.children("kiln", cases)
        theirs = self.children("ort", cases)
        for name in paths:
            got = mine[name][1]
            self.assert_clear_error(got, "Fail", what=name)
            self.assertNotIn("stoll", got["msg"], name)
            other = theirs[name][1]
            if other["phase"] == "create":
                self.assertEqual(got["cls"], other["cls"], name)
            if name in ("dotdot", "dotdot_inside_first", "absolute",
                        "folder_link", "link_chain"):
                self.assertIn("External data path validation failed",
                              got["msg"], name)
        # kiln-compile: exit status 1 and a message, never an uncaught
        # exception (abort) or a signal.
        for name, path in paths.items():
            rc, text = self.tool([KILN_COMPILE, path, "-o",
                                  self.path("bad.so")])
            self.assertEqual(rc, 1, f"{name}: {text}")
            self.assertNotIn("terminate called", text, name)

    def test_links_that_stay_inside_still_work(self):
        # The rules must not refuse what ORT reads: a link inside the folder
        # to a file inside it, a subfolder, an offset into a shared file.
        cases = {"inner_link": ("inner.bin", {}),
                 "subfolder": ("data/w.bin", {}),
                 "dot_prefix": ("./data/w.bin", {}),
                 "second_tensor": ("w.bin", {"offset": "16", "length": "16"})}
        x = np.zeros(4, np.float32)
        for name, (location, fields) in cases.items():
            path = os.path.join(self.folder, name + ".onnx")
            onnx.save(_add_external_model(location, **fields), path)
            theirs = _error_of(lambda: ort.InferenceSession(path))
            mine = _error_of(lambda: kiln.InferenceSession(path))
            if theirs is not None:
                self.assertIsNotNone(mine, f"{name}: ORT refuses: {theirs}")
                self.assertEqual(mine[0], theirs[0], name)
                continue
            self.assertIsNone(mine, name)
            expected = ort.InferenceSession(path).run(None, {"x": x})[0]
            got = kiln.InferenceSession(path).run(None, {"x": x})[0]
            np.testing.assert_array_equal(got, expected, name)

    def test_kiln_run_pb_inputs(self):
        # kiln-run's .pb inputs follow the same rules (the unit test has
        # '..', an absolute path, a file link and an offset of 2^63-1).
        so = self.path("add.so")
        add = _model([oh.make_node("Add", ["x", "x"], ["y"])],
                     [_vi("x", TensorProto.FLOAT, [4])],
                     [_vi("y", TensorProto.FLOAT, [4])])
        kiln.compile_model(add.SerializeToString(), so)
        cases = {
            "folder_link": ("shared/secret.bin", {}, "validation failed"),
            "link_chain": ("chain.bin", {}, "validation failed"),
            "dotdot_inside_first": ("data/../../outside/secret.bin", {},
                                    "escapes"),
            "offset_hex": ("w.bin", {"offset": "0x10"}, "invalid external"),
            "length_text": ("w.bin", {"length": "x"}, "invalid external"),
            "offset_past_2_64": ("w.bin", {"offset": str(1 << 64)},
                                 "invalid external"),
            "both_near_2_62": ("w.bin", {"offset": str(1 << 62),
                                         "length": str(1 << 62)}, ""),
            "length_past_end": ("w.bin", {"offset": "24", "length": "16"},
                                ""),
            "length_2_63": ("w.bin", {"length": str((1 << 63) - 1)}, ""),
            "a_folder": ("data", {}, "regular file"),
        }
        for name, (location, fields, text) in cases.items():
            pb = os.path.join(self.folder, name + ".pb")
            with open(pb, "wb") as f:
                f.write(_external("x", [4], location, **fields)
                        .SerializeToString())
            rc, out = self.tool([KILN_RUN, so, "x=" + pb, "--print"])
            self.assertEqual(rc, 1, f"{name}: {out}")
            self.assertIn(text, out, name)
        ok = os.path.join(self.folder, "ok.pb")
        with open(ok, "wb") as f:
            f.write(_external("x", [4], "inner.bin", offset="16")
                    .SerializeToString())
        rc, out = self.tool([KILN_RUN, so, "x=" + ok, "--print"])
        self.assertEqual(rc, 0, out)
        self.assertIn("10", out)  # 5 + 5


class DamagedArtifactTest(FaultCase):
    """Truncated artifacts and flipped bytes at several places: a clear
    INVALID_GRAPH through kiln.InferenceSession and kiln-run (SIGBUS,
    SIGILL, SIGSEGV or wrong numbers before)."""

    WEIGHTS = np.arange(1000, 1064, dtype=np.float32)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = onh.from_array(cls.WEIGHTS, "c")
        model = _model([oh.make_node("Mul", ["x", "c"], ["y"])],
                       [_vi("x", TensorProto.FLOAT, [64])],
                       [_vi("y", TensorProto.FLOAT, [64])], [c])
        cls.so = os.path.join(cls.tmp, "good.so")
        kiln.compile_model(model.SerializeToString(), cls.so)
        with open(cls.so, "rb") as f:
            cls.data = f.read()

    def sections(self):
        """{name: (offset, size)} from the ELF section headers."""
        d = self.data
        shoff, = struct.unpack_from("<Q", d, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3A)
        headers = [struct.unpack_from("<IIQQQQIIQQ", d, shoff + i * shentsize)
                   for i in range(shnum)]
        strtab = headers[shstrndx][4]
        out = {}
        for h in headers:
            name = d[strtab + h[0]:d.index(b"\0", strtab + h[0])].decode()
            if h[1] != 8:  # not NOBITS
                out[name] = (h[4], h[5])
        return out

    def damaged(self):
        d = self.data
        n = len(d)
        sections = self.sections()
        text_off, text_size = sections[".text"]
        weights = d.find(self.WEIGHTS.tobytes())
        self.assertGreater(weights, 0, "weights not found in the artifact")

        def flip(pos, mask=0x01):
            return d[:pos] + bytes([d[pos] ^ mask]) + d[pos + 1:]

        cases = {
            "cut_to_1": d[:1], "cut_to_64": d[:64], "cut_to_4096": d[:4096],
            "cut_in_code": d[:text_off + text_size // 2],
            "cut_last_byte": d[:-1], "cut_trailer": d[:-24],
            "cut_trailer_half": d[:-12],
            "extended": d + b"\0" * 4096,
            "flip_elf_magic": flip(1), "flip_elf_class": flip(4),
            "flip_phoff": flip(0x20, 0x80), "flip_shnum": flip(0x3C),
            "flip_code_start": flip(text_off),
            "flip_code_end": flip(text_off + text_size - 1, 0x10),
            "flip_weight": flip(weights + 4 * 17, 0x02),
            "flip_weight_sign": flip(weights + 4 * 63 + 3, 0x80),
            "flip_trailer_magic": flip(n - 24),
            "flip_trailer_size": flip(n - 16),
            "flip_trailer_sum": flip(n - 1),
            "zeros_in_middle": d[:n // 2] + b"\0" * 64 + d[n // 2 + 64:],
        }
        paths = {}
        for name, content in cases.items():
            path = self.path(name + ".so")
            with open(path, "wb") as f:
                f.write(content)
            paths[name] = path
        return paths

    def test_damaged_artifacts_are_refused(self):
        paths = self.damaged()
        x = self.feeds(x=np.ones(64, np.float32))
        cases = [{"name": n, "model": p, "feeds": [x]}
                 for n, p in paths.items()]
        mine = self.children("kiln", cases)
        for name in paths:
            first = mine[name][1]
            if name == "cut_trailer":
                # Cut exactly before its trailer, an artifact is a whole
                # ELF file without one (as another linker writes): it may
                # load, and must compute what it was compiled to.
                if first["phase"] == "run":
                    self.assertEqual(first["values"][0],
                                     self.WEIGHTS.tolist())
                    continue
            self.assertEqual(first["phase"], "create",
                             f"{name} loads: {mine[name]}")
            self.assert_clear_error(first, "InvalidGraph", what=name)
            # Damage the trailer cannot see (too short to hold one, or
            # no ELF) is dlopen's verdict: "not a loadable Kiln artifact".
            self.assertRegex(first["msg"], "the artifact is damaged|not a "
                             "loadable Kiln artifact", name)
        np.save(self.path("x.npy"), np.ones(64, np.float32))
        for name, path in paths.items():
            if name == "cut_trailer":
                continue
            rc, text = self.tool([KILN_RUN, path, "x=" + self.path("x.npy"),
                                  "--print"])
            self.assertEqual(rc, 1, f"{name}: {text}")
            self.assertIn("INVALID_GRAPH", text.upper().replace(" ", "_"),
                          name)
        # The good one still loads and computes.
        y, = kiln.InferenceSession(self.so).run(
            None, {"x": np.ones(64, np.float32)})
        np.testing.assert_array_equal(y, self.WEIGHTS)


class CompileCacheTest(FaultCase):
    """The Python cache serves an artifact only for the same model, weights
    and options; concurrent processes share it safely."""

    def place(self, folder, values, location="w.bin", offset=None):
        os.makedirs(os.path.join(folder, os.path.dirname(location) or "."),
                    exist_ok=True)
        with open(os.path.join(folder, location), "wb") as f:
            f.write(np.asarray(values, np.float32).tobytes())
        fields = {"offset": str(offset), "length": "16"} if offset else {}
        path = os.path.join(folder, "m.onnx")
        onnx.save(_add_external_model(location, **fields), path)
        return path

    @staticmethod
    def run_model(path):
        return kiln.InferenceSession(path).run(
            None, {"x": np.zeros(4, np.float32)})[0]

    def test_weights_that_differ_are_not_served_stale(self):
        # A subfolder in two model folders.
        a = self.place(self.path("a"), [1, 2, 3, 4], "data/w.bin")
        b = self.place(self.path("b"), [5, 6, 7, 8], "data/w.bin")
        np.testing.assert_array_equal(self.run_model(a), [1, 2, 3, 4])
        np.testing.assert_array_equal(self.run_model(b), [5, 6, 7, 8])
        # Replaced by a rename with a file of the same size and times.
        weights = os.path.join(self.path("a"), "data", "w.bin")
        st = os.stat(weights)
        new = weights + ".new"
        with open(new, "wb") as f:
            f.write(np.asarray([4, 3, 2, 1], np.float32).tobytes())
        os.utime(new, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.replace(new, weights)
        np.testing.assert_array_equal(self.run_model(a), [4, 3, 2, 1])
        # The second tensor of a shared file edited in place, the first
        # left alone, size and modification time kept.
        c = self.place(self.path("c"), [0, 0, 0, 0, 1, 1, 1, 1], offset=16)
        np.testing.assert_array_equal(self.run_model(c), [1, 1, 1, 1])
        weights = os.path.join(self.path("c"), "w.bin")
        st = os.stat(weights)
        with open(weights, "r+b") as f:
            f.seek(28)
            f.write(np.float32(2).tobytes())
        os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns))
        np.testing.assert_array_equal(self.run_model(c), [1, 1, 1, 2])

    def concurrent(self, path, n=4):
        """`n` processes create a session on `path` at the same moment;
        returns their outputs."""
        start = time.time() + 2.0
        script = textwrap.dedent(f"""
            import time, numpy as np, kiln
            time.sleep(max(0, {start} - time.time()))
            s = kiln.InferenceSession({path!r})
            print(s.run(None, {{"x": np.ones((2, 3), np.float32)}})[0]
                  .ravel().tolist())
        """)
        procs = [subprocess.Popen([sys.executable, "-c", script],
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True,
                                  env=dict(os.environ))
                 for _ in range(n)]
        outputs = []
        for p in procs:
            try:
                out, err = p.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                p.kill()
                self.fail("a concurrent compile hangs")
            self.assertEqual(p.returncode, 0, err[-2000:])
            outputs.append(out.strip())
        return outputs

    def test_concurrent_processes_compile_into_one_entry(self):
        w = onh.from_array(np.arange(12, dtype=np.float32).reshape(3, 4), "w")
        model = _model([oh.make_node("MatMul", ["x", "w"], ["y"])],
                       [_vi("x", TensorProto.FLOAT, [2, 3])],
                       [_vi("y", TensorProto.FLOAT, [2, 4])], [w])
        path = self.save(model, "mm.onnx")
        expected = str(ort.InferenceSession(path).run(
            None, {"x": np.ones((2, 3), np.float32)})[0].ravel().tolist())
        cache = os.environ["KILN_CACHE_DIR"]
        outputs = self.concurrent(path)
        self.assertEqual(outputs, [expected] * 4)
        entries = os.listdir(cache)
        self.assertEqual(len([e for e in entries if e.endswith(".so")]), 1,
                         entries)
        self.assertEqual([e for e in entries if e.startswith(".kiln-")], [])
        # The entry damaged on disk: every process rebuilds or loads a
        # good one, none loads the damage or loses the entry another wrote.
        entry = os.path.join(cache, [e for e in entries
                                     if e.endswith(".so")][0])
        with open(entry, "rb") as f:
            data = f.read()
        with open(entry, "wb") as f:
            f.write(data[:len(data) // 3])
        outputs = self.concurrent(path)
        self.assertEqual(outputs, [expected] * 4)
        self.assertEqual(os.path.getsize(entry), len(data))
        self.assertEqual([e for e in os.listdir(cache)
                          if e.startswith(".kiln-")], [])


    def test_concurrent_kiln_run_processes_share_the_c_cache(self):
        # The C runtime's cache (kiln-run and C/C++ sessions on an .onnx):
        # four processes at once on an empty cache, then on a damaged
        # entry; each gets the right answer and the entry ends whole.
        w = onh.from_array(np.full(4, 2.5, np.float32), "w")
        model = _model([oh.make_node("Mul", ["x", "w"], ["y"])],
                       [_vi("x", TensorProto.FLOAT, [4])],
                       [_vi("y", TensorProto.FLOAT, [4])], [w])
        path = self.save(model, "c_cache.onnx")
        x = self.path("ones.npy")
        np.save(x, np.ones(4, np.float32))
        cache = self.path("c_cache")
        env = dict(os.environ, KILN_CACHE_DIR=cache)

        def together():
            start = time.time() + 1.5
            launcher = ("import os, sys, time\n"
                        f"time.sleep(max(0, {start} - time.time()))\n"
                        "os.execv(sys.argv[1], sys.argv[1:])\n")
            procs = [subprocess.Popen(
                [sys.executable, "-c", launcher, KILN_RUN, path, "x=" + x,
                 "-o", self.path(f"out{i}")], env=env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for i in range(4)]
            for i, p in enumerate(procs):
                try:
                    _, err = p.communicate(timeout=TIMEOUT)
                except subprocess.TimeoutExpired:
                    p.kill()
                    self.fail("a concurrent kiln-run hangs")
                self.assertEqual(p.returncode, 0, err[-2000:])
                np.testing.assert_array_equal(
                    np.load(self.path(f"out{i}/y.npy")), [2.5] * 4)

        together()
        entries = [e for e in os.listdir(cache) if e.endswith(".so")]
        self.assertEqual(len(entries), 1, os.listdir(cache))
        entry = os.path.join(cache, entries[0])
        with open(entry, "rb") as f:
            data = f.read()
        with open(entry, "wb") as f:
            f.write(data[:len(data) // 2])
        together()
        self.assertEqual(os.path.getsize(entry), len(data))
        self.assertEqual([e for e in os.listdir(cache)
                          if e.startswith(".kiln-")], [])


class GraphValidationTest(FaultCase):
    """Graphs ORT refuses (names defined twice, attributes of the wrong
    type, versions beyond what it knows): the same class from Kiln, and
    ORT's words; never a model that runs."""

    def compare(self, cases):
        for name, model in cases.items():
            data = model.SerializeToString()
            theirs = _error_of(lambda: ort.InferenceSession(
                data, providers=["CPUExecutionProvider"]))
            mine = _error_of(lambda: kiln.InferenceSession(data))
            if theirs is None:
                # ORT runs it: Kiln must compute the same, or say why not.
                if mine is not None:
                    self.assertTrue(mine[1].startswith("[ONNXRuntimeError]"),
                                    mine)
                    continue
                feeds = {i.name: np.ones([d if isinstance(d, int) else 1
                                          for d in i.shape], np.float32)
                         for i in ort.InferenceSession(data).get_inputs()}
                expected = ort.InferenceSession(data).run(None, feeds)
                got = kiln.InferenceSession(data).run(None, feeds)
                for a, b in zip(got, expected):
                    np.testing.assert_allclose(a, b, err_msg=name)
                continue
            self.assertIsNotNone(mine, f"{name}: Kiln accepts it; ORT: "
                                       f"{theirs}")
            self.assertEqual(mine[0], theirs[0],
                             f"{name}: {mine} vs ORT {theirs}")
            self.assertTrue(mine[1].startswith("[ONNXRuntimeError] : "),
                            mine)

    def test_names_defined_twice(self):
        f32 = TensorProto.FLOAT
        x, z = _vi("x", f32, [2, 3]), _vi("z", f32, [2, 3])
        y = _vi("y", f32, [2, 3])
        c = onh.from_array(np.ones((2, 3), np.float32), "c")
        cases = {
            "intermediate_two_writers": _model(
                [oh.make_node("Relu", ["x"], ["t"]),
                 oh.make_node("Sigmoid", ["x"], ["t"]),
                 oh.make_node("Abs", ["t"], ["y"])], [x], [y]),
            "writes_second_input": _model(
                [oh.make_node("Neg", ["x"], ["z"]),
                 oh.make_node("Add", ["x", "z"], ["y"])], [x, z], [y]),
            "constant_writes_input": _model(
                [oh.make_node("Constant", [], ["x"], value=c),
                 oh.make_node("Abs", ["x"], ["y"])], [x], [y]),
            "writes_initializer": _model(
                [oh.make_node("Relu", ["x"], ["c"]),
                 oh.make_node("Add", ["c", "x"], ["y"])], [x], [y], [c]),
            "one_node_two_outputs": _model(
                [oh.make_node("Split", ["x"], ["a", "a"], axis=1,
                              num_outputs=2),
                 oh.make_node("Abs", ["a"], ["y"])], [x],
                [_vi("y", f32, None)], opset=18),
        }
        self.compare(cases)

    def test_attributes_of_the_wrong_type(self):
        f32 = TensorProto.FLOAT
        x, w = _vi("x", f32, [2, 3]), _vi("w", f32, [3, 3])
        y = _vi("y", f32, None)

        def one(node, inputs=(x,)):
            return _model([node], list(inputs), [y])

        cases = {
            "transpose_perm_string": one(oh.make_node(
                "Transpose", ["x"], ["y"], perm="10")),
            "transpose_perm_floats": one(oh.make_node(
                "Transpose", ["x"], ["y"], perm=[1.0, 0.0])),
            "gemm_alpha_floats": one(oh.make_node(
                "Gemm", ["x", "w"], ["y"], alpha=[1.0, 2.0]), (x, w)),
            "gemm_trans_a_float": one(oh.make_node(
                "Gemm", ["x", "w"], ["y"], transA=1.0), (x, w)),
            "concat_axis_string": one(oh.make_node(
                "Concat", ["x", "x"], ["y"], axis="0")),
            "cast_to_float": one(oh.make_node("Cast", ["x"], ["y"], to=1.5)),
            "softmax_axis_ints": one(oh.make_node(
                "Softmax", ["x"], ["y"], axis=[1])),
            "leaky_relu_alpha_int": one(oh.make_node(
                "LeakyRelu", ["x"], ["y"], alpha=2)),
            "flatten_axis_float": one(oh.make_node(
                "Flatten", ["x"], ["y"], axis=1.0)),
        }
        self.compare(cases)

    def test_versions_beyond_what_is_known(self):
        f32 = TensorProto.FLOAT
        x, y = _vi("x", f32, [2]), _vi("y", f32, [2])

        def relu(**kw):
            return _model([oh.make_node("Relu", ["x"], ["y"])], [x], [y], **kw)

        ir_far = relu()
        ir_far.ir_version = 1000
        opset_far = relu(opset=1000)
        ml_far = relu()
        ml_far.opset_import.append(oh.make_opsetid("ai.onnx.ml", 99))
        ir_zero = relu()
        ir_zero.ir_version = 0
        no_default = _model([oh.make_node("Relu", ["x"], ["y"])], [x], [y])
        del no_default.opset_import[:]
        no_default.opset_import.append(oh.make_opsetid("com.example", 1))
        self.compare({"ir_1000": ir_far, "opset_1000": opset_far,
                      "ml_opset_99": ml_far, "ir_0": ir_zero,
                      "no_default_opset": no_default})


class ReplacedArtifactTest(FaultCase):
    """An artifact replaced at its path while a session holds it: a new
    session gets the new model or a clear error, never the old model; the
    old session keeps its own (for a rename)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()

        def scale(value, n):
            c = onh.from_array(np.full(n, value, np.float32), "c")
            return _model([oh.make_node("Mul", ["x", "c"], ["y"])],
                          [_vi("x", TensorProto.FLOAT, [n])],
                          [_vi("y", TensorProto.FLOAT, [n])], [c])

        cls.versions = {}
        for name, value, n in (("three", 3.0, 4), ("five", 5.0, 4),
                               ("wide", 7.0, 6)):
            path = os.path.join(cls.tmp, name + ".so")
            kiln.compile_model(scale(value, n).SerializeToString(), path)
            cls.versions[name] = path

    def content(self, name):
        with open(self.versions[name], "rb") as f:
            return f.read()

    @staticmethod
    def run_on(session):
        n = session.get_inputs()[0].shape[0]
        return session.run(None, {"x": np.ones(n, np.float32)})[0].tolist()

    def test_rename_to_another_signature(self):
        path = self.path("sig.so")
        shutil.copy(self.versions["three"], path)
        old = kiln.InferenceSession(path)
        shutil.copy(self.versions["wide"], path + ".tmp")
        os.replace(path + ".tmp", path)
        new = kiln.InferenceSession(path)
        self.assertEqual(new.get_inputs()[0].shape, [6])
        self.assertEqual(self.run_on(new), [7.0] * 6)
        self.assertEqual(self.run_on(old), [3.0] * 4)

    def test_unlinked_and_written_anew(self):
        # A new file at the path (the inode number may be reused at once).
        path = self.path("anew.so")
        shutil.copy(self.versions["three"], path)
        old = kiln.InferenceSession(path)
        os.unlink(path)
        with open(path, "wb") as f:
            f.write(self.content("five"))
        got = _error_of(lambda: self.run_on(kiln.InferenceSession(path)))
        if got is None:
            self.assertEqual(self.run_on(kiln.InferenceSession(path)),
                             [5.0] * 4)
        else:
            self.assertEqual(got[0], "Fail", got)
        self.assertEqual(self.run_on(old), [3.0] * 4)

    def test_rewritten_in_place_keeping_size_and_time(self):
        # Same inode, same size and modification time, other bytes: the
        # loader must not hand out the library it holds for that file.
        three, five = self.content("three"), self.content("five")
        self.assertEqual(len(three), len(five))
        path = self.path("inplace.so")
        with open(path, "wb") as f:
            f.write(three)
        old = kiln.InferenceSession(path)
        self.assertEqual(self.run_on(old), [3.0] * 4)
        st = os.stat(path)
        with open(path, "r+b") as f:
            f.write(five)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        got = _error_of(lambda: kiln.InferenceSession(path))
        self.assertIsNotNone(got, "the old model was served for new bytes")
        self.assertEqual(got[0], "Fail", got)
        self.assertIn("rewritten in place", got[1])

    def test_rewritten_in_place_larger(self):
        path = self.path("grown.so")
        with open(path, "wb") as f:
            f.write(self.content("three"))
        old = kiln.InferenceSession(path)
        time.sleep(0.01)
        with open(path, "r+b") as f:
            f.write(self.content("wide") + b"\0" * 8192)
        got = _error_of(lambda: kiln.InferenceSession(path))
        self.assertIsNotNone(got)
        self.assertIn(got[0], ("Fail", "InvalidGraph"), got)
        del old
        # Once nobody holds it, the file is what it is: damaged here (the
        # zeros after the trailer).
        got = _error_of(lambda: kiln.InferenceSession(path))
        self.assertEqual(got[0], "InvalidGraph", got)
        self.assertIn("damaged", got[1])


if __name__ == "__main__":
    unittest.main()
