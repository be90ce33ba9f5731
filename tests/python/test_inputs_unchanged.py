"""Running a model never writes into the caller's input arrays, even when a
lowering updates a tensor in place (scatters, loop-carried values)."""
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper

import kiln


def _session(nodes, inputs, outputs):
    graph = helper.make_graph(nodes, "g", inputs, outputs)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)])
    return kiln.InferenceSession(model.SerializeToString())


class InputsUnchangedTest(unittest.TestCase):
    def test_scatter_elements_leaves_data_alone(self):
        sess = _session(
            [helper.make_node("ScatterElements", ["d", "i", "u"], ["y"])],
            [helper.make_tensor_value_info("d", TensorProto.FLOAT, [4]),
             helper.make_tensor_value_info("i", TensorProto.INT64, [2]),
             helper.make_tensor_value_info("u", TensorProto.FLOAT, [2])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])])
        d = np.zeros(4, np.float32)
        y = sess.run(None, {"d": d, "i": np.array([1, 3]),
                            "u": np.array([5, 7], np.float32)})[0]
        np.testing.assert_array_equal(y, [0, 5, 0, 7])
        np.testing.assert_array_equal(d, np.zeros(4, np.float32))

    def test_scatter_nd_leaves_data_alone(self):
        sess = _session(
            [helper.make_node("ScatterND", ["d", "i", "u"], ["y"])],
            [helper.make_tensor_value_info("d", TensorProto.FLOAT, [2, 3]),
             helper.make_tensor_value_info("i", TensorProto.INT64, [1, 1]),
             helper.make_tensor_value_info("u", TensorProto.FLOAT, [1, 3])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])])
        d = np.ones((2, 3), np.float32)
        y = sess.run(None, {"d": d, "i": np.array([[1]]),
                            "u": np.full((1, 3), 9, np.float32)})[0]
        np.testing.assert_array_equal(y, [[1, 1, 1], [9, 9, 9]])
        np.testing.assert_array_equal(d, np.ones((2, 3), np.float32))


if __name__ == "__main__":
    unittest.main()
