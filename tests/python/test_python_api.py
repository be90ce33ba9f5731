"""The `kiln` Python module against ONNX Runtime's interface.

Run from the build tree: PYTHONPATH=build/python python3 -m unittest
discover -s tests/python. Wherever the behaviour must be identical (errors,
NodeArg, metadata, options), the same call is made on onnxruntime and the
results are compared.
"""

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import unittest
import warnings

import numpy as np
import onnx
import onnx.helper as oh
import onnxruntime as ort
from onnx import TensorProto

import kiln

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from private_cache import PrivateCacheCase  # noqa: E402


def _model(nodes, inputs, outputs, initializers=(), **kwargs):
    graph = oh.make_graph(nodes, "main_graph", inputs, outputs,
                          list(initializers))
    return oh.make_model(graph, opset_imports=[oh.make_opsetid("", 17)],
                         **kwargs)


def matmul_model(k=3, n=4):
    """y = Relu(x @ w), x is [batch, k]."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((k, n)).astype(np.float32)
    model = _model(
        [oh.make_node("MatMul", ["x", "w"], ["m"], name="mm"),
         oh.make_node("Relu", ["m"], ["y"], name="relu")],
        [oh.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", k])],
        [oh.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", n])],
        [onnx.numpy_helper.from_array(w, "w")],
        producer_name="kiln-tests", producer_version="1.0",
        domain="ai.kiln.test", model_version=7, doc_string="a model")
    model.graph.doc_string = "the graph"
    oh.set_model_props(model, {"author": "kiln", "license": "MIT"})
    return model


def two_input_model():
    """z = x + y with a fixed, a symbolic and an unnamed dim."""
    return _model(
        [oh.make_node("Add", ["x", "y"], ["z"])],
        [oh.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3]),
         oh.make_tensor_value_info("y", TensorProto.FLOAT, [None, 3])],
        [oh.make_tensor_value_info("z", TensorProto.FLOAT, ["batch", 3])])


def levels_model():
    """Has work for -O1+: a foldable constant Add and a duplicate Relu."""
    c1 = oh.make_tensor("c1", TensorProto.FLOAT, [4], [1, 2, 3, 4])
    c2 = oh.make_tensor("c2", TensorProto.FLOAT, [4], [1, 1, 1, 1])
    return _model(
        [oh.make_node("Add", ["c1", "c2"], ["c"]),
         oh.make_node("Relu", ["x"], ["r1"]),
         oh.make_node("Relu", ["x"], ["r2"]),
         oh.make_node("Add", ["r1", "r2"], ["s"]),
         oh.make_node("Mul", ["s", "c"], ["y"])],
        [oh.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])],
        [oh.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4])],
        [c1, c2])


def error_of(fn):
    """(class name, message) of what `fn` raises."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 (any class, compared by name)
        return type(e).__name__, str(e)
    raise AssertionError("no exception raised")


class KilnTestCase(PrivateCacheCase):
    """Every test class gets a private, empty compile cache."""

    def save(self, model, name):
        path = os.path.join(self.tmp, name)
        onnx.save(model, path)
        return path


class UsageExampleTest(KilnTestCase):
    def test_ort_usage_example_runs_unchanged(self):
        path = self.save(matmul_model(), "model.onnx")
        x = np.random.default_rng(1).random((5, 3), dtype=np.float32)

        # ONNX Runtime's documented example with `import kiln as rt`.
        import kiln as rt
        sess = rt.InferenceSession(path,
                                   providers=rt.get_available_providers())
        name = sess.get_inputs()[0].name
        out = sess.run(None, {name: x})

        ref = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        expected = ref.run(None, {name: x})
        self.assertEqual(len(out), 1)
        self.assertIsInstance(out[0], np.ndarray)
        np.testing.assert_allclose(out[0], expected[0], rtol=1e-5, atol=1e-6)


class SignatureTest(KilnTestCase):
    def test_node_args_match_ort(self):
        model = two_input_model()
        ks = kiln.InferenceSession(model.SerializeToString())
        rs = ort.InferenceSession(model.SerializeToString())
        for mine, theirs in [(ks.get_inputs(), rs.get_inputs()),
                             (ks.get_outputs(), rs.get_outputs())]:
            self.assertEqual(len(mine), len(theirs))
            for a, b in zip(mine, theirs):
                self.assertIsInstance(a, kiln.NodeArg)
                self.assertEqual(a.name, b.name)
                self.assertEqual(a.type, b.type)
                self.assertEqual(a.shape, b.shape)
                self.assertEqual(str(a), str(b))
        self.assertEqual(str(ks.get_inputs()[0]),
                         "NodeArg(name='x', type='tensor(float)', "
                         "shape=['batch', 3])")
        self.assertEqual(ks.get_inputs()[1].shape, [None, 3])

    def test_modelmeta_matches_ort(self):
        model = matmul_model()
        mine = kiln.InferenceSession(model.SerializeToString()).get_modelmeta()
        theirs = ort.InferenceSession(
            model.SerializeToString()).get_modelmeta()
        for field in ("producer_name", "graph_name", "domain", "description",
                      "graph_description", "version", "custom_metadata_map"):
            self.assertEqual(getattr(mine, field), getattr(theirs, field),
                             field)
        self.assertIsInstance(mine.version, int)
        self.assertEqual(mine.custom_metadata_map,
                         {"author": "kiln", "license": "MIT"})

    def test_overridable_initializers_empty(self):
        sess = kiln.InferenceSession(matmul_model().SerializeToString())
        self.assertEqual(sess.get_overridable_initializers(), [])


class ModuleTest(KilnTestCase):
    def test_module_functions(self):
        self.assertEqual(kiln.get_available_providers(),
                         ["CPUExecutionProvider"])
        self.assertEqual(kiln.get_device(), "CPU")
        self.assertEqual(kiln.get_device(), ort.get_device())

    def test_enums_match_ort(self):
        for name, member in ort.GraphOptimizationLevel.__members__.items():
            self.assertEqual(int(getattr(kiln.GraphOptimizationLevel, name)),
                             int(member))
            self.assertEqual(str(getattr(kiln.GraphOptimizationLevel, name)),
                             str(member))
        for name, member in ort.ExecutionMode.__members__.items():
            self.assertEqual(int(getattr(kiln.ExecutionMode, name)),
                             int(member))

    def test_exception_classes(self):
        names = ["Fail", "InvalidArgument", "NoSuchFile", "NoModel",
                 "EngineError", "RuntimeException", "InvalidProtobuf",
                 "ModelLoaded", "NotImplemented", "InvalidGraph", "EPFail"]
        for name in names:
            cls = getattr(kiln, name)
            self.assertTrue(issubclass(cls, Exception), name)
            self.assertEqual(cls.__name__, name)
        self.assertEqual(len({getattr(kiln, n) for n in names}), len(names))


