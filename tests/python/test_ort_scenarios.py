"""The scenarios of ONNX Runtime's Python examples, written for Kiln (issue
13): the same steps an ORT user takes — an example model from the datasets
module, profiling, IOBinding, the ONNX backend API and its test suite,
asynchronous runs — with `import kiln as rt` and nothing else changed.
"""

import json
import os
import sys
import threading
import unittest
import warnings

import numpy as np
import onnx
import onnx.helper as oh
from onnx import TensorProto, numpy_helper

import kiln as rt
import kiln.backend
from kiln import datasets
from kiln.capi.onnxruntime_pybind11_state import Fail, InvalidArgument

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from private_cache import PrivateCacheCase  # noqa: E402


class ScenarioCase(PrivateCacheCase):
    """A private compile cache per class."""

    tmp_prefix = "kiln-scenarios-"


class SimpleUsageTest(ScenarioCase):
    def test_sigmoid_example(self):
        path = datasets.get_example("sigmoid.onnx")
        sess = rt.InferenceSession(path,
                                   providers=rt.get_available_providers())
        arg = sess.get_inputs()[0]
        self.assertEqual((arg.name, arg.type, arg.shape),
                         ("x", "tensor(float)", [3, 4, 5]))
        out = sess.get_outputs()[0]
        self.assertEqual((out.name, out.shape), ("y", [3, 4, 5]))
        x = np.random.default_rng(0).random((3, 4, 5), dtype=np.float32)
        y = sess.run([out.name], {arg.name: x})[0]
        np.testing.assert_allclose(y, 1 / (1 + np.exp(-x)), rtol=1e-5)
        # A wrong rank is the caller's error, with ORT's class.
        with self.assertRaises(InvalidArgument):
            sess.run(None, {arg.name: x[0]})

    def test_mul_example_and_metadata(self):
        sess = rt.InferenceSession(datasets.get_example("mul_1.onnx"))
        x = np.array([[1, 2], [3, 4], [5, 6]], np.float32)
        np.testing.assert_array_equal(sess.run(None, {"X": x})[0], x * x)
        self.assertEqual(sess.get_modelmeta().producer_name, "kiln")

    def test_scikit_learn_example_runs(self):
        # ORT's scikit-learn example: LinearClassifier, Normalizer and
        # ZipMap, whose sequence of maps comes back as ORT returns it, a
        # list of {label: probability} dicts of Python ints and floats.
        import onnxruntime as ort

        path = datasets.get_example("logreg_iris.onnx")
        mine = rt.InferenceSession(path)
        theirs = ort.InferenceSession(path,
                                      providers=["CPUExecutionProvider"])
        self.assertEqual(
            [(o.name, o.type) for o in mine.get_outputs()],
            [(o.name, o.type) for o in theirs.get_outputs()])
        x = np.array([[5.1, 3.5, 1.4, 0.2], [6.3, 2.9, 5.6, 1.8],
                      [5.9, 3.0, 4.2, 1.5]], dtype=np.float32)
        name = mine.get_inputs()[0].name
        got = mine.run(None, {name: x})
        want = theirs.run(None, {name: x})
        np.testing.assert_array_equal(got[0], want[0])
        self.assertEqual(len(got[1]), len(want[1]))
        for g, w in zip(got[1], want[1]):
            self.assertEqual(list(g), list(w))
            for label in w:
                self.assertIs(type(g[label]), type(w[label]))
                self.assertAlmostEqual(g[label], w[label], places=6)
        with self.assertRaises(FileNotFoundError):
            datasets.get_example("no_such_model.onnx")


class CommonErrorsTest(ScenarioCase):
    """What a caller gets wrong most often, caught with the classes of
    onnxruntime.capi.onnxruntime_pybind11_state: the same class and message
    as ONNX Runtime's for the same model."""

    def test_errors_match_onnxruntime(self):
        import onnxruntime as ort

        path = datasets.get_example("sigmoid.onnx")
        mine = rt.InferenceSession(path)
        theirs = ort.InferenceSession(path,
                                      providers=["CPUExecutionProvider"])
        x = np.ones((3, 4, 5), np.float32)
        mistakes = {
            "double instead of float": {"x": x.astype(np.float64)},
            "misspelled input": {"X": x},
            "wrong rank": {"x": x[0]},
            "wrong dim": {"x": np.ones((3, 4, 6), np.float32)},
        }
        for what, feed in mistakes.items():
            errors = []
            for sess in (mine, theirs):
                try:
                    sess.run(None, feed)
                except Exception as e:  # noqa: BLE001 (compared)
                    errors.append((type(e).__name__, str(e)))
                else:
                    errors.append(None)
            self.assertEqual(errors[0], errors[1], what)
            self.assertIsNotNone(errors[0], what)
        with self.assertRaises(InvalidArgument):
            mine.run(None, mistakes["double instead of float"])


