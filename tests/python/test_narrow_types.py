"""float8, float4, int4/uint4 and int2/uint2 tensors through `kiln`.

Run from the build tree: PYTHONPATH=build/python python3 -m unittest
tests/python/test_narrow_types.py. ONNX Runtime 1.32 computes these types
inside a model but returns only float8e4m3fn outputs (as uint8 bits) and
takes none of them as inputs: models whose edges are float (Cast of
constants, QuantizeLinear -> DequantizeLinear, DequantizeLinear of int4
weights) are compared with it; Kiln's own outputs of these types are
compared with ONNX's reference implementation (numpy + ml_dtypes).
"""

import unittest

import ml_dtypes
import numpy as np
import onnx
import onnx.helper as oh
import onnxruntime as ort
from onnx import TensorProto as T
from onnx import numpy_helper
from onnx.reference import ReferenceEvaluator

import kiln


def _model(nodes, inputs, outputs, initializers=(), opset=23):
    graph = oh.make_graph(nodes, "narrow", inputs, outputs,
                          list(initializers))
    model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", opset)])
    model.ir_version = 11
    return model


def _vi(name, elem, shape):
    return oh.make_tensor_value_info(name, elem, shape)


def _same(test, got, want):
    """Exact, NaN equal to NaN, for every dtype ml_dtypes has."""
    test.assertEqual(got.dtype, want.dtype)
    test.assertEqual(got.shape, want.shape)
    g, w = got.astype(np.float64), want.astype(np.float64)
    test.assertTrue(np.all((g == w) | (np.isnan(g) & np.isnan(w))),
                    f"{got!r} != {want!r}")


class VsOnnxRuntime(unittest.TestCase):
    """Models whose inputs and outputs ORT can take and return."""

    def assert_like_ort(self, model, feeds):
        data = model.SerializeToString()
        got = kiln.InferenceSession(data).run(None, feeds)
        # Without ORT's graph optimizations: they turn DequantizeLinear +
        # MatMul into a matmul that quantizes x too, which is not the
        # model's arithmetic.
        options = ort.SessionOptions()
        options.graph_optimization_level = (
            ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
        want = ort.InferenceSession(
            data, options, providers=["CPUExecutionProvider"]).run(None,
                                                                   feeds)
        for g, w in zip(got, want):
            if g.dtype == ml_dtypes.float8_e4m3fn:
                g = g.view(np.uint8)  # ORT returns the bits
            if g.dtype == np.float32:
                np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
            else:
                np.testing.assert_array_equal(g, w)

    def test_cast_float_to_float8e4m3fn(self):
        # Rounding ties, subnormals, the largest finite value, overflow
        # (saturated), infinities and NaN.
        x = np.array([0.0, -0.0, 1.0625, 1.1875, 0.0009765625, 0.0029296875,
                      448.0, 464.0, 465.0, 1e6, -1e6, np.inf, -np.inf,
                      np.nan, 3.14159, -2.71828], np.float32)
        for saturate in (1, 0):
            with self.subTest(saturate=saturate):
                model = _model(
                    [oh.make_node("Cast", ["x"], ["y"], saturate=saturate,
                                  to=T.FLOAT8E4M3FN)],
                    [_vi("x", T.FLOAT, [len(x)])],
                    [_vi("y", T.FLOAT8E4M3FN, [len(x)])])
                self.assert_like_ort(model, {"x": x})

    def test_quantize_dequantize_int4_per_axis(self):
        x = np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32)
        scale = np.array([0.1, 0.25, 0.5], np.float32)
        zp = numpy_helper.from_array(
            np.array([1, -2, 0], ml_dtypes.int4), "zp")
        model = _model(
            [oh.make_node("QuantizeLinear", ["x", "s", "zp"], ["q"], axis=0),
             oh.make_node("DequantizeLinear", ["q", "s", "zp"], ["y"],
                          axis=0)],
            [_vi("x", T.FLOAT, [3, 8])], [_vi("y", T.FLOAT, [3, 8])],
            [numpy_helper.from_array(scale, "s"), zp], opset=21)
        self.assert_like_ort(model, {"x": x * 3})

    def test_dequantize_uint4_weights_then_matmul(self):
        # The weight-only int4 pattern of quantized LLMs (odd element count:
        # the last byte is half used).
        rng = np.random.default_rng(1)
        w = rng.integers(0, 16, size=(5, 3)).astype(ml_dtypes.uint4)
        model = _model(
            [oh.make_node("DequantizeLinear", ["w", "s", "z"], ["wf"]),
             oh.make_node("MatMul", ["x", "wf"], ["y"])],
            [_vi("x", T.FLOAT, [2, 5])], [_vi("y", T.FLOAT, [2, 3])],
            [numpy_helper.from_array(w, "w"),
             numpy_helper.from_array(np.array(0.5, np.float32), "s"),
             numpy_helper.from_array(np.array(8, ml_dtypes.uint4), "z")],
            opset=21)
        self.assert_like_ort(
            model, {"x": rng.normal(size=(2, 5)).astype(np.float32)})

    def test_cast_float8_constants_to_float(self):
        values = np.array([0.5, -3.75, 448, 0.001953125], np.float32)
        nodes, outputs, inits = [], [], []
        for i, elem in enumerate([T.FLOAT8E4M3FN, T.FLOAT8E5M2]):
            t = oh.make_tensor(f"c{i}", elem, [4], values.tolist())
            inits.append(t)
            nodes.append(oh.make_node("Cast", [f"c{i}"], [f"y{i}"],
                                      to=T.FLOAT))
            outputs.append(_vi(f"y{i}", T.FLOAT, [4]))
        model = _model(nodes, [], outputs, inits, opset=21)
        self.assert_like_ort(model, {})


