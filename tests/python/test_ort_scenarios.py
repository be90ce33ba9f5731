"""The scenarios of ONNX Runtime's Python examples, written for Kiln (issue
13): the same steps an ORT user takes — an example model from the datasets
module, profiling, IOBinding, the ONNX backend API and its test suite,
asynchronous runs — with `import kiln as rt` and nothing else changed.

ORT's examples (docs/python/examples in its repository) and the tests that
cover each, every one comparing Kiln with onnxruntime in the same test:

- plot_load_and_predict: SimpleUsageTest.test_sigmoid_example;
- plot_metadata: SimpleUsageTest.test_metadata_of_logreg_iris;
- plot_common_errors: CommonErrorsTest (logreg_iris, as the example);
- plot_backend: BackendScenarioTest.test_logreg_iris_through_the_backend;
- plot_pipeline: SimpleUsageTest.test_example_files_load_with_onnx;
- plot_profiling: ProfilingScenarioTest.test_mul_1_profile_as_the_example;
- plot_convert_pipeline_vectorizer: ScikitLearnScenarioTest
  .test_dict_vectorizer_pipeline_fed_dicts;
- plot_train_convert_predict: ScikitLearnScenarioTest
  .test_logistic_regression_labels_and_probabilities and
  .test_random_forest_one_row_at_a_time.

The scikit-learn ones need scikit-learn and skl2onnx (skipped without).
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

import onnxruntime as ort

import kiln as rt
import kiln.backend
from kiln import datasets
from kiln.capi.onnxruntime_pybind11_state import Fail, InvalidArgument

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from private_cache import PrivateCacheCase  # noqa: E402


def _ort(model):
    """onnxruntime's session of the same model (a path or bytes)."""
    return ort.InferenceSession(model, providers=["CPUExecutionProvider"])


def _args(sess):
    return ([(a.name, a.type, a.shape) for a in sess.get_inputs()],
            [(a.name, a.type, a.shape) for a in sess.get_outputs()])


def _outcome(fn):
    """('ok', result) or ('raise', class name, message)."""
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001 (compared)
        return ("raise", type(e).__name__, str(e))


def _assert_same_result(case, got, want, places=6):
    """Outputs of run(): arrays, lists of {label: probability} dicts."""
    case.assertEqual(len(got), len(want))
    for g, w in zip(got, want):
        if isinstance(w, np.ndarray):
            case.assertEqual(g.dtype, w.dtype)
            case.assertEqual(g.shape, w.shape)
            if w.dtype.kind == "f":
                np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
            else:
                np.testing.assert_array_equal(g, w)
            continue
        case.assertIsInstance(g, list)
        case.assertEqual(len(g), len(w))
        for gd, wd in zip(g, w):
            # Same keys in the same order, values of the same Python type.
            case.assertEqual(list(gd), list(wd))
            for label in wd:
                case.assertIs(type(gd[label]), type(wd[label]))
                case.assertAlmostEqual(gd[label], wd[label], places=places)