def _two_node_model():
    graph = oh.make_graph(
        [oh.make_node("MatMul", ["x", "w"], ["m"], name="matmul"),
         oh.make_node("Tanh", ["m"], ["y"], name="tanh")],
        "g", [oh.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])],
        [oh.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2])],
        [numpy_helper.from_array(
            np.arange(8, dtype=np.float32).reshape(4, 2) / 8, "w")])
    model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", 17)])
    model.ir_version = 8
    return model.SerializeToString()


class ProfilingScenarioTest(ScenarioCase):
    def test_profile_of_three_runs(self):
        options = rt.SessionOptions()
        options.enable_profiling = True
        options.profile_file_prefix = os.path.join(self.tmp, "example")
        sess = rt.InferenceSession(_two_node_model(), options)
        self.assertGreater(sess.get_profiling_start_time_ns(), 0)
        x = np.ones((3, 4), np.float32)
        for _ in range(3):
            sess.run(None, {"x": x})
        path = sess.end_profiling()
        self.assertTrue(os.path.basename(path).startswith("example_"))
        with open(path, encoding="utf-8") as f:
            events = json.load(f)
        names = [e["name"] for e in events]
        self.assertEqual(names.count("model_run"), 3)
        self.assertEqual(names.count("SequentialExecutor::Execute"), 3)
        self.assertIn("model_loading_array", names)
        nodes = [e for e in events if e["cat"] == "Node"]
        self.assertGreaterEqual(len(nodes), 3)
        for e in nodes:
            self.assertTrue(e["name"].endswith("_kernel_time"), e)
            self.assertEqual(e["args"]["provider"], "CPUExecutionProvider")
            # ORT's op_name is the ONNX op type of the node(s).
            for op in e["args"]["op_name"].split("+"):
                self.assertIn(op, ("MatMul", "Tanh"), e)
            self.assertIsInstance(e["tid"], int)
        # Profiling ends with the trace.
        self.assertEqual(sess.end_profiling(), "")
        sess.run(None, {"x": x})
        self.assertEqual(sess.end_profiling(), "")


