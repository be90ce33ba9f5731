"""Sequences, maps and optionals at a model's edges through `kiln`.

Run from the build tree: PYTHONPATH=build/python KILN_BUILD_DIR=build
python3 -m unittest tests/python/test_graph_values.py.

FakeValuesTest runs the hand-written ABI 4 artifact of
tests/unit/runtime/fakes/fake_values.c (no compiler): feeds as lists,
dicts and None, outputs as ORT returns them. The other classes compile real
models and compare every output with ONNX Runtime's, as it returns them
(numpy arrays, lists, dicts of Python scalars, None).
"""

import os
import sys
import unittest

import numpy as np
import onnx.helper as oh
import onnxruntime as ort
from onnx import TensorProto

import kiln

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from private_cache import PrivateCacheCase  # noqa: E402

FLOAT = TensorProto.FLOAT
INT64 = TensorProto.INT64


def _fake(name):
    build = os.environ.get("KILN_BUILD_DIR", "")
    return os.path.join(build, "tests", "unit", "runtime", "fakes",
                        f"fake_{name}.so")


@unittest.skipUnless(os.path.exists(_fake("values")),
                     "needs KILN_BUILD_DIR with the fake artifacts")
class FakeValuesTest(unittest.TestCase):
    """fake_values: x tensor, s seq of 2, m map, o optional (present), a
    optional (absent); outputs y, seq, zip (a sequence of maps), mo (a
    map), oo (present optional), none (absent)."""

    @classmethod
    def setUpClass(cls):
        cls.sess = kiln.InferenceSession(_fake("values"))

    def feeds(self, **changes):
        feeds = {
            "x": np.array([1, 2], np.float32),
            "s": [np.array([5, 6], np.float32),
                  np.array([7, 8, 9], np.float32)],
            "m": {10: 1.0, 20: 2.0, 30: 3.0},
            "o": np.array([0.25, 0.5], np.float32),
            "a": None,
        }
        feeds.update(changes)
        return feeds

    def test_node_args(self):
        self.assertEqual(
            [(a.name, a.type, a.shape) for a in self.sess.get_inputs()],
            [("x", "tensor(float)", ["n"]),
             ("s", "seq(tensor(float))", []),
             ("m", "map(int64,tensor(float))", []),
             ("o", "optional(tensor(float))", [None]),
             ("a", "optional(tensor(float))", [])])
        self.assertEqual(
            [(a.name, a.type) for a in self.sess.get_outputs()],
            [("y", "tensor(float)"), ("seq", "seq(tensor(float))"),
             ("zip", "seq(map(int64,tensor(float)))"),
             ("mo", "map(int64,tensor(float))"),
             ("oo", "optional(tensor(float))"),
             ("none", "optional(tensor(float))")])

    def test_outputs_as_ort_returns_them(self):
        y, seq, zipped, mo, oo, none = self.sess.run(None, self.feeds())
        np.testing.assert_array_equal(y, [1.75, 2.75])
        self.assertIsInstance(seq, list)
        self.assertEqual([a.tolist() for a in seq], [[7, 8, 9], [5, 6]])
        self.assertEqual(zipped, [{10: 1.0, 20: 2.0, 30: 3.0},
                                  {10: 2.0, 20: 4.0, 30: 6.0}])
        for m in zipped:
            self.assertTrue(all(type(k) is int and type(v) is float
                                for k, v in m.items()))
        self.assertEqual(mo, {10: 2.0, 20: 3.0, 30: 4.0})
        np.testing.assert_array_equal(oo, [0.5, 1.0])
        self.assertIsNone(none)

    def test_requested_outputs(self):
        zipped, none = self.sess.run(["zip", "none"], self.feeds())
        self.assertEqual(len(zipped), 2)
        self.assertIsNone(none)

    def test_ort_values_out(self):
        values = self.sess.run_with_ort_values(
            ["seq", "zip", "none", "y"],
            {k: (kiln.OrtValue.ortvalue_from_numpy(v)
                 if isinstance(v, np.ndarray) else v)
             for k, v in self.feeds().items()})
        seq, zipped, none, y = values
        self.assertEqual(seq.data_type(), "seq(tensor(float))")
        self.assertFalse(seq.is_tensor())
        self.assertTrue(seq.is_tensor_sequence())
        self.assertEqual(zipped.data_type(), "seq(map(int64,tensor(float)))")
        self.assertFalse(none.has_value())
        self.assertTrue(y.is_tensor())
        with self.assertRaisesRegex(RuntimeError, "Only OrtValues that are "
                                    "Tensors are convertible"):
            zipped.numpy()

    def test_errors_say_what_was_compiled(self):
        cases = [
            ({"s": [np.ones(2, np.float32)]},
             "input 's' is a sequence of 1 tensors; the artifact was compiled "
             "for 2 (kiln-compile --sequence-length s=1)"),
            ({"a": np.ones(2, np.float32)},
             "was compiled for None (kiln-compile --optional-absent a)"),
            ({"o": None}, "compile the model for None (kiln-compile "
             "--optional-absent o)"),
            ({"s": np.ones(2, np.float32)},
             "takes a sequence of tensors, not a tensor"),
            ({"s": [np.ones(2, np.int64), np.ones(2, np.int64)]},
             "Unexpected input data type. Actual: (tensor(int64))"),
        ]
        for change, message in cases:
            with self.subTest(change=list(change)):
                with self.assertRaises(kiln.InvalidArgument) as caught:
                    self.sess.run(None, self.feeds(**change))
                self.assertIn(message, str(caught.exception))

    def test_none_for_a_tensor(self):
        # As ORT's Python binding.
        with self.assertRaisesRegex(RuntimeError, "Unable to handle object"):
            self.sess.run(None, self.feeds(x=None))

    def test_map_keys_are_checked(self):
        with self.assertRaisesRegex(RuntimeError, "Unexpected key type"):
            self.sess.run(None, self.feeds(m={1.5: 2.0}))
        with self.assertRaisesRegex(RuntimeError, "it is fed a dict"):
            self.sess.run(None, self.feeds(m=[1.0]))


