"""ai.onnx.preview.training's Gradient through `kiln`, against gradients
computed by hand with numpy (ONNX Runtime has no inference kernel for it).

Run from the build tree: PYTHONPATH=build/python python3 -m unittest
tests/python/test_gradient.py.
"""

import unittest

import numpy as np
import onnx.helper as oh
from onnx import TensorProto as T

import kiln


def _gradient_model(nodes, inputs, y, xs, shapes):
    grads = ["d_" + x for x in xs]
    nodes = nodes + [oh.make_node("Gradient", xs, grads, xs=xs, y=y,
                                  domain="ai.onnx.preview.training")]
    graph = oh.make_graph(
        nodes, "gradient",
        [oh.make_tensor_value_info(n, T.FLOAT, s) for n, s in inputs],
        [oh.make_tensor_value_info(y, T.FLOAT, None)] +
        [oh.make_tensor_value_info(g, T.FLOAT, shapes[x])
         for g, x in zip(grads, xs)])
    model = oh.make_model(graph, opset_imports=[
        oh.make_opsetid("", 17),
        oh.make_opsetid("ai.onnx.preview.training", 1)])
    model.ir_version = 8
    return model.SerializeToString()


class GradientTest(unittest.TestCase):
    def test_broadcast_chain(self):
        # d = relu((a + b) * a * w) / v - b, w [1, 3] broadcast over [2, 3],
        # v a scalar.
        shapes = {"a": [2, 3], "b": [2, 3], "w": [1, 3], "v": []}
        nodes = [oh.make_node("Add", ["a", "b"], ["c"]),
                 oh.make_node("Mul", ["c", "a"], ["e"]),
                 oh.make_node("Mul", ["e", "w"], ["f"]),
                 oh.make_node("Relu", ["f"], ["r"]),
                 oh.make_node("Div", ["r", "v"], ["q"]),
                 oh.make_node("Sub", ["q", "b"], ["d"])]
        xs = ["a", "b", "w", "v"]
        sess = kiln.InferenceSession(
            _gradient_model(nodes, list(shapes.items()), "d", xs, shapes))
        rng = np.random.default_rng(0)
        a = rng.standard_normal((2, 3)).astype(np.float32)
        b = rng.standard_normal((2, 3)).astype(np.float32)
        w = rng.standard_normal((1, 3)).astype(np.float32)
        v = np.float32(1.5)
        d, da, db, dw, dv = sess.run(None, {"a": a, "b": b, "w": w,
                                            "v": np.array(v)})
        c = a + b
        f = c * a * w
        on = (f > 0).astype(np.float32)
        df = on / v                      # through relu and the division
        np.testing.assert_allclose(d, np.maximum(f, 0) / v - b, rtol=1e-6)
        np.testing.assert_allclose(da, df * w * (c + a), rtol=1e-5)
        np.testing.assert_allclose(db, df * w * a - 1, rtol=1e-5)
        np.testing.assert_allclose(
            dw, (df * c * a).sum(axis=0, keepdims=True), rtol=1e-5)
        np.testing.assert_allclose(
            dv, -(np.maximum(f, 0) / v / v).sum(), rtol=1e-5)

    def test_unsupported_operator(self):
        nodes = [oh.make_node("Exp", ["a"], ["d"])]
        with self.assertRaisesRegex(Exception, "no derivative rule for node"):
            kiln.InferenceSession(_gradient_model(
                nodes, [("a", [2])], "d", ["a"], {"a": [2]}))


if __name__ == "__main__":
    unittest.main()