def _sklearn():
    try:
        import skl2onnx  # noqa: F401
        import sklearn  # noqa: F401
    except ImportError:
        return False
    return True


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
        theirs = _ort(path)
        self.assertEqual(_args(sess), _args(theirs))
        _assert_same_result(self, [y], theirs.run([out.name], {arg.name: x}))
        # A wrong rank is the caller's error, with ORT's class.
        with self.assertRaises(InvalidArgument):
            sess.run(None, {arg.name: x[0]})

    def test_mul_example_and_metadata(self):
        sess = rt.InferenceSession(datasets.get_example("mul_1.onnx"))
        x = np.array([[1, 2], [3, 4], [5, 6]], np.float32)
        np.testing.assert_array_equal(sess.run(None, {"X": x})[0], x * x)
        self.assertEqual(sess.get_modelmeta().producer_name, "kiln")

    def test_metadata_of_logreg_iris(self):
        # plot_metadata: the model's metadata through get_modelmeta().
        path = datasets.get_example("logreg_iris.onnx")
        fields = ("custom_metadata_map", "description", "domain",
                  "graph_name", "producer_name", "version")
        mine = rt.InferenceSession(path).get_modelmeta()
        theirs = _ort(path).get_modelmeta()
        self.assertEqual({f: getattr(mine, f) for f in fields},
                         {f: getattr(theirs, f) for f in fields})
        model = onnx.load(path)
        self.assertEqual(mine.producer_name, model.producer_name)

    def test_example_files_load_with_onnx(self):
        # plot_pipeline: the example's file read by onnx (load and
        # ModelProto.ParseFromString) is ORT's example graph.
        import onnxruntime.datasets

        for name in ("mul_1.onnx", "sigmoid.onnx", "logreg_iris.onnx"):
            mine = onnx.ModelProto()
            with open(datasets.get_example(name), "rb") as f:
                mine.ParseFromString(f.read())
            theirs = onnx.load(onnxruntime.datasets.get_example(name))
            self.assertEqual(
                [(n.op_type, n.domain, list(n.input), list(n.output),
                  sorted((a.name, str(oh.get_attribute_value(a)))
                         for a in n.attribute)) for n in mine.graph.node],
                [(n.op_type, n.domain, list(n.input), list(n.output),
                  sorted((a.name, str(oh.get_attribute_value(a)))
                         for a in n.attribute)) for n in theirs.graph.node],
                name)
            self.assertEqual(
                [(v.name, v.type) for v in mine.graph.input],
                [(v.name, v.type) for v in theirs.graph.input], name)
            for a, b in zip(mine.graph.initializer, theirs.graph.initializer):
                np.testing.assert_array_equal(numpy_helper.to_array(a),
                                              numpy_helper.to_array(b))

    def test_ort_example_file_runs_as_in_ort(self):
        # ORT's own logreg_iris.onnx (not Kiln's copy) gives ORT's results.
        import onnxruntime.datasets

        path = onnxruntime.datasets.get_example("logreg_iris.onnx")
        x = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], np.float32)
        _assert_same_result(
            self, rt.InferenceSession(path).run(None, {"float_input": x}),
            _ort(path).run(None, {"float_input": x}), places=5)

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
        x = np.array([[5.1, 3.5], [6.3, 2.9], [-5.9, 3.0]], dtype=np.float32)
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

    def test_logreg_iris_mistakes_as_the_example(self):
        # plot_common_errors, on the example it uses (logreg_iris: 3 rows
        # of 2 features in, labels and a list of probability dicts out):
        # each call gives ORT's result, or ORT's class and message.
        path = datasets.get_example("logreg_iris.onnx")
        mine, theirs = rt.InferenceSession(path), _ort(path)
        name = mine.get_inputs()[0].name
        label = mine.get_outputs()[0].name
        good = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], np.float32)
        calls = [
            ([label], {name: good.astype(np.float64)}),
            (["misspelled"], {name: good}),
            (None, {name: good}),
            ([label], {"misspelled": good}),
        ]
        for shape in ((4,), (1, 4), (2, 2), (3,), (1, 3), (1, 2, 2),
                      (1, 1, 3), (2, 1, 2)):
            x = np.arange(1, np.prod(shape) + 1, dtype=np.float32)
            calls.append(([label], {name: x.reshape(shape)}))
            calls.append((None, {name: x.reshape(shape)}))
        for outputs, feed in calls:
            got = _outcome(lambda: mine.run(outputs, feed))
            want = _outcome(lambda: theirs.run(outputs, feed))
            what = (outputs, {k: v.shape for k, v in feed.items()})
            self.assertEqual(got[0], want[0], (what, got, want))
            if want[0] == "raise":
                self.assertEqual(got[1:], want[1:], what)
            else:
                _assert_same_result(self, got[1], want[1], places=5)


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