class SessionOptionsTest(KilnTestCase):
    FIELDS = ("graph_optimization_level", "intra_op_num_threads",
              "inter_op_num_threads", "execution_mode", "enable_profiling",
              "profile_file_prefix", "optimized_model_filepath",
              "log_severity_level", "enable_cpu_mem_arena",
              "enable_mem_pattern")

    def test_defaults_match_ort(self):
        mine, theirs = kiln.SessionOptions(), ort.SessionOptions()
        for field in self.FIELDS:
            a, b = getattr(mine, field), getattr(theirs, field)
            if field in ("graph_optimization_level", "execution_mode"):
                a, b = int(a), int(b)
            self.assertEqual(a, b, field)

    def test_fields_round_trip_into_session(self):
        so = kiln.SessionOptions()
        so.graph_optimization_level = (
            kiln.GraphOptimizationLevel.ORT_ENABLE_BASIC)
        so.intra_op_num_threads = 2
        so.inter_op_num_threads = 1
        so.execution_mode = kiln.ExecutionMode.ORT_PARALLEL
        so.log_severity_level = 3
        so.enable_cpu_mem_arena = False
        so.enable_mem_pattern = False
        so.add_session_config_entry("session.some_unknown_key", "1")
        sess = kiln.InferenceSession(matmul_model().SerializeToString(),
                                     sess_options=so)
        got = sess.get_session_options()
        for field in self.FIELDS:
            self.assertEqual(getattr(got, field), getattr(so, field), field)
        self.assertEqual(got.get_session_config_entry(
            "session.some_unknown_key"), "1")
        out = sess.run(None, {"x": np.ones((2, 3), np.float32)})
        self.assertEqual(out[0].shape, (2, 4))

    def test_config_entries_match_ort(self):
        for options in (kiln.SessionOptions(), ort.SessionOptions()):
            options.add_session_config_entry("a.b", "c")
            self.assertEqual(options.get_session_config_entry("a.b"), "c")
        self.assertEqual(
            error_of(lambda: kiln.SessionOptions().get_session_config_entry(
                "nope")),
            error_of(lambda: ort.SessionOptions().get_session_config_entry(
                "nope")))

    def test_run_options(self):
        sess = kiln.InferenceSession(matmul_model().SerializeToString())
        ro = kiln.RunOptions()
        ro.log_severity_level = 2
        ro.add_run_config_entry("k", "v")
        self.assertEqual(ro.get_run_config_entry("k"), "v")
        out = sess.run(["y"], {"x": np.ones((1, 3), np.float32)}, ro)
        self.assertEqual(out[0].shape, (1, 4))
        self.assertEqual(
            error_of(lambda: kiln.RunOptions().get_run_config_entry("k")),
            error_of(lambda: ort.RunOptions().get_run_config_entry("k")))

    def test_free_dimension_override(self):
        so = kiln.SessionOptions()
        so.add_free_dimension_override_by_name("batch", 2)
        sess = kiln.InferenceSession(matmul_model().SerializeToString(),
                                     sess_options=so)
        self.assertEqual(sess.get_inputs()[0].shape, [2, 3])
        self.assertEqual(sess.get_outputs()[0].shape, [2, 4])
        sess.run(None, {"x": np.ones((2, 3), np.float32)})
        cls, msg = error_of(
            lambda: sess.run(None, {"x": np.ones((5, 3), np.float32)}))
        self.assertEqual(cls, "InvalidArgument")
        self.assertIn("index: 0 Got: 5 Expected: 2", msg)

    def test_artifact_filepath_writes_loadable_so(self):
        out = os.path.join(self.tmp, "optimized.so")
        so = kiln.SessionOptions()
        so.add_session_config_entry("kiln.artifact_filepath", out)
        first = kiln.InferenceSession(matmul_model().SerializeToString(),
                                      sess_options=so)
        self.assertTrue(os.path.isfile(out))
        second = kiln.InferenceSession(out)
        x = np.random.default_rng(2).random((3, 3), dtype=np.float32)
        np.testing.assert_array_equal(first.run(None, {"x": x})[0],
                                      second.run(None, {"x": x})[0])

    def test_optimized_model_filepath_writes_onnx(self):
        # ORT's meaning: an ONNX model, which ORT itself can load.
        out = os.path.join(self.tmp, "optimized.onnx")
        so = kiln.SessionOptions()
        so.optimized_model_filepath = out
        kiln.InferenceSession(matmul_model().SerializeToString(),
                              sess_options=so)
        x = np.random.default_rng(2).random((3, 3), dtype=np.float32)
        np.testing.assert_allclose(
            ort.InferenceSession(out).run(None, {"x": x})[0],
            kiln.InferenceSession(out).run(None, {"x": x})[0], rtol=1e-5)

    def test_profiling_writes_chrome_trace(self):
        so = kiln.SessionOptions()
        so.enable_profiling = True
        so.profile_file_prefix = os.path.join(self.tmp, "prof")
        sess = kiln.InferenceSession(matmul_model().SerializeToString(),
                                     sess_options=so)
        sess.run(None, {"x": np.ones((1, 3), np.float32)})
        path = sess.end_profiling()
        self.assertTrue(path.startswith(so.profile_file_prefix))
        with open(path) as f:
            events = json.load(f)
        names = [e["name"] for e in events]
        for name in ("model_loading_array", "session_initialization",
                     "model_run", "SequentialExecutor::Execute"):
            self.assertIn(name, names)
        for e in events:
            self.assertEqual(e["ph"], "X")
        # Without profiling, ORT returns an empty name.
        plain = kiln.InferenceSession(matmul_model().SerializeToString())
        self.assertEqual(plain.end_profiling(), "")


