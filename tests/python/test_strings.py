"""String tensors through `kiln` compared with ONNX Runtime.

Run from the build tree: PYTHONPATH=build/python python3 -m unittest
tests/python/test_strings.py. Each model is compiled by Kiln and run next to
onnxruntime on the same inputs; outputs must be identical object arrays of
str.
"""

import unittest

import numpy as np
import onnx.helper as oh
import onnxruntime as ort
from onnx import TensorProto

import kiln

STRING = TensorProto.STRING


def _model(nodes, inputs, outputs, initializers=()):
    graph = oh.make_graph(nodes, "strings", inputs, outputs,
                          list(initializers))
    return oh.make_model(graph, opset_imports=[oh.make_opsetid("", 17)])


def _sessions(model):
    data = model.SerializeToString()
    return (kiln.InferenceSession(data),
            ort.InferenceSession(data, providers=["CPUExecutionProvider"]))


class StringTest(unittest.TestCase):

    def assert_same(self, model, feeds):
        ours, ref = _sessions(model)
        got = ours.run(None, feeds)
        want = ref.run(None, feeds)
        self.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            self.assertEqual(g.dtype, w.dtype)
            self.assertEqual(g.shape, w.shape)
            if g.dtype == object:
                self.assertEqual(g.tolist(), w.tolist())
            else:
                np.testing.assert_array_equal(g, w)
        return got

    def normalizer(self, shape, **attrs):
        # onnxruntime needs a locale this machine has (en_US.UTF-8 is its
        # default); Kiln's case mapping does not depend on it.
        node = oh.make_node("StringNormalizer", ["x"], ["y"],
                            locale="C.UTF-8", **attrs)
        return _model([node],
                      [oh.make_tensor_value_info("x", STRING, shape)],
                      [oh.make_tensor_value_info("y", STRING, None)])

    def test_normalizer_lower_insensitive(self):
        model = self.normalizer(["n"], case_change_action="LOWER",
                                is_case_sensitive=0,
                                stopwords=["monday", "Sunday"])
        x = np.array(["MONDAY", "Tuesday", "sunday", "Wed nes DAY", ""],
                     dtype=object)
        got = self.assert_same(model, {"x": x})
        self.assertEqual(got[0].tolist(), ["tuesday", "wed nes day", ""])

    def test_normalizer_row_upper_sensitive(self):
        model = self.normalizer([1, "n"], case_change_action="UPPER",
                                is_case_sensitive=1, stopwords=["monday"])
        x = np.array([["monday", "Monday", "friday"]], dtype=object)
        got = self.assert_same(model, {"x": x})
        self.assertEqual(got[0].tolist(), [["MONDAY", "FRIDAY"]])

    def test_normalizer_all_stopwords_leave_one_empty_string(self):
        model = self.normalizer(["n"], case_change_action="UPPER",
                                stopwords=["a", "b"])
        got = self.assert_same(model, {"x": np.array(["A", "b", "a"],
                                                     dtype=object)})
        self.assertEqual(got[0].tolist(), [""])

    def test_numpy_str_arrays_and_runs_in_a_row(self):
        # '<U' arrays are accepted like object arrays; results of one run
        # stay intact after the next.
        model = self.normalizer(["n"], case_change_action="UPPER")
        ours, _ = _sessions(model)
        first = ours.run(None, {"x": np.array(["ab", "cd"])})[0]
        second = ours.run(None, {"x": np.array(["xyzw", "q"])})[0]
        self.assertEqual(first.tolist(), ["AB", "CD"])
        self.assertEqual(second.tolist(), ["XYZW", "Q"])

    def test_node_args_say_string(self):
        model = self.normalizer(["n"])
        ours, ref = _sessions(model)
        self.assertEqual(str(ours.get_inputs()[0]), str(ref.get_inputs()[0]))
        self.assertEqual(ours.get_inputs()[0].type, "tensor(string)")
        self.assertEqual(ours.get_outputs()[0].type, "tensor(string)")

    def cast(self, src, dst, shape):
        node = oh.make_node("Cast", ["x"], ["y"], to=dst)
        return _model([node], [oh.make_tensor_value_info("x", src, shape)],
                      [oh.make_tensor_value_info("y", dst, shape)])

    def test_cast_float_to_string_and_back(self):
        # Values whose shortest round-trip form is also onnxruntime's "%.8g".
        x = np.array([[0.039187793, 0.1, -2.5e-8, 3.4028235e38],
                      [np.nan, np.inf, -np.inf, 123456789.0]],
                     dtype=np.float32)
        got = self.assert_same(self.cast(TensorProto.FLOAT, STRING,
                                         ["a", "b"]), {"x": x})
        back = self.assert_same(self.cast(STRING, TensorProto.FLOAT,
                                          ["a", "b"]), {"x": got[0]})
        np.testing.assert_array_equal(back[0], x)

    def test_cast_to_string_is_shortest_round_trip(self):
        # ONNX's reference (numpy) formatting, which ONNX's Cast tests
        # expect; onnxruntime prints "%.8g" (0.30000001, 0.33333333).
        ours, _ = _sessions(self.cast(TensorProto.FLOAT, STRING, ["n"]))
        x = np.array([0.3, 0.6048455, 1.0 / 3.0], dtype=np.float32)
        self.assertEqual(ours.run(None, {"x": x})[0].tolist(),
                         [str(v) for v in x])
        ours, _ = _sessions(self.cast(TensorProto.DOUBLE, STRING, ["n"]))
        x = np.array([0.3, 1.0 / 3.0, -1e300, 5e-324])
        self.assertEqual(ours.run(None, {"x": x})[0].tolist(),
                         ["0.3", "0.3333333333333333", "-1e+300", "5e-324"])

    def test_cast_string_to_numbers(self):
        x = np.array(["1.5", "-INF", "+INF", "NaN", "1e3", "-0"],
                     dtype=object)
        self.assert_same(self.cast(STRING, TensorProto.DOUBLE, ["n"]),
                         {"x": x})
        ints = np.array(["12", "-7", "9000000000"], dtype=object)
        self.assert_same(self.cast(STRING, TensorProto.INT64, ["n"]),
                         {"x": ints})

    def test_cast_int_and_double_to_string(self):
        self.assert_same(self.cast(TensorProto.INT32, STRING, ["n"]),
                         {"x": np.array([0, -5, 2147483647],
                                        dtype=np.int32)})
        self.assert_same(self.cast(TensorProto.DOUBLE, STRING, ["n"]),
                         {"x": np.array([0.1, 0.25, -1e300])})

    def test_data_movement_of_strings(self):
        # Transpose, Concat with a string initializer, Gather: addresses
        # move, strings stay.
        words = oh.make_tensor("w", STRING, [1, 2], [b"left", b"right"])
        idx = oh.make_tensor("i", TensorProto.INT64, [2], [2, 0])
        nodes = [
            oh.make_node("Transpose", ["x"], ["t"], perm=[1, 0]),
            oh.make_node("Concat", ["t", "w"], ["c"], axis=0),
            oh.make_node("Gather", ["c", "i"], ["y"], axis=0),
        ]
        model = _model(nodes,
                       [oh.make_tensor_value_info("x", STRING, [2, 2])],
                       [oh.make_tensor_value_info("y", STRING, [2, 2])],
                       [words, idx])
        # Compared with numpy: onnxruntime 1.32 returns empty strings for
        # some elements of this graph.
        x = np.array([["a", "b"], ["c", "d"]], dtype=object)
        ours, _ = _sessions(model)
        got = ours.run(None, {"x": x})[0]
        want = np.concatenate([x.T, np.array([["left", "right"]])])[[2, 0]]
        self.assertEqual(got.tolist(), want.tolist())

    def test_wrong_type_is_reported_like_onnxruntime(self):
        ours, ref = _sessions(self.normalizer(["n"]))
        x = np.array([1.0], dtype=np.float32)
        with self.assertRaises(Exception) as k:
            ours.run(None, {"x": x})
        with self.assertRaises(Exception) as o:
            ref.run(None, {"x": x})
        self.assertEqual(str(k.exception), str(o.exception))


if __name__ == "__main__":
    unittest.main()