class IOBindingScenarioTest(ScenarioCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sess = rt.InferenceSession(_two_node_model())
        cls.x = np.random.default_rng(1).random((5, 4), dtype=np.float32)
        cls.expected = cls.sess.run(None, {"x": cls.x})[0]

    def test_bind_numpy_input_and_output_on_cpu(self):
        binding = self.sess.io_binding()
        binding.bind_cpu_input("x", self.x)
        binding.bind_output("y")
        self.sess.run_with_iobinding(binding)
        (value,) = binding.get_outputs()
        self.assertEqual(value.device_name(), "cpu")
        self.assertEqual(value.shape(), [5, 2])
        np.testing.assert_array_equal(value.numpy(), self.expected)
        np.testing.assert_array_equal(binding.copy_outputs_to_cpu()[0],
                                      self.expected)

    def test_preallocated_output_is_written_in_place(self):
        x_value = rt.OrtValue.ortvalue_from_numpy(self.x)
        # The input is viewed, not copied.
        self.assertEqual(x_value.data_ptr(), self.x.ctypes.data)
        y_value = rt.OrtValue.ortvalue_from_shape_and_type([5, 2],
                                                           np.float32)
        binding = self.sess.io_binding()
        binding.bind_ortvalue_input("x", x_value)
        binding.bind_ortvalue_output("y", y_value)
        self.sess.run_with_iobinding(binding)
        self.assertIs(binding.get_outputs()[0], y_value)
        np.testing.assert_array_equal(y_value.numpy(), self.expected)
        # A wrongly shaped buffer is ORT's FAIL, as an Error in execution.
        wrong = rt.OrtValue.ortvalue_from_shape_and_type([4, 2], np.float32)
        binding.bind_ortvalue_output("y", wrong)
        with self.assertRaisesRegex(RuntimeError, "Shape mismatch"):
            self.sess.run_with_iobinding(binding)

    def test_raw_buffers(self):
        out = np.zeros((5, 2), np.float32)
        binding = self.sess.io_binding()
        binding.bind_input("x", "cpu", 0, np.float32, list(self.x.shape),
                           self.x.ctypes.data)
        binding.bind_output("y", "cpu", 0, np.float32, [5, 2],
                            out.ctypes.data)
        self.sess.run_with_iobinding(binding)
        np.testing.assert_array_equal(out, self.expected)
        with self.assertRaisesRegex(RuntimeError, "CUDA"):
            binding.bind_output("y", "cuda", 0, np.float32, [5, 2], 0)

    def test_run_with_ort_values(self):
        outs = self.sess.run_with_ort_values(
            None, {"x": rt.OrtValue.ortvalue_from_numpy(self.x)})
        self.assertEqual(outs[0].data_type(), "tensor(float)")
        np.testing.assert_array_equal(outs[0].numpy(), self.expected)


class BackendScenarioTest(ScenarioCase):
    def test_prepare_and_run(self):
        model = onnx.load(datasets.get_example("mul_1.onnx"))
        rep = kiln.backend.prepare(model, "CPU")
        x = np.full((3, 2), 2, np.float32)
        np.testing.assert_array_equal(rep.run(x)[0], x * np.array(
            [[1, 2], [3, 4], [5, 6]], np.float32))
        self.assertTrue(kiln.backend.supports_device("CPU"))
        self.assertFalse(kiln.backend.supports_device("CUDA"))
        with self.assertRaises(RuntimeError):
            kiln.backend.prepare(model, "CUDA")

    def test_run_node(self):
        node = oh.make_node("Add", ["a", "b"], ["c"])
        a = np.arange(6, dtype=np.float32).reshape(2, 3)
        (c,) = kiln.backend.run_node(node, [a, a])
        np.testing.assert_array_equal(c, a + a)


# A slice of ONNX's own backend test suite, run through kiln.backend.
_BACKEND_SLICE = (r"^test_(relu|sigmoid|add_bcast|matmul_2d|softmax_axis_0"
                  r"|transpose_default)_cpu$")
with warnings.catch_warnings():
    # Importing the suite computes every case's data with numpy, which warns
    # about the overflows some cases are made of.
    warnings.simplefilter("ignore")
    import onnx.backend.test

    _suite = onnx.backend.test.BackendTest(kiln.backend, __name__)
_suite.include(_BACKEND_SLICE)
OnnxBackendNodeModelTest = _suite.test_cases["OnnxBackendNodeModelTest"]


def load_tests(loader, tests, pattern):
    """Leaves out the thousands of backend cases outside the slice (they
    would only be reported as skipped)."""
    import re

    kept = unittest.TestSuite()

    def walk(suite):
        for test in suite:
            if isinstance(test, unittest.TestSuite):
                walk(test)
            elif not isinstance(test, OnnxBackendNodeModelTest) or re.match(
                    _BACKEND_SLICE, test._testMethodName):
                kept.addTest(test)

    walk(tests)
    return kept


class AsyncAndTerminateTest(ScenarioCase):
    def test_run_async_calls_back_from_another_thread(self):
        sess = rt.InferenceSession(_two_node_model())
        x = np.ones((2, 4), np.float32)
        done = threading.Event()
        seen = {}

        def callback(outputs, user_data, error):
            seen.update(outputs=outputs, user_data=user_data, error=error,
                        thread=threading.get_ident())
            done.set()

        sess.run_async(None, {"x": x}, callback, {"tag": 1})
        self.assertTrue(done.wait(30))
        self.assertEqual(seen["error"], "")
        self.assertEqual(seen["user_data"], {"tag": 1})
        self.assertNotEqual(seen["thread"], threading.get_ident())
        np.testing.assert_array_equal(seen["outputs"][0],
                                      sess.run(None, {"x": x})[0])

    def test_terminate_set_from_another_thread(self):
        sess = rt.InferenceSession(_two_node_model())
        options = rt.RunOptions()
        setter = threading.Thread(target=setattr,
                                  args=(options, "terminate", True))
        setter.start()
        setter.join()
        with self.assertRaisesRegex(Fail, "terminate flag"):
            sess.run(None, {"x": np.ones((1, 4), np.float32)}, options)
        options.terminate = False
        sess.run(None, {"x": np.ones((1, 4), np.float32)}, options)


class OverridableAndLoaderTest(ScenarioCase):
    def test_sessions_of_several_models_in_one_process(self):
        # Two sessions of one artifact, then a session of another artifact:
        # the runtime must load the second model's code, not hand back the
        # first one (glibc remembers every name a library was opened under).
        first = _two_node_model()
        a = rt.InferenceSession(first)
        b = rt.InferenceSession(first)
        del a
        other = datasets.get_example("sigmoid.onnx")
        c = rt.InferenceSession(other)
        x = np.zeros((3, 4, 5), np.float32)
        np.testing.assert_array_equal(c.run(None, {"x": x})[0], x + 0.5)
        self.assertEqual(b.get_inputs()[0].name, "x")

    def test_artifact_bytes_are_loaded_from_memory(self):
        # A compiled .so read into memory (shipped to a worker, embedded in
        # an application) opens as ORT opens model bytes.
        so_path = os.path.join(self.tmp, "two_node.so")
        options = rt.SessionOptions()
        options.add_session_config_entry("kiln.artifact_filepath", so_path)
        from_onnx = rt.InferenceSession(_two_node_model(), options)
        with open(so_path, "rb") as f:
            artifact = f.read()
        from_bytes = rt.InferenceSession(artifact)
        self.assertIsNone(from_bytes.artifact_path)
        x = np.random.default_rng(3).random((2, 4), dtype=np.float32)
        np.testing.assert_array_equal(from_bytes.run(None, {"x": x})[0],
                                      from_onnx.run(None, {"x": x})[0])
        self.assertEqual(from_bytes.get_overridable_initializers(), [])
        with self.assertRaises(rt.InvalidGraph):
            rt.InferenceSession(artifact[:len(artifact) // 2])
        edits = rt.SessionOptions()
        edits.add_free_dimension_override_by_denotation("DATA_BATCH", 1)
        with self.assertRaises(InvalidArgument):
            rt.InferenceSession(artifact, edits)

    def test_initializer_inputs_can_be_fed(self):
        graph = oh.make_graph(
            [oh.make_node("Mul", ["x", "scale"], ["y"])], "g",
            [oh.make_tensor_value_info("x", TensorProto.FLOAT, [2]),
             oh.make_tensor_value_info("scale", TensorProto.FLOAT, [2])],
            [oh.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
            [numpy_helper.from_array(np.array([2, 3], np.float32),
                                     "scale")])
        model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", 17)])
        model.ir_version = 8
        sess = rt.InferenceSession(model.SerializeToString())
        (arg,) = sess.get_overridable_initializers()
        self.assertEqual((arg.name, arg.shape), ("scale", [2]))
        x = np.array([1, 1], np.float32)
        np.testing.assert_array_equal(sess.run(None, {"x": x})[0], [2, 3])
        np.testing.assert_array_equal(
            sess.run(None, {"x": x, "scale": np.array([5, 7], np.float32)})
            [0], [5, 7])
        np.testing.assert_array_equal(sess.run(None, {"x": x})[0], [2, 3])
        with self.assertRaises(InvalidArgument):
            sess.run(None, {"x": x, "scale": np.ones(3, np.float32)})

    def test_add_initializer_and_artifact_option(self):
        graph = oh.make_graph(
            [oh.make_node("Add", ["x", "bias"], ["y"])], "g",
            [oh.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
            [oh.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
            [numpy_helper.from_array(np.zeros(2, np.float32), "bias")])
        model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", 17)])
        model.ir_version = 8
        options = rt.SessionOptions()
        bias = rt.OrtValue.ortvalue_from_numpy(np.array([1, 2], np.float32))
        options.add_initializer("bias", bias)
        options.optimized_model_filepath = os.path.join(self.tmp, "opt.onnx")
        so_path = os.path.join(self.tmp, "model.so")
        options.add_session_config_entry("kiln.artifact_filepath", so_path)
        sess = rt.InferenceSession(model.SerializeToString(), options)
        x = np.array([10, 20], np.float32)
        np.testing.assert_array_equal(sess.run(None, {"x": x})[0], [11, 22])
        # The optimized model is ONNX, with the initializer replaced; the
        # artifact is a loadable .so.
        written = onnx.load(options.optimized_model_filepath)
        np.testing.assert_array_equal(
            numpy_helper.to_array(written.graph.initializer[0]), [1, 2])
        np.testing.assert_array_equal(
            rt.InferenceSession(so_path).run(None, {"x": x})[0], [11, 22])
        wrong = rt.SessionOptions()
        wrong.add_initializer("bias", rt.OrtValue.ortvalue_from_numpy(
            np.array([1, 2], np.int64)))
        with self.assertRaises(InvalidArgument):
            rt.InferenceSession(model.SerializeToString(), wrong)


if __name__ == "__main__":
    unittest.main()