class ProfilingOfTheExampleTest(ScenarioCase):
    def test_mul_1_profile_as_the_example(self):
        # plot_profiling: mul_1 rewritten to IR 6 and opset 11, run from
        # bytes, then a profiled session's trace: the same kinds of events
        # with the same fields as ORT's.
        model = onnx.load(datasets.get_example("mul_1.onnx"))
        model.ir_version = 6
        if model.opset_import[0].version <= 7:
            model.opset_import[0].version = 11
        data = model.SerializeToString()
        x = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], np.float32)
        traces = []
        for module, make in ((rt, rt.InferenceSession), (ort, _ort)):
            plain = make(data) if module is ort else make(
                data, providers=rt.get_available_providers())
            result = plain.run(None, {plain.get_inputs()[0].name: x})
            options = module.SessionOptions()
            options.enable_profiling = True
            options.profile_file_prefix = os.path.join(
                self.tmp, module.__name__ + "_mul")
            profiled = module.InferenceSession(
                data, options, providers=["CPUExecutionProvider"])
            profiled.run(None, {"X": x})
            path = profiled.end_profiling()
            with open(path, encoding="utf-8") as f:
                events = json.load(f)
            traces.append((result, events))
        (mine, my_events), (theirs, their_events) = traces
        _assert_same_result(self, mine, theirs)

        def session_events(events):
            return {(e["name"], tuple(sorted(e))) for e in events
                    if e["cat"] == "Session"}

        def node_events(events):
            return [e for e in events if e["cat"] == "Node"
                    and e["name"].endswith("_kernel_time")]

        # ORT's session events (loading, initialization, runs) with ORT's
        # fields; node events <node>_kernel_time with ORT's fields and the
        # op_name and provider arguments.
        self.assertLessEqual(session_events(their_events),
                             session_events(my_events))
        self.assertTrue(node_events(my_events))
        fields = {tuple(sorted(e)) for e in node_events(their_events)}
        for e in node_events(my_events):
            self.assertIn(tuple(sorted(e)), fields)
            self.assertEqual(e["args"]["op_name"], "Mul")
            self.assertEqual(e["args"]["provider"], "CPUExecutionProvider")
        self.assertIn("model_run", {e["name"] for e in my_events})


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

    def test_logreg_iris_through_the_backend(self):
        # plot_backend: prepare from the loaded model and from its path on
        # get_device(); one row of 2 features for a [3, 2] input is
        # InvalidArgument, caught by the example; three rows run.
        import onnxruntime.backend

        path = datasets.get_example("logreg_iris.onnx")
        self.assertEqual(rt.get_device(), ort.get_device())
        for model in (onnx.load(path), path):
            reps = (kiln.backend.prepare(model, rt.get_device()),
                    onnxruntime.backend.prepare(model, ort.get_device()))
            one = np.array([[-1.0, -2.0]], np.float32)
            got, want = (_outcome(lambda: rep.run(one)) for rep in reps)
            self.assertEqual(got[:2], ("raise", "InvalidArgument"))
            self.assertEqual(got, want)
            three = np.array([[-1.0, -2.0], [1, 0], [0, 3]], np.float32)
            (mine_label, mine_proba), (label, proba) = (
                rep.run(three) for rep in reps)
            _assert_same_result(self, [mine_label, mine_proba],
                                [label, proba], places=5)

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


