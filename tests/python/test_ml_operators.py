"""ai.onnx.ml operators that neither the scikit-learn corpus nor the onnx-pip
suite exercises (FeatureVectorizer, CategoryMapper), compared with ONNX
Runtime through `kiln`.

Run from the build tree: PYTHONPATH=build/python python3 -m unittest
tests/python/test_ml_operators.py.
"""

import unittest

import numpy as np
import onnx.helper as oh
import onnxruntime as ort
from onnx import TensorProto

import kiln


def _model(nodes, inputs, outputs):
    graph = oh.make_graph(nodes, "ml", inputs, outputs)
    model = oh.make_model(graph, opset_imports=[
        oh.make_opsetid("", 17), oh.make_opsetid("ai.onnx.ml", 3)])
    model.ir_version = 8
    return model


class MlOperatorTest(unittest.TestCase):

    def assert_same(self, model, feeds):
        data = model.SerializeToString()
        got = kiln.InferenceSession(data).run(None, feeds)
        want = ort.InferenceSession(
            data, providers=["CPUExecutionProvider"]).run(None, feeds)
        self.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            self.assertEqual(g.dtype, w.dtype)
            self.assertEqual(g.shape, w.shape)
            if w.dtype == object:
                self.assertEqual(g.tolist(), w.tolist())
            else:
                np.testing.assert_array_equal(g, w)

    def test_feature_vectorizer(self):
        # Columns side by side as floats; inputdimensions cut a wider input
        # and pad a narrower one with zeros, as ORT does. The inputs share
        # one element type (the schema's T1): float, int64 and double.
        rng = np.random.default_rng(0)
        for elem, make in (
                (TensorProto.FLOAT,
                 lambda s: rng.standard_normal(s).astype(np.float32)),
                (TensorProto.INT64,
                 lambda s: rng.integers(-9, 9, s).astype(np.int64)),
                (TensorProto.DOUBLE, lambda s: rng.standard_normal(s))):
            node = oh.make_node("FeatureVectorizer", ["a", "b", "c"], ["y"],
                                domain="ai.onnx.ml",
                                inputdimensions=[2, 3, 1])
            model = _model(
                [node],
                [oh.make_tensor_value_info("a", elem, ["N", 2]),
                 oh.make_tensor_value_info("b", elem, ["N", 2]),
                 oh.make_tensor_value_info("c", elem, ["N", 3])],
                [oh.make_tensor_value_info("y", TensorProto.FLOAT,
                                           ["N", 6])])
            for n in (1, 5):
                with self.subTest(elem=elem, n=n):
                    self.assert_same(model, {"a": make((n, 2)),
                                             "b": make((n, 2)),
                                             "c": make((n, 3))})

    def test_category_mapper_both_ways(self):
        cats = dict(cats_strings=["cat", "dog", "bird"],
                    cats_int64s=[3, 7, 11])
        to_int = oh.make_node("CategoryMapper", ["s"], ["i"],
                              domain="ai.onnx.ml", default_int64=-5, **cats)
        to_str = oh.make_node("CategoryMapper", ["k"], ["t"],
                              domain="ai.onnx.ml", default_string="none",
                              **cats)
        model = _model(
            [to_int, to_str],
            [oh.make_tensor_value_info("s", TensorProto.STRING, ["N", 2]),
             oh.make_tensor_value_info("k", TensorProto.INT64, ["M"])],
            [oh.make_tensor_value_info("i", TensorProto.INT64, ["N", 2]),
             oh.make_tensor_value_info("t", TensorProto.STRING, ["M"])])
        self.assert_same(model, {
            "s": np.array([["dog", "fish"], ["bird", "cat"], ["", "dog"]],
                          dtype=object),
            "k": np.array([11, 3, 4, 7, -1], dtype=np.int64)})


if __name__ == "__main__":
    unittest.main()
