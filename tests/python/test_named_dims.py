"""Inputs that share a dim_param: the compiled code takes their dims as
one (an attention mask's B and the token ids' B), so a run that gives one
name two values fails with INVALID_ARGUMENT, from the runtime's check or,
with that check turned off (kiln.check_symbolic_dims = 0), from the
generated code's own, never by reading past the shorter input."""
import unittest

import numpy as np
from onnx import TensorProto, helper

import kiln


def _model():
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "m"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", 4, "S"]),
         helper.make_tensor_value_info("m", TensorProto.FLOAT, ["B", 1, "S"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["B", 4, "S"])])
    return helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def _session(check):
    opts = kiln.SessionOptions()
    if not check:
        opts.add_session_config_entry("kiln.check_symbolic_dims", "0")
    return kiln.InferenceSession(_model(), opts)


class NamedDimsTest(unittest.TestCase):
    def test_matching_dims_add(self):
        x = np.arange(2 * 4 * 3, dtype=np.float32).reshape(2, 4, 3)
        m = np.array([[[10, 20, 30]], [[40, 50, 60]]], np.float32)
        for check in (True, False):
            y = _session(check).run(None, {"x": x, "m": m})[0]
            np.testing.assert_array_equal(y, x + m)

    def test_runtime_check_names_the_dim(self):
        x = np.zeros((2, 4, 3), np.float32)
        m = np.zeros((1, 1, 3), np.float32)
        with self.assertRaisesRegex(Exception, "INVALID_ARGUMENT.*'B'"):
            _session(True).run(None, {"x": x, "m": m})

    def test_generated_check_when_runtime_check_is_off(self):
        x = np.zeros((4, 4, 3), np.float32)
        m = np.zeros((1, 1, 3), np.float32)
        with self.assertRaisesRegex(
                Exception, "INVALID_ARGUMENT.*symbolic dimension 'B'.*rel"):
            _session(False).run(None, {"x": x, "m": m})


if __name__ == "__main__":
    unittest.main()