def _sessions(model):
    data = model.SerializeToString()
    return (kiln.InferenceSession(data),
            ort.InferenceSession(data, providers=["CPUExecutionProvider"]))


def _same(test, got, want):
    """ORT's outputs and Kiln's, compared as ORT returns them."""
    test.assertEqual(type(got), type(want))
    if isinstance(want, list):
        test.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            _same(test, g, w)
    elif isinstance(want, dict):
        test.assertEqual(list(got.keys()), list(want.keys()))
        for k in want:
            test.assertEqual(type(got[k]), type(want[k]))
            test.assertAlmostEqual(got[k], want[k], places=6)
    elif want is None:
        test.assertIsNone(got)
    else:
        test.assertEqual(got.dtype, want.dtype)
        test.assertEqual(got.shape, want.shape)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


class CompiledValuesTest(PrivateCacheCase):
    """Real models compiled by Kiln, next to ONNX Runtime."""

    def assert_same(self, model, feeds, sessions=None):
        ours, ref = sessions or _sessions(model)
        got = ours.run(None, feeds)
        want = ref.run(None, feeds)
        _same(self, got, want)
        self.assertEqual([(a.name, a.type) for a in ours.get_outputs()],
                         [(a.name, a.type) for a in ref.get_outputs()])
        return got

    def sequence_model(self):
        seq = oh.make_tensor_sequence_value_info("s", FLOAT, [2, "n"])
        # Kiln resolves sequence positions at compile time.
        graph = oh.make_graph(
            [oh.make_node("Constant", [], ["i"],
                          value=oh.make_tensor("i", INT64, [], [-1])),
             oh.make_node("SequenceAt", ["s", "i"], ["last"]),
             oh.make_node("ConcatFromSequence", ["s"], ["c"], axis=0),
             oh.make_node("SplitToSequence", ["c"], ["parts"], axis=0)],
            "seq", [seq],
            [oh.make_tensor_value_info("last", FLOAT, None),
             oh.make_tensor_value_info("c", FLOAT, None),
             oh.make_tensor_sequence_value_info("parts", FLOAT, None)])
        return oh.make_model(graph, opset_imports=[oh.make_opsetid("", 18)])

    def test_sequence_input_and_output(self):
        model = self.sequence_model()
        sessions = _sessions(model)
        ours, ref = sessions
        self.assertEqual([(a.name, a.type, a.shape) for a in ours.get_inputs()],
                         [(a.name, a.type, a.shape) for a in ref.get_inputs()])
        rng = np.random.default_rng(0)
        for n in (2, 3, 1, 2):
            seq = [rng.standard_normal((2, 3)).astype(np.float32)
                   for _ in range(n)]
            self.assert_same(model, {"s": seq}, sessions)
        # A length the session had not compiled for, then the same again:
        # one variant each.
        self.assertGreaterEqual(len(ours._variants), 2)

    def test_variants_from_several_threads(self):
        import threading

        model = self.sequence_model()
        ours, ref = _sessions(model)
        rng = np.random.default_rng(2)
        feeds = [{"s": [rng.standard_normal((2, 3)).astype(np.float32)
                        for _ in range(n)]} for n in (2, 3, 4, 2, 3, 4)]
        want = [ref.run(None, f) for f in feeds]
        got = [None] * len(feeds)

        def work(i):
            got[i] = ours.run(None, feeds[i])

        threads = [threading.Thread(target=work, args=(i,))
                   for i in range(len(feeds))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for g, w in zip(got, want):
            _same(self, g, w)
        # Lengths 2, 3 and 4 (1 is the session's own): one variant each.
        self.assertEqual(len(ours._variants), 3)

    def optional_model(self):
        opt = oh.make_optional_type_proto(
            oh.make_tensor_type_proto(FLOAT, [3]))
        graph = oh.make_graph(
            [oh.make_node("OptionalHasElement", ["o"], ["has"]),
             oh.make_node("Identity", ["o"], ["same"])],
            "opt", [oh.make_value_info("o", opt)],
            [oh.make_tensor_value_info("has", TensorProto.BOOL, []),
             oh.make_value_info("same", opt)])
        return oh.make_model(graph, opset_imports=[oh.make_opsetid("", 18)])

    def test_optional_present_and_none(self):
        model = self.optional_model()
        sessions = _sessions(model)
        self.assertEqual(
            [(a.name, a.type, a.shape) for a in sessions[0].get_inputs()],
            [(a.name, a.type, a.shape) for a in sessions[1].get_inputs()])
        got = self.assert_same(model, {"o": np.ones(3, np.float32)}, sessions)
        self.assertTrue(got[0])
        got = self.assert_same(model, {"o": None}, sessions)
        self.assertIsNone(got[1])
        self.assert_same(model, {"o": np.arange(3, dtype=np.float32)},
                         sessions)

    def zipmap_model(self, **labels):
        key = INT64 if "classlabels_int64s" in labels else TensorProto.STRING
        out = oh.make_sequence_type_proto(oh.make_map_type_proto(
            key, oh.make_tensor_type_proto(FLOAT, None)))
        graph = oh.make_graph(
            [oh.make_node("Softmax", ["x"], ["p"], axis=1),
             oh.make_node("ZipMap", ["p"], ["z"], domain="ai.onnx.ml",
                          **labels)],
            "zipmap", [oh.make_tensor_value_info("x", FLOAT, ["N", 3])],
            [oh.make_value_info("z", out),
             oh.make_tensor_value_info("p", FLOAT, ["N", 3])])
        return oh.make_model(graph, opset_imports=[
            oh.make_opsetid("", 17), oh.make_opsetid("ai.onnx.ml", 1)])

    def test_zipmap_sequence_of_maps(self):
        x = np.random.default_rng(1).standard_normal((5, 3)).astype(
            np.float32)
        # Labels out of order: ORT's maps iterate in key order.
        got = self.assert_same(
            self.zipmap_model(classlabels_int64s=[3, 1, 7]), {"x": x})
        self.assertEqual(list(got[0][0]), [1, 3, 7])
        got = self.assert_same(
            self.zipmap_model(classlabels_strings=["b", "a", "c"]), {"x": x})
        self.assertEqual(list(got[0][0]), ["a", "b", "c"])
        # One row, and none.
        self.assert_same(self.zipmap_model(classlabels_int64s=[0, 1, 2]),
                         {"x": x[:1]})
        self.assert_same(self.zipmap_model(classlabels_int64s=[0, 1, 2]),
                         {"x": x[:0]})

    def map_model(self, op, key, **attrs):
        map_type = oh.make_map_type_proto(
            key, oh.make_tensor_type_proto(FLOAT, None))
        graph = oh.make_graph(
            [oh.make_node(op, ["m"], ["v"], domain="ai.onnx.ml", **attrs)],
            "maps", [oh.make_value_info("m", map_type)],
            [oh.make_tensor_value_info("v", FLOAT, None)])
        return oh.make_model(graph, opset_imports=[
            oh.make_opsetid("", 18), oh.make_opsetid("ai.onnx.ml", 3)])

    def test_map_inputs(self):
        cases = [
            (self.map_model("DictVectorizer", INT64,
                            int64_vocabulary=[1, 2, 3]), {3: 4.5, 1: 2.0}),
            (self.map_model("DictVectorizer", TensorProto.STRING,
                            string_vocabulary=["a", "b", "c"]),
             {"c": 1.5, "a": -1.0}),
            (self.map_model("CastMap", INT64, cast_to="TO_FLOAT",
                            map_form="DENSE"), {0: 1.0, 1: 2.0, 2: 3.5}),
            (self.map_model("CastMap", INT64, cast_to="TO_FLOAT",
                            map_form="SPARSE", max_map=5), {3: 1.0, 1: 2.0}),
        ]
        for model, feed in cases:
            with self.subTest(op=model.graph.node[0].op_type, feed=feed):
                sessions = _sessions(model)
                self.assertEqual(sessions[0].get_inputs()[0].type,
                                 sessions[1].get_inputs()[0].type)
                self.assert_same(model, {"m": feed}, sessions)

    def test_unranked_sequence_compiles_at_the_first_run(self):
        # The model leaves the elements' rank open: nothing can be compiled
        # before a run gives them (ORT's NodeArgs come from the model).
        seq = oh.make_tensor_sequence_value_info("s", FLOAT, None)
        graph = oh.make_graph(
            [oh.make_node("Identity", ["s"], ["same"]),
             oh.make_node("SequenceLength", ["s"], ["n"])],
            "unranked", [seq],
            [oh.make_tensor_sequence_value_info("same", FLOAT, None),
             oh.make_tensor_value_info("n", INT64, [])])
        model = oh.make_model(graph,
                              opset_imports=[oh.make_opsetid("", 18)])
        sessions = _sessions(model)
        ours, ref = sessions
        for mine, theirs in ((ours.get_inputs(), ref.get_inputs()),
                             (ours.get_outputs(), ref.get_outputs())):
            self.assertEqual([(a.name, a.type, a.shape) for a in mine],
                             [(a.name, a.type, a.shape) for a in theirs])
        self.assertIsNone(ours.artifact_path)
        self.assert_same(model, {"s": [np.ones((2, 3), np.float32)] * 3},
                         sessions)
        self.assertIsNotNone(ours.artifact_path)
        # Another rank and length: another variant.
        self.assert_same(model, {"s": [np.arange(4, dtype=np.float32)]},
                         sessions)

    def test_optional_sequence(self):
        opt = oh.make_optional_type_proto(oh.make_sequence_type_proto(
            oh.make_tensor_type_proto(FLOAT, [2])))
        graph = oh.make_graph(
            [oh.make_node("OptionalHasElement", ["o"], ["has"])],
            "optseq", [oh.make_value_info("o", opt)],
            [oh.make_tensor_value_info("has", TensorProto.BOOL, [])])
        model = oh.make_model(graph,
                              opset_imports=[oh.make_opsetid("", 18)])
        sessions = _sessions(model)
        self.assertEqual(sessions[0].get_inputs()[0].type,
                         "optional(seq(tensor(float)))")
        for feed in ([np.ones(2, np.float32)] * 2, None,
                     [np.zeros(2, np.float32)]):
            self.assert_same(model, {"o": feed}, sessions)

    def test_sequence_output_through_iobinding(self):
        graph = oh.make_graph(
            [oh.make_node("SplitToSequence", ["x"], ["parts"], axis=0,
                          keepdims=0)],
            "split", [oh.make_tensor_value_info("x", FLOAT, [3, 2])],
            [oh.make_tensor_sequence_value_info("parts", FLOAT, None)])
        model = oh.make_model(graph,
                              opset_imports=[oh.make_opsetid("", 18)])
        x = np.arange(6, dtype=np.float32).reshape(3, 2)
        got = self.assert_same(model, {"x": x})
        self.assertEqual(len(got[0]), 3)
        sess = kiln.InferenceSession(model.SerializeToString())
        binding = sess.io_binding()
        binding.bind_cpu_input("x", x)
        binding.bind_output("parts")
        sess.run_with_iobinding(binding)
        (parts,) = binding.get_outputs()
        self.assertEqual(parts.data_type(), "seq(tensor(float))")
        self.assertFalse(parts.is_tensor())
        np.testing.assert_array_equal(parts._array[2], x[2])

    def test_compiled_artifact_is_not_recompiled(self):
        model = self.sequence_model()
        path = os.path.join(self.tmp, "seq.so")
        opts = kiln.SessionOptions()
        opts.add_session_config_entry("kiln.artifact_filepath", path)
        kiln.InferenceSession(model.SerializeToString(), opts)
        sess = kiln.InferenceSession(path)
        three = [np.ones((2, 3), np.float32)] * 3
        with self.assertRaisesRegex(
                kiln.InvalidArgument,
                "input 's' is a sequence of 3 tensors; the artifact was "
                "compiled for 1 \\(kiln-compile --sequence-length s=3\\)"):
            sess.run(None, {"s": three})


def _skl2onnx():
    try:
        import skl2onnx  # noqa: F401
        import sklearn  # noqa: F401
    except ImportError:
        return False
    return True


@unittest.skipUnless(_skl2onnx(), "needs scikit-learn and skl2onnx")
class SklearnZipMapTest(PrivateCacheCase):
    """scikit-learn classifiers converted with skl2onnx's default options
    (ZipMap on): ORT returns the probabilities as a list of {label:
    probability} dicts."""

    def convert(self, model, labels):
        from skl2onnx import to_onnx
        from sklearn.datasets import make_classification

        x, y = make_classification(n_samples=100, n_features=4,
                                   n_informative=3, n_redundant=0,
                                   n_classes=3, random_state=0)
        x = x.astype(np.float32)
        model.fit(x, np.asarray(labels)[y])
        return to_onnx(model, x[:1]), x[:7]

    def check(self, model, labels):
        onx, x = self.convert(model, labels)
        ours, ref = _sessions(onx)
        name = ref.get_inputs()[0].name
        self.assertEqual([(o.name, o.type) for o in ours.get_outputs()],
                         [(o.name, o.type) for o in ref.get_outputs()])
        got, want = ours.run(None, {name: x}), ref.run(None, {name: x})
        if want[0].dtype == object:
            self.assertEqual(got[0].tolist(), want[0].tolist())
        else:
            np.testing.assert_array_equal(got[0], want[0])
        _same(self, got[1], want[1])

    def test_logistic_regression(self):
        from sklearn.linear_model import LogisticRegression

        self.check(LogisticRegression(max_iter=300), [0, 1, 2])
        self.check(LogisticRegression(max_iter=300), ["a", "b", "c"])

    def test_random_forest(self):
        from sklearn.ensemble import RandomForestClassifier

        self.check(RandomForestClassifier(n_estimators=3, max_depth=3,
                                          random_state=0), [0, 1, 2])


if __name__ == "__main__":
    unittest.main()