class ProvidersTest(KilnTestCase):
    def setUp(self):
        self.model = matmul_model().SerializeToString()

    def test_cpu_provider_and_options(self):
        sess = kiln.InferenceSession(self.model,
                                     providers=["CPUExecutionProvider"])
        ref = ort.InferenceSession(self.model,
                                   providers=["CPUExecutionProvider"])
        self.assertEqual(sess.get_providers(), ref.get_providers())
        self.assertEqual(sess.get_provider_options(),
                         {"CPUExecutionProvider": {}})
        sess = kiln.InferenceSession(
            self.model, providers=[("CPUExecutionProvider", {"a": 1})])
        self.assertEqual(sess.get_provider_options(),
                         {"CPUExecutionProvider": {"a": "1"}})
        sess = kiln.InferenceSession(self.model)
        self.assertEqual(sess.get_providers(), ["CPUExecutionProvider"])

    def test_cuda_falls_back_to_cpu_with_warning(self):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sess = kiln.InferenceSession(
                self.model,
                providers=["CUDAExecutionProvider", "CPUExecutionProvider"])
        self.assertEqual(sess.get_providers(), ["CPUExecutionProvider"])
        text = " ".join(str(w.message) for w in caught)
        self.assertIn("CUDAExecutionProvider", text)
        self.assertIn("falling back to CPUExecutionProvider", text)
        sess.run(None, {"x": np.ones((1, 3), np.float32)})

    def test_unknown_provider_warns(self):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sess = kiln.InferenceSession(self.model, providers=["FooEP"])
        self.assertEqual(sess.get_providers(), ["CPUExecutionProvider"])
        self.assertTrue(any(
            "Specified provider 'FooEP' is not in available provider names"
            in str(w.message) for w in caught))

    def test_bad_provider_arguments_fall_back_like_ort(self):
        # ORT prints an "EP Error" block and retries on the CPU rather than
        # raising; Kiln does the same, with the same text.
        cases = [
            dict(providers=[3]),
            dict(providers=["CPUExecutionProvider"], provider_options=[]),
            dict(providers=[("CPUExecutionProvider", {})],
                 provider_options=[{}]),
            dict(providers=["CPUExecutionProvider"], provider_options=[3]),
        ]
        for case in cases:
            outputs = []
            for module in (kiln, ort):
                with warnings.catch_warnings(), \
                        contextlib.redirect_stdout(io.StringIO()) as out:
                    warnings.simplefilter("ignore")
                    sess = module.InferenceSession(self.model, **case)
                self.assertEqual(sess.get_providers(),
                                 ["CPUExecutionProvider"])
                outputs.append(out.getvalue())
            self.assertEqual(outputs[0], outputs[1], case)


