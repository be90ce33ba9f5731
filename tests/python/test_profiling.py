"""enable_profiling: the trace holds ONNX Runtime's session events and one
"Node" event per compiled kernel per run, named "<nodes>_kernel_time" after
the ONNX nodes the kernel covers; artifacts compiled with and without
profiling never mix."""
import collections
import json
import os
import tempfile
import threading
import unittest

import numpy as np
from onnx import TensorProto, helper

import kiln as rt

NODES = {"add_node", "relu_node", "mm_node"}


def _model():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 8])
    w = helper.make_tensor_value_info("w", TensorProto.FLOAT, [8, 16])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 16])
    g = helper.make_graph(
        [helper.make_node("Add", ["x", "x"], ["a"], name="add_node"),
         helper.make_node("Relu", ["a"], ["r"], name="relu_node"),
         helper.make_node("MatMul", ["r", "w"], ["y"], name="mm_node")],
        "three_nodes", [x, w], [y])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model.SerializeToString()


class ProfilingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.old_cache = os.environ.get("KILN_CACHE_DIR")
        os.environ["KILN_CACHE_DIR"] = os.path.join(cls.tmp.name, "cache")
        rng = np.random.default_rng(0)
        cls.feed = {"x": rng.standard_normal((4, 8)).astype(np.float32),
                    "w": rng.standard_normal((8, 16)).astype(np.float32)}
        cls.expected = np.maximum(cls.feed["x"] * 2, 0) @ cls.feed["w"]

    @classmethod
    def tearDownClass(cls):
        if cls.old_cache is None:
            del os.environ["KILN_CACHE_DIR"]
        else:
            os.environ["KILN_CACHE_DIR"] = cls.old_cache
        cls.tmp.cleanup()

    def options(self, profile, level=rt.GraphOptimizationLevel.ORT_ENABLE_ALL):
        opts = rt.SessionOptions()
        opts.graph_optimization_level = level
        opts.enable_profiling = profile
        opts.profile_file_prefix = os.path.join(self.tmp.name, "prof")
        return opts

    def run_and_trace(self, sess, runs):
        for _ in range(runs):
            np.testing.assert_allclose(sess.run(None, self.feed)[0],
                                       self.expected, rtol=1e-5, atol=1e-5)
        path = sess.end_profiling()
        with open(path, encoding="utf-8") as f:
            return json.load(f)

    def check_trace(self, level):
        runs = 3
        sess = rt.InferenceSession(_model(), sess_options=self.options(
            True, level))
        kernels = sess._sess.kernels()
        self.assertGreater(len(kernels), 0)
        events = self.run_and_trace(sess, runs)
        for e in events:
            self.assertEqual(e["ph"], "X")
            self.assertGreaterEqual(e["dur"], 0)
        session = [e for e in events if e["cat"] == "Session"]
        names = collections.Counter(e["name"] for e in session)
        # The model is given as bytes.
        self.assertEqual(names["model_loading_array"], 1)
        self.assertEqual(names["session_initialization"], 1)
        self.assertEqual(names["model_run"], runs)
        self.assertEqual(names["SequentialExecutor::Execute"], runs)

        nodes = [e for e in events if e["cat"] == "Node"]
        # One event per kernel per run.
        self.assertEqual(len(nodes), runs * len(kernels))
        expected = collections.Counter(f"{name}_kernel_time"
                                       for name, _ in kernels)
        got = collections.Counter(e["name"] for e in nodes)
        self.assertEqual(got, {n: c * runs for n, c in expected.items()})
        covered = set()
        for e in nodes:
            parts = set(e["name"][:-len("_kernel_time")].split("+"))
            self.assertLessEqual(parts, NODES, e["name"])
            covered |= parts
            # ORT's op_name: the ONNX op types of the nodes covered.
            self.assertLessEqual(set(e["args"]["op_name"].split("+")),
                                 {"Add", "Relu", "MatMul"}, e)
            self.assertTrue(e["args"]["kiln_op"])
            self.assertEqual(e["args"]["provider"], "CPUExecutionProvider")
            self.assertEqual(e["pid"], os.getpid())
            # On the session events' clock: inside one of the runs (1 us of
            # rounding either side).
            self.assertTrue(any(
                r["ts"] - 1 <= e["ts"] and
                e["ts"] + e["dur"] <= r["ts"] + r["dur"] + 1
                for r in session if r["name"] == "model_run"), e)
        self.assertEqual(covered, NODES)
        return sess

    def test_kernel_events_unoptimized(self):
        self.check_trace(rt.GraphOptimizationLevel.ORT_DISABLE_ALL)

    def test_kernel_events_fused(self):
        sess = self.check_trace(rt.GraphOptimizationLevel.ORT_ENABLE_ALL)
        # Add and Relu are fused into one kernel, named after both.
        self.assertIn("add_node+relu_node",
                      [name for name, _ in sess._sess.kernels()])

    def test_concurrent_runs_record_every_kernel(self):
        sess = rt.InferenceSession(_model(), sess_options=self.options(True))
        kernels = len(sess._sess.kernels())
        errors = []

        def work():
            try:
                for _ in range(5):
                    sess.run(None, self.feed)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        with open(sess.end_profiling(), encoding="utf-8") as f:
            nodes = [e for e in json.load(f) if e["cat"] == "Node"]
        self.assertEqual(len(nodes), 20 * kernels)
        # Profiling ends with the trace, as in ORT: a second call returns
        # '', and later runs record nothing.
        self.assertEqual(sess.end_profiling(), "")
        sess.run(None, self.feed)
        self.assertEqual(sess._sess.take_profile_events(), [])

    def test_without_profiling_no_kernel_events(self):
        plain = rt.InferenceSession(_model(), sess_options=self.options(False))
        self.assertEqual(plain._sess.kernels(), [])
        plain.run(None, self.feed)
        self.assertEqual(plain._sess.take_profile_events(), [])
        self.assertEqual(plain.end_profiling(), "")
        profiled = rt.InferenceSession(_model(),
                                       sess_options=self.options(True))
        # Different cache entries: the plain artifact is not instrumented.
        self.assertNotEqual(plain._so_path, profiled._so_path)
        self.assertGreater(len(profiled._sess.kernels()), 0)
        # An instrumented artifact in a session that does not profile
        # records nothing.
        quiet = rt.InferenceSession(profiled._so_path)
        quiet.run(None, self.feed)
        self.assertEqual(quiet._sess.take_profile_events(), [])


if __name__ == "__main__":
    unittest.main()