@unittest.skipUnless(_sklearn(), "needs scikit-learn and skl2onnx")
class ScikitLearnScenarioTest(ScenarioCase):
    """ORT's scikit-learn examples: a model trained, converted with
    skl2onnx and run by both runtimes from the same bytes."""

    def test_dict_vectorizer_pipeline_fed_dicts(self):
        # plot_convert_pipeline_vectorizer: DictVectorizer then a gradient
        # boosting regressor; the input is a map int64 -> float fed one
        # dict (one observation) at a time; a list of dicts is refused.
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import (DictionaryType,
                                                FloatTensorType,
                                                Int64TensorType)
        from sklearn.datasets import make_regression
        from sklearn.ensemble import GradientBoostingRegressor
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.pipeline import make_pipeline

        x, y = make_regression(200, n_features=6, random_state=0)
        rows = [{i: float(v) for i, v in enumerate(r[1:])} for r in x]
        pipe = make_pipeline(DictVectorizer(sparse=False),
                             GradientBoostingRegressor(n_estimators=20,
                                                       random_state=0))
        pipe.fit(rows[:150], y[:150])
        onx = convert_sklearn(pipe, initial_types=[(
            "float_input", DictionaryType(Int64TensorType([1]),
                                          FloatTensorType([])))],
                              target_opset=17)
        data = onx.SerializeToString()
        mine = rt.InferenceSession(data,
                                   providers=rt.get_available_providers())
        theirs = _ort(data)
        self.assertEqual(_args(mine), _args(theirs))
        inp, out = mine.get_inputs()[0], mine.get_outputs()[0]
        self.assertEqual(inp.type, "map(int64,tensor(float))")
        for sess in (mine, theirs):
            with self.assertRaises((RuntimeError, InvalidArgument)):
                sess.run([out.name], {inp.name: rows[150:]})
        got = [mine.run([out.name], {inp.name: r})[0] for r in rows[150:]]
        want = [theirs.run([out.name], {inp.name: r})[0]
                for r in rows[150:]]
        _assert_same_result(self, got, want)
        # Floats against scikit-learn's doubles: close.
        np.testing.assert_allclose(np.array(got).ravel(),
                                   pipe.predict(rows[150:]), rtol=1e-4,
                                   atol=1e-3)

    def _iris(self):
        from sklearn.datasets import load_iris

        x, y = load_iris(return_X_y=True)
        order = np.random.default_rng(0).permutation(len(x))
        return x[order[:110]], y[order[:110]], x[order[110:]].astype(
            np.float32)

    def test_logistic_regression_labels_and_probabilities(self):
        # plot_train_convert_predict: LogisticRegression on iris, [None, 4]
        # in; the labels alone, then the probabilities as a list of
        # {class: probability} dicts.
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import FloatTensorType
        from sklearn.linear_model import LogisticRegression

        x_train, y_train, x_test = self._iris()
        clr = LogisticRegression(max_iter=500).fit(x_train, y_train)
        onx = convert_sklearn(clr, initial_types=[
            ("float_input", FloatTensorType([None, 4]))])
        data = onx.SerializeToString()
        mine = rt.InferenceSession(data,
                                   providers=rt.get_available_providers())
        theirs = _ort(data)
        self.assertEqual(_args(mine)[0], _args(theirs)[0])
        self.assertEqual([(o.name, o.type) for o in mine.get_outputs()],
                         [(o.name, o.type) for o in theirs.get_outputs()])
        inp = mine.get_inputs()[0].name
        label, prob = (o.name for o in mine.get_outputs())
        got = mine.run([label], {inp: x_test})[0]
        np.testing.assert_array_equal(got,
                                      theirs.run([label], {inp: x_test})[0])
        np.testing.assert_array_equal(got, clr.predict(x_test))
        probs = mine.run([prob], {inp: x_test})[0]
        _assert_same_result(self, [probs],
                            theirs.run([prob], {inp: x_test}))
        np.testing.assert_allclose(
            [[p[c] for c in sorted(p)] for p in probs],
            clr.predict_proba(x_test), atol=1e-5)
        # One row at a time, as the example's web-service loop.
        for i in range(5):
            _assert_same_result(
                self, mine.run([prob], {inp: x_test[i:i + 1]}),
                theirs.run([prob], {inp: x_test[i:i + 1]}))

    def test_logistic_regression_output_shapes(self):
        # ORT reports output_label's anonymous dim as None, not the name
        # ONNX's shape inference makes up for it ('unk__0'): a declared
        # anonymous dim takes only a value or a name the model's inputs use.
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import FloatTensorType
        from sklearn.linear_model import LogisticRegression

        x_train, y_train, _ = self._iris()
        onx = convert_sklearn(
            LogisticRegression(max_iter=500).fit(x_train, y_train),
            initial_types=[("float_input", FloatTensorType([None, 4]))])
        data = onx.SerializeToString()
        self.assertEqual(_args(rt.InferenceSession(data)),
                         _args(_ort(data)))

    def test_random_forest_one_row_at_a_time(self):
        # plot_train_convert_predict's benchmark: a random forest converted
        # for [1, 4], asked for the probabilities one row at a time.
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import FloatTensorType
        from sklearn.ensemble import RandomForestClassifier

        x_train, y_train, x_test = self._iris()
        for n_trees in (5, 10):
            rf = RandomForestClassifier(n_estimators=n_trees,
                                        random_state=n_trees)
            rf.fit(x_train, y_train)
            onx = convert_sklearn(rf, initial_types=[
                ("float_input", FloatTensorType([1, 4]))])
            data = onx.SerializeToString()
            mine = rt.InferenceSession(
                data, providers=rt.get_available_providers())
            theirs = _ort(data)
            self.assertEqual(_args(mine), _args(theirs))
            prob = mine.get_outputs()[1].name
            for i in range(len(x_test)):
                row = {"float_input": x_test[i:i + 1]}
                _assert_same_result(self, mine.run(None, row),
                                    theirs.run(None, row))
                self.assertEqual(mine.run([prob], row)[0],
                                 theirs.run([prob], row)[0])


if __name__ == "__main__":
    unittest.main()