class ErrorsTest(KilnTestCase):
    """Same class and same text as ONNX Runtime."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        model = two_input_model()
        cls.kiln = kiln.InferenceSession(model.SerializeToString())
        cls.ort = ort.InferenceSession(model.SerializeToString())

    def assert_same_error(self, fn):
        mine, theirs = error_of(lambda: fn(self.kiln)), error_of(
            lambda: fn(self.ort))
        self.assertEqual(mine, theirs)
        return mine

    def test_wrong_input_name(self):
        a = np.ones((2, 3), np.float32)
        cls, msg = self.assert_same_error(
            lambda s: s.run(None, {"x": a, "y": a, "w": a}))
        self.assertEqual(cls, "InvalidArgument")
        self.assertEqual(
            msg, "[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : "
            "Invalid input name: w")

    def test_missing_input(self):
        a = np.ones((2, 3), np.float32)
        cls, msg = self.assert_same_error(lambda s: s.run(None, {"x": a}))
        self.assertEqual(cls, "ValueError")
        self.assertEqual(
            msg, "Required inputs (['y']) are missing from input feed "
            "(['x']).")
        self.assert_same_error(lambda s: s.run(None, {"q": a}))

    def test_wrong_rank(self):
        a = np.ones((2, 3), np.float32)
        cls, _ = self.assert_same_error(
            lambda s: s.run(None, {"x": a[0], "y": a}))
        self.assertEqual(cls, "InvalidArgument")

    def test_wrong_fixed_dim(self):
        a = np.ones((2, 3), np.float32)
        b = np.ones((2, 5), np.float32)
        cls, msg = self.assert_same_error(
            lambda s: s.run(None, {"x": a, "y": b}))
        self.assertEqual(cls, "InvalidArgument")
        self.assertIn("Got invalid dimensions for input: y", msg)

    def test_wrong_dtype(self):
        a = np.ones((2, 3), np.float32)
        cls, msg = self.assert_same_error(
            lambda s: s.run(None, {"x": a, "y": a.astype(np.float64)}))
        self.assertEqual(cls, "InvalidArgument")
        self.assertIn("Actual: (tensor(double)) , expected: (tensor(float))",
                      msg)
        self.assert_same_error(
            lambda s: s.run(None, {"x": a, "y": np.full((2, 3), "s")}))

    def test_wrong_output_name(self):
        a = np.ones((2, 3), np.float32)
        cls, _ = self.assert_same_error(
            lambda s: s.run(["nope"], {"x": a, "y": a}))
        self.assertEqual(cls, "InvalidArgument")

    def test_non_array_feeds(self):
        a = np.ones((2, 3), np.float32)
        for bad in (1.0, (1.0, 2.0, 3.0), "abc"):
            self.assert_same_error(lambda s: s.run(None, {"x": a, "y": bad}))

    def test_list_feed_takes_input_type(self):
        a = np.ones((1, 3), np.float32)
        mine = self.kiln.run(None, {"x": [[1, 2, 3]], "y": a})[0]
        theirs = self.ort.run(None, {"x": [[1, 2, 3]], "y": a})[0]
        self.assertEqual(mine.dtype, theirs.dtype)
        np.testing.assert_array_equal(mine, theirs)

    def test_load_errors(self):
        missing = os.path.join(self.tmp, "missing.onnx")
        self.assertEqual(error_of(lambda: kiln.InferenceSession(missing)),
                         error_of(lambda: ort.InferenceSession(missing)))
        self.assertEqual(error_of(lambda: kiln.InferenceSession(3)),
                         error_of(lambda: ort.InferenceSession(3)))
        cls, _ = error_of(lambda: kiln.InferenceSession(b"garbage"))
        self.assertEqual(cls, error_of(
            lambda: ort.InferenceSession(b"garbage"))[0])

    def test_compile_error_class_and_message(self):
        model = _model(
            [oh.make_node("FusedGelu", ["x"], ["y"],
                          domain="com.microsoft")],
            [oh.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
            [oh.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
        model.opset_import.append(oh.make_opsetid("com.microsoft", 1))
        cls, msg = error_of(
            lambda: kiln.InferenceSession(model.SerializeToString()))
        self.assertEqual(cls, "InvalidGraph")
        self.assertTrue(msg.startswith(
            "[ONNXRuntimeError] : 10 : INVALID_GRAPH : "), msg)
        self.assertIn("unsupported ONNX operator 'FusedGelu'", msg)


    def test_failed_allocation_is_an_error(self):
        # Expand to 2^20 x 2^20 floats (4 TiB): the generated code's
        # allocation fails; the run raises (ONNX Runtime's class) instead
        # of writing through a null pointer, and the session still runs.
        model = _model(
            [oh.make_node("Expand", ["x", "s"], ["y"])],
            [oh.make_tensor_value_info("x", TensorProto.FLOAT, [1]),
             oh.make_tensor_value_info("s", TensorProto.INT64, [2])],
            [oh.make_tensor_value_info("y", TensorProto.FLOAT, None)])
        x = np.ones(1, np.float32)
        huge = {"x": x, "s": np.array([1 << 20, 1 << 20], np.int64)}
        session = kiln.InferenceSession(model.SerializeToString())
        cls, msg = error_of(lambda: session.run(None, huge))
        self.assertEqual(cls, error_of(lambda: ort.InferenceSession(
            model.SerializeToString()).run(None, huge))[0])
        self.assertIn(
            "Failed to allocate memory for requested buffer of size 4398046511",
            msg)
        # Shapes whose byte count wraps 64 bits (2^31 x 2^31 floats is 2^64
        # bytes, a request of 0 before) fail the same way.
        for dims in ([1 << 31, 1 << 31], [1 << 62, 4]):
            wrapped = {"x": x, "s": np.array(dims, np.int64)}
            cls, msg = error_of(lambda: session.run(None, wrapped))
            self.assertEqual(cls, "Fail", dims)
            self.assertIn("Failed to allocate memory", msg)
        y, = session.run(None, {"x": x, "s": np.array([2, 3], np.int64)})
        np.testing.assert_array_equal(y, np.ones((2, 3), np.float32))
        # A static shape that large (a Tile of a constant by [2^40, 2^40])
        # is refused when compiled: its byte count wrapped into a tiny
        # buffer written far past its end (SIGSEGV).
        tiled = _model(
            [oh.make_node("Tile", ["c", "r"], ["y"])], [],
            [oh.make_tensor_value_info("y", TensorProto.FLOAT, None)],
            [onnx.numpy_helper.from_array(np.ones((2, 2), np.float32), "c"),
             onnx.numpy_helper.from_array(np.array([1 << 40, 1 << 40], np.int64), "r")])
        cls, msg = error_of(lambda: kiln.InferenceSession(tiled.SerializeToString()))
        self.assertIn("needs more than 2^62 bytes", msg)


    def test_invalid_graphs_are_refused_like_ort(self):
        # Two writers of one name, a node writing a graph input, attributes
        # of the wrong type: ORT refuses each (these ran before, the second
        # writer silently winning); Kiln gives the same class and message.
        x = oh.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
        y = oh.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])
        any_y = oh.make_tensor_value_info("y", TensorProto.FLOAT, None)
        w = oh.make_tensor_value_info("w", TensorProto.FLOAT, [3, 3])
        cases = {
            "two_writers": _model([oh.make_node("Relu", ["x"], ["y"]),
                                   oh.make_node("Neg", ["x"], ["y"])], [x], [y]),
            "writes_input": _model([oh.make_node("Relu", ["x"], ["x"]),
                                    oh.make_node("Neg", ["x"], ["y"])], [x], [y]),
            "perm_float": _model([oh.make_node("Transpose", ["x"], ["y"], perm=1.5)],
                                 [x], [any_y]),
            "alpha_string": _model([oh.make_node("Gemm", ["x", "w"], ["y"], alpha="two")],
                                   [x, w], [any_y]),
        }
        for name, model in cases.items():
            data = model.SerializeToString()
            expected = error_of(lambda: ort.InferenceSession(
                data, providers=["CPUExecutionProvider"]))
            got = error_of(lambda: kiln.InferenceSession(data))
            self.assertEqual(got[0], expected[0], name)
            detail = expected[1].split("Error ", 1)[-1].split("Error: ", 1)[-1]
            self.assertIn(detail, got[1], name)
        # Newer than ONNX Runtime 1.32 supports: IR version 15, opset 29.
        newer_ir = _model([oh.make_node("Relu", ["x"], ["y"])], [x], [y])
        newer_ir.ir_version = 15
        newer_opset = _model([oh.make_node("Relu", ["x"], ["y"])], [x], [y])
        newer_opset.opset_import[0].version = 29
        for model, text in ((newer_ir, "Unsupported model IR version: 15, "
                                       "max supported IR version: 14"),
                            (newer_opset, "till opset 28")):
            data = model.SerializeToString()
            expected = error_of(lambda: ort.InferenceSession(
                data, providers=["CPUExecutionProvider"]))
            got = error_of(lambda: kiln.InferenceSession(data))
            self.assertEqual(got[0], expected[0], text)
            self.assertIn(text, got[1])
            self.assertIn(text, expected[1])

    def test_fuzzer_findings(self):
        # kiln_fuzz_import found nodes without outputs: naming one for a
        # diagnostic read output(0) past the end (a protobuf CHECK, abort).
        x = oh.make_tensor_value_info("x", TensorProto.FLOAT, [2])
        y = oh.make_tensor_value_info("y", TensorProto.FLOAT, [2])
        for extra in (oh.make_node("Relu", ["x"], []),
                      oh.make_node("", [], [])):
            model = _model([oh.make_node("Relu", ["x"], ["y"]), extra],
                           [x], [y])
            cls, msg = error_of(
                lambda: kiln.InferenceSession(model.SerializeToString()))
            self.assertEqual(cls, "InvalidGraph", msg)
        # ... and a value no node defines, which libonnx's shape inference
        # dereferenced (SIGSEGV): now refused before it, as ORT refuses it.
        model = _model([oh.make_node("Shape", ["nowhere"], ["s"]),
                        oh.make_node("Relu", ["x"], ["y"])], [x], [y])
        data = model.SerializeToString()
        cls, msg = error_of(lambda: kiln.InferenceSession(data))
        self.assertEqual(cls, error_of(lambda: ort.InferenceSession(data))[0])
        self.assertIn("Node input 'nowhere' is not a graph input, "
                      "initializer, or output of a previous node", msg)
        # ... and an attribute whose type is not set and holds no value
        # (libonnx read the value it does not have: SIGSEGV).
        shape = oh.make_tensor_value_info("shape", TensorProto.INT64, [1])
        node = oh.make_node("ConstantOfShape", ["shape"], ["y"])
        node.attribute.add().name = "value"
        model = _model([node], [shape],
                       [oh.make_tensor_value_info("y", TensorProto.FLOAT, None)])
        data = model.SerializeToString()
        cls, msg = error_of(lambda: kiln.InferenceSession(data))
        self.assertEqual(cls, error_of(lambda: ort.InferenceSession(data))[0])
        self.assertIn("type field and data field mismatch in attribute value",
                      msg)
        # The mutation driver: a Cast without `to` and a Concat without
        # `axis` reached shape inference before the verifier (SIGSEGV on the
        # null attribute); the module is verified right after import now.
        for node in (oh.make_node("Cast", ["x"], ["y"]),
                     oh.make_node("Concat", ["x", "x"], ["y"])):
            model = _model([node], [x],
                           [oh.make_tensor_value_info("y", TensorProto.FLOAT, None)])
            cls, msg = error_of(
                lambda: kiln.InferenceSession(model.SerializeToString()))
            self.assertEqual(cls, "InvalidGraph", msg)
            self.assertIn("requires attribute", msg)
        # ... and a graph input without a type (libonnx: SIGSEGV).
        model = _model([oh.make_node("Shape", ["x"], ["y"])],
                       [onnx.ValueInfoProto(name="x")],
                       [oh.make_tensor_value_info("y", TensorProto.INT64, None)])
        data = model.SerializeToString()
        cls, msg = error_of(lambda: kiln.InferenceSession(data))
        self.assertEqual(cls, error_of(lambda: ort.InferenceSession(data))[0])
        self.assertIn("Model input (x) does not have type information.", msg)

    def test_bad_external_data_is_an_error(self):
        # Offsets that are not byte counts, reach past the file or near
        # 2^63 (an uncaught std::stoll exception and an overflowed bounds
        # check before), and a link leading out of the model's folder
        # (whose bytes came back as the output): each a clear error.
        folder = os.path.join(self.tmp, "external")
        outside = os.path.join(self.tmp, "outside")
        os.makedirs(folder)
        os.makedirs(outside)
        with open(os.path.join(folder, "w.bin"), "wb") as f:
            f.write(np.arange(4, dtype=np.float32).tobytes())
        with open(os.path.join(outside, "secret.bin"), "wb") as f:
            f.write(np.full(4, 7, np.float32).tobytes())
        os.symlink(os.path.join(outside, "secret.bin"),
                   os.path.join(folder, "link.bin"))

        def model(location, **fields):
            w = onnx.numpy_helper.from_array(np.zeros(4, np.float32), "w")
            w.ClearField("raw_data")
            w.data_location = TensorProto.EXTERNAL
            for key, value in [("location", location), *fields.items()]:
                entry = w.external_data.add()
                entry.key, entry.value = key, value
            return _model(
                [oh.make_node("Add", ["x", "w"], ["y"])],
                [oh.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                [oh.make_tensor_value_info("y", TensorProto.FLOAT, [4])], [w])

        cases = {"ok": ("w.bin", {}, None),
                 "text": ("w.bin", {"offset": "abc"}, "invalid external data offset 'abc'"),
                 "negative": ("w.bin", {"length": "-4"}, "invalid external data length '-4'"),
                 "huge": ("w.bin", {"offset": str(2**63 - 1), "length": "16"}, "lies outside"),
                 "link": ("link.bin", {}, "External data path validation failed")}
        for name, (location, fields, expected) in cases.items():
            path = os.path.join(folder, name + ".onnx")
            onnx.save(model(location, **fields), path)
            if expected is None:
                y, = kiln.InferenceSession(path).run(
                    None, {"x": np.zeros(4, np.float32)})
                np.testing.assert_array_equal(y, np.arange(4, dtype=np.float32))
                continue
            cls, msg = error_of(lambda: kiln.InferenceSession(path))
            # ORT's class for every external data error.
            self.assertEqual(cls, error_of(
                lambda: ort.InferenceSession(path))[0], name)
            self.assertEqual(cls, "Fail", name)
            self.assertIn(expected, msg, name)


class RunTest(KilnTestCase):
    def test_output_selection_and_order(self):
        model = _model(
            [oh.make_node("Neg", ["x"], ["a"]),
             oh.make_node("Abs", ["x"], ["b"])],
            [oh.make_tensor_value_info("x", TensorProto.FLOAT, ["n"])],
            [oh.make_tensor_value_info("a", TensorProto.FLOAT, ["n"]),
             oh.make_tensor_value_info("b", TensorProto.FLOAT, ["n"])])
        sess = kiln.InferenceSession(model.SerializeToString())
        x = np.array([-1.0, 2.0], np.float32)
        a, b = sess.run(None, {"x": x})
        np.testing.assert_array_equal(a, -x)
        np.testing.assert_array_equal(b, np.abs(x))
        (b2,) = sess.run(["b"], {"x": x})
        np.testing.assert_array_equal(b2, np.abs(x))
        b3, a3 = sess.run(["b", "a"], {"x": x})
        np.testing.assert_array_equal(a3, -x)
        self.assertEqual(len(sess.run([], {"x": x})), 2)

    def test_declared_output_shape_is_not_forced(self):
        # Exports declare fixed output dims while the inputs are symbolic:
        # the computation follows the inputs (a run with another size gets
        # the right answer, ORT only warns), the declared dims stay what
        # the exporter wrote.
        model = _model(
            [oh.make_node("Transpose", ["x"], ["y"], perm=[2, 1, 0]),
             oh.make_node("MatMul", ["x", "w"], ["z"])],
            [oh.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 4])],
            [oh.make_tensor_value_info("y", TensorProto.FLOAT, [4, 3, 2]),
             oh.make_tensor_value_info("z", TensorProto.FLOAT, [2, 3, 5])],
            [onnx.numpy_helper.from_array(
                np.arange(20, dtype=np.float32).reshape(4, 5), "w")])
        sess = kiln.InferenceSession(model.SerializeToString())
        ref = ort.InferenceSession(model.SerializeToString())
        for n in (2, 5):
            x = np.random.default_rng(n).standard_normal(
                (n, 3, 4)).astype(np.float32)
            got, want = sess.run(None, {"x": x}), ref.run(None, {"x": x})
            for g, w in zip(got, want):
                self.assertEqual(g.shape, w.shape)
                np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)

    def test_pads_from_a_concat_of_runtime_values(self):
        # Issue 11, bug class (b): a recurrent audio model pads its time
        # axis to a multiple of the kernel with pads built by a Concat of
        # values computed from the input's shape ('failed to legalize
        # onnx.Pad' before). The pads are known only at run time.
        i64 = TensorProto.INT64
        model = _model(
            [oh.make_node("Shape", ["x"], ["t"], start=2, end=3),
             oh.make_node("Constant", [], ["k"],
                          value=oh.make_tensor("k", i64, [1], [4])),
             oh.make_node("Mod", ["t", "k"], ["r"]),
             oh.make_node("Sub", ["k", "r"], ["left"]),
             oh.make_node("Constant", [], ["z2"],
                          value=oh.make_tensor("z2", i64, [2], [0, 0])),
             oh.make_node("Constant", [], ["z3"],
                          value=oh.make_tensor("z3", i64, [3], [0, 0, 0])),
             oh.make_node("Concat", ["z2", "left", "z3"], ["pads"], axis=0),
             oh.make_node("Pad", ["x", "pads"], ["y"])],
            [oh.make_tensor_value_info("x", TensorProto.FLOAT,
                                       ["B", 3, "T"])],
            [oh.make_tensor_value_info("y", TensorProto.FLOAT,
                                       ["B", 3, "U"])])
        sess = kiln.InferenceSession(model.SerializeToString())
        ref = ort.InferenceSession(model.SerializeToString())
        for t in (5, 8, 9):
            x = np.random.default_rng(t).standard_normal(
                (2, 3, t)).astype(np.float32)
            got, want = sess.run(None, {"x": x})[0], ref.run(None, {"x": x})[0]
            self.assertEqual(got.shape, want.shape)
            np.testing.assert_array_equal(got, want)

    def test_masked_softmax_and_sigmoid_have_no_subnormals(self):
        # exp below ln FLT_MIN is 0 in the kernels: a row masked with -1e9
        # (or a sigmoid of a large input feeding a product) gives exact
        # zeros, not 1e-38s that slow every later product on Intel cores.
        model = _model(
            [oh.make_node("Add", ["x", "mask"], ["m"]),
             oh.make_node("Softmax", ["m"], ["p"], axis=-1),
             oh.make_node("Sigmoid", ["x"], ["s"]),
             oh.make_node("Mul", ["s", "x"], ["y"])],
            [oh.make_tensor_value_info("x", TensorProto.FLOAT, [4, 64]),
             oh.make_tensor_value_info("mask", TensorProto.FLOAT, [4, 64])],
            [oh.make_tensor_value_info("p", TensorProto.FLOAT, [4, 64]),
             oh.make_tensor_value_info("y", TensorProto.FLOAT, [4, 64])])
        sess = kiln.InferenceSession(model.SerializeToString())
        x = np.linspace(-100, 100, 256, dtype=np.float32).reshape(4, 64)
        mask = np.where(np.arange(64) % 3 == 0, -1e9, 0).astype(np.float32)
        mask = np.broadcast_to(mask, (4, 64)).copy()
        # Every gap down to the row's max too: exp(-87.3 .. -103) are the
        # subnormal ones.
        x[1] = -np.linspace(0, 104, 64, dtype=np.float32)
        p, y = sess.run(None, {"x": x, "mask": mask})
        tiny = np.finfo(np.float32).tiny
        for name, v in (("softmax", p), ("silu", y)):
            self.assertFalse(np.any((v != 0) & (np.abs(v) < tiny)),
                             f"{name} holds subnormals")
        ref = ort.InferenceSession(model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
        p_ref, y_ref = ref.run(None, {"x": x, "mask": mask})
        np.testing.assert_allclose(p, p_ref, rtol=1e-5, atol=1e-7)
        # (ORT's fused SiLU is 1e-6 off in the tails: -16.5 gives -2.5e-6.)
        np.testing.assert_allclose(y, y_ref, rtol=1e-5, atol=1e-5)

    def test_every_element_type(self):
        types = [TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.FLOAT16,
                 TensorProto.BOOL, TensorProto.INT8, TensorProto.UINT8,
                 TensorProto.INT16, TensorProto.UINT16, TensorProto.INT32,
                 TensorProto.UINT32, TensorProto.INT64, TensorProto.UINT64]
        for t in types:
            with self.subTest(type=TensorProto.DataType.Name(t)):
                node = (oh.make_node("Not", ["x"], ["y"])
                        if t == TensorProto.BOOL
                        else oh.make_node("Add", ["x", "x"], ["y"]))
                model = _model(
                    [node], [oh.make_tensor_value_info("x", t, [2, "n"])],
                    [oh.make_tensor_value_info("y", t, [2, "n"])])
                sess = kiln.InferenceSession(model.SerializeToString())
                dtype = oh.tensor_dtype_to_np_dtype(t)
                x = (np.arange(6).reshape(2, 3) % 3).astype(dtype)
                y = sess.run(None, {"x": x})[0]
                self.assertEqual(y.dtype, dtype)
                np.testing.assert_array_equal(
                    y, ~x if t == TensorProto.BOOL else x + x)

    def test_non_contiguous_and_readonly_inputs(self):
        sess = kiln.InferenceSession(matmul_model().SerializeToString())
        ref = ort.InferenceSession(matmul_model().SerializeToString())
        big = np.random.default_rng(3).random((4, 6), dtype=np.float32)
        x = big[:, ::2]  # strided view
        self.assertFalse(x.flags.c_contiguous)
        np.testing.assert_allclose(sess.run(None, {"x": x})[0],
                                   ref.run(None, {"x": x})[0], rtol=1e-5)
        ro = np.ascontiguousarray(x)
        ro.flags.writeable = False
        np.testing.assert_allclose(sess.run(None, {"x": ro})[0],
                                   ref.run(None, {"x": ro})[0], rtol=1e-5)

    def test_outputs_own_their_memory_and_survive_session(self):
        sess = kiln.InferenceSession(matmul_model().SerializeToString())
        y = sess.run(None, {"x": np.ones((2, 3), np.float32)})[0]
        expected = y.copy()
        del sess
        np.testing.assert_array_equal(y, expected)
        y += 1  # writable
        # No copy on the way out: the array views runtime-owned memory.
        self.assertIsNotNone(y.base)

    def test_concurrent_runs(self):
        sess = kiln.InferenceSession(matmul_model().SerializeToString())
        ref = ort.InferenceSession(matmul_model().SerializeToString())
        rng = np.random.default_rng(4)
        inputs = [rng.random((i + 1, 3), dtype=np.float32) for i in range(8)]
        expected = [ref.run(None, {"x": x})[0] for x in inputs]
        failures = []

        def work(i):
            for _ in range(20):
                got = sess.run(None, {"x": inputs[i]})[0]
                if not np.allclose(got, expected[i], rtol=1e-5, atol=1e-6):
                    failures.append(i)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])


class CacheTest(KilnTestCase):
    def cached_files(self):
        d = os.environ["KILN_CACHE_DIR"]
        return sorted(f for f in os.listdir(d) if f.endswith(".so")) \
            if os.path.isdir(d) else []

    def creation_time_in_fresh_process(self, path):
        """Seconds to create a session in a new process, after importing
        kiln: a dlopen done earlier in this process would make it free."""
        script = (
            "import time, kiln\n"
            "t = time.perf_counter()\n"
            f"s = kiln.InferenceSession({path!r})\n"
            "print(time.perf_counter() - t, s.cache_hit)\n")
        result = subprocess.run([sys.executable, "-c", script],
                                capture_output=True, text=True,
                                env=dict(os.environ), timeout=600)
        self.assertEqual(result.returncode, 0, result.stderr)
        seconds, hit = result.stdout.split()
        return float(seconds), hit

    def test_external_weights_are_part_of_the_key(self):
        # The same model bytes with other external weights (another folder,
        # or the file edited in place) compile anew: the artifact holds the
        # weights, and a key of the .onnx bytes alone served stale ones.
        def model():
            w = onnx.numpy_helper.from_array(np.zeros(4, np.float32), "w")
            w.ClearField("raw_data")
            w.data_location = TensorProto.EXTERNAL
            entry = w.external_data.add()
            entry.key, entry.value = "location", "w.bin"
            return _model(
                [oh.make_node("Add", ["x", "w"], ["y"])],
                [oh.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                [oh.make_tensor_value_info("y", TensorProto.FLOAT, [4])], [w])

        def place(folder, values):
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "w.bin"), "wb") as f:
                f.write(np.asarray(values, np.float32).tobytes())
            path = os.path.join(folder, "m.onnx")
            onnx.save(model(), path)
            return path

        def run(path):
            return kiln.InferenceSession(path).run(
                None, {"x": np.zeros(4, np.float32)})[0]

        a = place(os.path.join(self.tmp, "ext_a"), [1, 2, 3, 4])
        b = place(os.path.join(self.tmp, "ext_b"), [5, 6, 7, 8])
        np.testing.assert_array_equal(run(a), [1, 2, 3, 4])
        np.testing.assert_array_equal(run(b), [5, 6, 7, 8])
        # Edited in place, its modification time put back: the content
        # counts, not the file's metadata.
        weights = os.path.join(os.path.dirname(a), "w.bin")
        st = os.stat(weights)
        with open(weights, "r+b") as f:
            f.write(np.asarray([9, 9, 9, 9], np.float32).tobytes())
        os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns))
        np.testing.assert_array_equal(run(a), [9, 9, 9, 9])

    def test_damaged_cache_entry_is_rebuilt(self):
        model = matmul_model().SerializeToString()
        first = kiln.InferenceSession(model)
        self.assertFalse(first.cache_hit)
        expected = first.run(None, {"x": np.ones((2, 3), np.float32)})[0]
        entry = first._so_path
        del first
        data = open(entry, "rb").read()
        with open(entry, "wb") as f:  # bytes lost on the way to the disk
            f.write(data[: len(data) // 2])
        again = kiln.InferenceSession(model)
        self.assertFalse(again.cache_hit)
        np.testing.assert_array_equal(
            again.run(None, {"x": np.ones((2, 3), np.float32)})[0], expected)
        self.assertEqual(os.path.getsize(entry), len(data))

    def test_second_session_loads_from_cache_quickly(self):
        # About 5 MB of weights, as in the target.
        model = matmul_model(k=1280, n=1024)
        path = self.save(model, "big.onnx")
        size_mb = os.path.getsize(path) / 1e6
        cold, hit = self.creation_time_in_fresh_process(path)
        self.assertEqual(hit, "False")
        cached = []
        for _ in range(3):
            seconds, hit = self.creation_time_in_fresh_process(path)
            self.assertEqual(hit, "True")
            cached.append(seconds)
        warm = kiln.InferenceSession(path)
        self.assertTrue(warm.cache_hit)
        so_path = os.path.join(self.tmp, "big.so")
        shutil.copyfile(warm.artifact_path, so_path)
        direct = [self.creation_time_in_fresh_process(so_path)[0]
                  for _ in range(3)]
        print(f"\n  session creation, {size_mb:.1f} MB model, fresh process:"
              f" cold compile {cold * 1e3:.0f} ms, cached "
              f"{min(cached) * 1e3:.1f} ms, .so {min(direct) * 1e3:.1f} ms",
              file=sys.stderr)
        # Generous bounds: machines are shared; the point is "no compile".
        self.assertLess(min(cached), 0.5)
        self.assertLess(min(direct), 0.5)
        x = np.ones((2, 1280), np.float32)
        np.testing.assert_array_equal(
            warm.run(None, {"x": x})[0],
            kiln.InferenceSession(so_path).run(None, {"x": x})[0])

    def test_cache_key_covers_options(self):
        data = levels_model().SerializeToString()
        before = len(self.cached_files())
        kiln.InferenceSession(data)
        kiln.InferenceSession(data)  # hit: no new file
        self.assertEqual(len(self.cached_files()), before + 1)
        for level in (kiln.GraphOptimizationLevel.ORT_DISABLE_ALL,
                      kiln.GraphOptimizationLevel.ORT_ENABLE_BASIC):
            so = kiln.SessionOptions()
            so.graph_optimization_level = level
            self.assertFalse(kiln.InferenceSession(data, so).cache_hit)
        so = kiln.SessionOptions()
        so.add_free_dimension_override_by_name("n", 3)
        self.assertFalse(kiln.InferenceSession(data, so).cache_hit)
        self.assertEqual(len(self.cached_files()), before + 4)

    def test_bytes_and_path_share_the_cache(self):
        model = matmul_model(k=5)
        path = self.save(model, "shared.onnx")
        first = kiln.InferenceSession(model.SerializeToString())
        self.assertFalse(first.cache_hit)
        second = kiln.InferenceSession(path)
        self.assertTrue(second.cache_hit)

    def test_damaged_and_replaced_artifacts(self):
        # A truncated copy (SIGBUS before), flipped bytes (SIGILL, SIGSEGV
        # or wrong numbers before): clear errors from the integrity
        # trailer. An artifact replaced by a rename while a session holds
        # the old one is the new model for a new session (the old one
        # before); one rewritten in place is refused.
        def add_model(value):
            c = onnx.numpy_helper.from_array(np.full(3, value, np.float32), "c")
            return _model([oh.make_node("Add", ["x", "c"], ["y"])],
                          [oh.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
                          [oh.make_tensor_value_info("y", TensorProto.FLOAT, [3])],
                          [c]).SerializeToString()

        def run(session):
            return session.run(None, {"x": np.zeros(3, np.float32)})[0]

        one = os.path.join(self.tmp, "one.so")
        two = os.path.join(self.tmp, "two.so")
        kiln.compile_model(add_model(1.0), one)
        kiln.compile_model(add_model(2.0), two)
        data = open(one, "rb").read()
        for name, damaged in {
                "truncated": data[:len(data) // 2],
                "trailer_cut": data[:-30],
                "flipped": data[:len(data) // 3] + bytes([data[len(data) // 3] ^ 0x40])
                           + data[len(data) // 3 + 1:]}.items():
            path = os.path.join(self.tmp, name + ".so")
            with open(path, "wb") as f:
                f.write(damaged)
            cls, msg = error_of(lambda: kiln.InferenceSession(path))
            self.assertEqual(cls, "InvalidGraph", name)
            self.assertIn("the artifact is damaged", msg, name)

        model = os.path.join(self.tmp, "model.so")
        shutil.copy(one, model)
        first = kiln.InferenceSession(model)
        np.testing.assert_array_equal(run(first), [1, 1, 1])
        shutil.copy(two, model + ".new")
        os.replace(model + ".new", model)
        second = kiln.InferenceSession(model)
        np.testing.assert_array_equal(run(second), [2, 2, 2])
        np.testing.assert_array_equal(run(first), [1, 1, 1])
        time.sleep(0.01)
        with open(model, "r+b") as f:  # same inode, other bytes
            f.write(open(one, "rb").read())
            f.truncate()
        cls, msg = error_of(lambda: kiln.InferenceSession(model))
        self.assertIn("rewritten in place", msg)
        self.assertEqual(cls, "Fail")
        del first, second
        np.testing.assert_array_equal(run(kiln.InferenceSession(model)), [1, 1, 1])

    def test_so_loaded_directly_without_the_compiler(self):
        so_path = os.path.join(self.tmp, "direct.so")
        kiln.compile_model(matmul_model().SerializeToString(), so_path)
        script = (
            "import sys, numpy as np, kiln\n"
            f"s = kiln.InferenceSession({so_path!r})\n"
            "y = s.run(None, {'x': np.ones((2, 3), np.float32)})[0]\n"
            "assert y.shape == (2, 4), y.shape\n"
            "assert 'kiln._compiler' not in sys.modules\n"
            "maps = open('/proc/self/maps').read()\n"
            "assert 'libLLVM' not in maps and 'libMLIR' not in maps\n"
            "print('ok')\n")
        result = subprocess.run([sys.executable, "-c", script],
                                capture_output=True, text=True,
                                env=dict(os.environ), timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "ok")


class OptimizationLevelTest(KilnTestCase):
    def emit(self, level, kind):
        so = kiln.SessionOptions()
        so.graph_optimization_level = level
        out = os.path.join(self.tmp, f"{int(level)}.{kind}")
        kiln.compile_model(levels_model().SerializeToString(), out, so,
                           emit=kind)
        with open(out) as f:
            return f.read()

    def test_levels_change_the_ir(self):
        levels = kiln.GraphOptimizationLevel
        o0 = self.emit(levels.ORT_DISABLE_ALL, "linalg")
        o3 = self.emit(levels.ORT_ENABLE_ALL, "linalg")
        self.assertNotEqual(o0, o3)
        graph0 = self.emit(levels.ORT_DISABLE_ALL, "onnx")
        graph1 = self.emit(levels.ORT_ENABLE_BASIC, "onnx")
        # DISABLE_ALL lowers as written; BASIC folds c1 + c2 and merges
        # the duplicate Relu.
        self.assertEqual(graph0.count("onnx.Relu"), 2)
        self.assertEqual(graph1.count("onnx.Relu"), 1)
        self.assertIn("onnx.Add(%0, %1)", graph0)
        self.assertIn("2.000000e+00, 3.000000e+00", graph1)

    def test_every_level_runs_and_agrees(self):
        data = levels_model().SerializeToString()
        x = np.array([[-1, 2, -3, 4]], np.float32)
        ref = ort.InferenceSession(data).run(None, {"x": x})[0]
        for level in kiln.GraphOptimizationLevel:
            so = kiln.SessionOptions()
            so.graph_optimization_level = level
            got = kiln.InferenceSession(data, so).run(None, {"x": x})[0]
            np.testing.assert_allclose(got, ref, rtol=1e-6)


if __name__ == "__main__":
    unittest.main()