class VsReference(unittest.TestCase):
    """Outputs and inputs of the narrow types, against ONNX's reference."""

    def assert_like_reference(self, model, feeds):
        got = kiln.InferenceSession(model.SerializeToString()).run(None,
                                                                   feeds)
        want = ReferenceEvaluator(model).run(None, feeds)
        for g, w in zip(got, want):
            _same(self, g, w)
        return got

    def test_every_type_round_trips_through_cast(self):
        x = np.array([-7.0, -2.5, -1.0, -0.0, 0.0, 0.5, 1.0, 1.5, 3.0, 6.0,
                      7.0], np.float32)
        for elem in (T.FLOAT8E4M3FN, T.FLOAT8E4M3FNUZ, T.FLOAT8E5M2,
                     T.FLOAT8E5M2FNUZ, T.FLOAT4E2M1, T.INT4, T.UINT4,
                     T.INT2, T.UINT2):
            with self.subTest(elem=T.DataType.Name(elem)):
                model = _model(
                    [oh.make_node("Cast", ["x"], ["y"], to=elem),
                     oh.make_node("Cast", ["y"], ["z"], to=T.FLOAT)],
                    [_vi("x", T.FLOAT, [len(x)])],
                    [_vi("y", elem, [len(x)]), _vi("z", T.FLOAT, [len(x)])])
                y, _ = self.assert_like_reference(model, {"x": x})
                self.assertEqual(
                    y.dtype, onnx.helper.tensor_dtype_to_np_dtype(elem))

    def test_data_movement_keeps_packed_values(self):
        # Odd sizes, so packed bytes straddle rows; values of every sign.
        x = np.arange(-8, 7).reshape(3, 5).astype(ml_dtypes.int4)
        idx = np.array([2, 0], np.int64)
        model = _model(
            [oh.make_node("Transpose", ["x"], ["t"], perm=[1, 0]),
             oh.make_node("Reshape", ["t", "shape"], ["r"]),
             oh.make_node("Concat", ["x", "x"], ["c"], axis=1),
             oh.make_node("Gather", ["x", "idx"], ["g"], axis=0),
             oh.make_node("Flatten", ["x"], ["f"], axis=0),
             oh.make_node("Identity", ["x"], ["i"]),
             oh.make_node("Shape", ["x"], ["s"])],
            [_vi("x", T.INT4, [3, 5]), _vi("idx", T.INT64, [2])],
            [_vi("t", T.INT4, [5, 3]), _vi("r", T.INT4, [15]),
             _vi("c", T.INT4, [3, 10]), _vi("g", T.INT4, [2, 5]),
             _vi("f", T.INT4, [1, 15]), _vi("i", T.INT4, [3, 5]),
             _vi("s", T.INT64, [2])],
            [numpy_helper.from_array(np.array([15], np.int64), "shape")])
        self.assert_like_reference(model, {"x": x, "idx": idx})

    def test_float8_input_and_pad(self):
        x = np.array([[1.5, -2.0], [0.25, 448]], ml_dtypes.float8_e4m3fn)
        model = _model(
            [oh.make_node("Pad", ["x", "pads"], ["y"])],
            [_vi("x", T.FLOAT8E4M3FN, [2, 2])],
            [_vi("y", T.FLOAT8E4M3FN, [3, 4])],
            [numpy_helper.from_array(np.array([0, 1, 1, 1], np.int64),
                                     "pads")])
        self.assert_like_reference(model, {"x": x})

    def test_casts_of_constants_are_not_folded_differently(self):
        # Constant folding must agree with the lowering: 1000 saturates to
        # 448 in float8e4m3fn, -20 is out of int4's range (0, as ml_dtypes).
        c = numpy_helper.from_array(
            np.array([1000.0, -20.0, 7.6, 2.5], np.float32), "c")
        model = _model(
            [oh.make_node("Cast", ["c"], ["y"], to=T.FLOAT8E4M3FN),
             oh.make_node("Cast", ["c"], ["z"], to=T.INT4)],
            [], [_vi("y", T.FLOAT8E4M3FN, [4]), _vi("z", T.INT4, [4])], [c])
        with np.errstate(invalid="ignore"):
            self.assert_like_reference(model, {})

    def test_packed_sizes(self):
        # A [3] int4 tensor holds 2 bytes; the runtime says so.
        self.assertEqual(kiln._runtime.elem_types()[-1][2], 2)
        names = {e: n for e, n, _, _ in kiln._runtime.elem_types()}
        self.assertEqual(names[T.INT4], "int4")
        self.assertEqual(names[T.FLOAT8E4M3FN], "float8e4m3fn")


if __name__ == "__main__":
    unittest.main()
