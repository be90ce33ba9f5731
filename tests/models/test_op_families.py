#!/usr/bin/env python3
"""Single-op models for the elementwise, reduction, normalization and
dense math (MatMul, Gemm) families, compiled with Kiln with every input dim symbolic (--all-dynamic),
run on two input shapes and compared with ONNX Runtime on the same inputs.
Covers the dtypes each lowering distinguishes (f32/f16/f64, signed and
unsigned ints, bool) and the attribute variants.

  test_op_families.py --build-dir build [-k name] [-O 3]

Ends with the summary line `N passed, N failed`.
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiln_harness import Kiln, check_against_onnxruntime  # noqa: E402

RNG = np.random.default_rng(1)
ONNX_TYPE = {np.dtype(k): v for k, v in {
    np.float32: TensorProto.FLOAT, np.float16: TensorProto.FLOAT16,
    np.float64: TensorProto.DOUBLE, np.int8: TensorProto.INT8,
    np.int16: TensorProto.INT16, np.int32: TensorProto.INT32,
    np.int64: TensorProto.INT64, np.uint8: TensorProto.UINT8,
    np.uint16: TensorProto.UINT16, np.uint32: TensorProto.UINT32,
    np.uint64: TensorProto.UINT64, np.bool_: TensorProto.BOOL}.items()}


def rand(shape, dtype, lo=-3.0, hi=3.0):
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return RNG.random(shape) > 0.5
    if dtype.kind == "f":
        return RNG.uniform(lo, hi, shape).astype(dtype)
    if dtype.kind == "u":
        lo = max(lo, 0)
    return RNG.integers(int(lo), int(hi) + 1, shape).astype(dtype)


class Case:
    """One node. `inputs` are generators: shape -> array, one per input, or
    an np.ndarray for a constant initializer (axes, bounds), or None for an
    absent input. `shapes` are the (per input) shapes of each feed.

    `chain` adds nodes after it, (op, inputs[, attrs]) each, whose inputs
    are "y" (the node's first output), "p" (the previous chain node's
    output), "c<k>" (chain node k's output) or as above, their feeds'
    shapes following the node's in `shapes`; the graph's output is then the
    last chain node's (and the node's too with `keep`)."""

    def __init__(self, name, op, inputs, shapes, attrs=None, opset=17,
                 outputs=1, rtol=1e-4, atol=1e-5, args=(), chain=(),
                 keep=False, static=False):
        self.name, self.op, self.inputs, self.shapes = name, op, inputs, shapes
        self.attrs, self.opset, self.outputs = attrs or {}, opset, outputs
        self.rtol, self.atol = rtol, atol
        self.args = tuple(args)  # extra kiln-compile arguments
        self.chain, self.keep = tuple(chain), keep
        # Static: the model has the first feeds' shapes and runs on them
        # alone (not --all-dynamic).
        self.static = static

    def build(self):
        vis, inits, feeds = [], [], [{} for _ in self.shapes]
        count = [0]

        def tensor(inp):
            if inp is None:
                return ""
            i = count[0]
            count[0] += 1
            n = f"x{i}"
            if isinstance(inp, np.ndarray):
                inits.append(numpy_helper.from_array(inp, n))
                return n
            arrays = [inp(s[i]) for s in self.shapes]
            rank = arrays[0].ndim
            dims = (list(arrays[0].shape) if self.static
                    else [f"d{i}_{k}" for k in range(rank)])
            vis.append(helper.make_tensor_value_info(
                n, ONNX_TYPE[arrays[0].dtype], dims))
            for f, a in zip(feeds, arrays):
                f[n] = a
            return n

        names = [tensor(inp) for inp in self.inputs]
        while names and not names[-1]:
            names.pop()  # Trailing absent inputs are left out.
        outs = [f"y{i}" for i in range(self.outputs)]
        nodes = [helper.make_node(self.op, names, outs, name=self.name, **self.attrs)]
        prev = outs[0]
        for k, (op, inputs, *attrs) in enumerate(self.chain):
            ins = [{"y": outs[0], "p": prev}.get(i, i) if isinstance(i, str)
                   else tensor(i) for i in inputs]
            prev = f"c{k}"
            nodes.append(helper.make_node(op, ins, [prev], **(attrs[0] if attrs else {})))
        if self.chain:
            outs = ([outs[0]] if self.keep else []) + [prev]
        graph = helper.make_graph(nodes, self.name, vis,
                                  [onnx.ValueInfoProto(name=o) for o in outs], inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)])
        # Opsets past 20 need the IR version of their release (ONNX
        # Runtime refuses them with 8).
        model.ir_version = 8 if self.opset <= 20 else 11
        model = onnx.shape_inference.infer_shapes(model)
        # Outputs need a type for the importer; take the inferred one.
        inferred = {v.name: v for v in model.graph.value_info}
        for o in model.graph.output:
            if o.name in inferred:
                o.CopyFrom(inferred[o.name])
        return model, feeds[:1] if self.static else feeds


def f(dtype=np.float32, lo=-3.0, hi=3.0):
    return lambda s: rand(s, dtype, lo, hi)


def cases():
    out = []
    add = out.append
    S2 = [[(2, 3), (3,)], [(4, 5), (5,)]]      # broadcast a row
    S1 = [[(2, 3, 4)], [(1, 5, 2)]]
    for op in ["Add", "Sub", "Mul", "Div"]:
        for dt in [np.float32, np.float16, np.int32, np.int64, np.uint8]:
            lo = 1 if op == "Div" else -20
            add(Case(f"{op}_{np.dtype(dt).name}", op,
                     [f(dt, -20, 20), f(dt, lo, 9)], S2,
                     rtol=2e-3 if dt == np.float16 else 1e-4))
    add(Case("Div_i32_negative", "Div", [f(np.int32, -20, 20), f(np.int32, -9, -1)], S2))
    add(Case("Pow_f32", "Pow", [f(lo=0.1), f()], S2))
    add(Case("Pow_f32_i32", "Pow", [f(), f(np.int32, -3, 3)], S2))
    add(Case("Pow_i64", "Pow", [f(np.int64, -5, 5), f(np.int64, 0, 4)], S2))
    for op, dts in [("Neg", [np.float32, np.int32, np.int8]),
                    ("Abs", [np.float32, np.int32, np.uint8]),
                    ("Sign", [np.float32, np.int64, np.uint16]),
                    ("Relu", [np.float32, np.int32])]:
        for dt in dts:
            add(Case(f"{op}_{np.dtype(dt).name}", op, [f(dt, -9, 9)], S1))
    for op in ["Sqrt", "Log"]:
        add(Case(op, op, [f(lo=0.1, hi=9)], S1))
    for op in ["Exp", "Tanh", "Sigmoid", "Erf", "Floor", "Ceil", "Round", "Sin",
               "Cos", "Tan", "Atan", "Sinh", "Cosh", "Asinh", "Reciprocal",
               "Softplus", "Softsign", "HardSwish", "Selu", "Elu", "Celu",
               "HardSigmoid", "LeakyRelu", "ThresholdedRelu", "Shrink", "IsNaN",
               "IsInf"]:
        add(Case(op, op, [f()], S1))
    add(Case("Exp_f16", "Exp", [f(np.float16)], S1, rtol=2e-3, atol=1e-3))
    add(Case("Tanh_f64", "Tanh", [f(np.float64)], S1))
    add(Case("Asin", "Asin", [f(lo=-1, hi=1)], S1))
    add(Case("Acos", "Acos", [f(lo=-1, hi=1)], S1))
    add(Case("Atanh", "Atanh", [f(lo=-0.9, hi=0.9)], S1))
    add(Case("Acosh", "Acosh", [f(lo=1, hi=5)], S1))
    add(Case("PRelu", "PRelu", [f(), f()], [[(2, 3, 4), (3, 1)], [(1, 5, 2), (5, 1)]]))
    add(Case("Clip", "Clip", [f(), np.array(-0.5, np.float32), np.array(1.0, np.float32)], S1))
    add(Case("Clip_min_only_i32", "Clip", [f(np.int32, -9, 9), np.array(-2, np.int32), None], S1))
    add(Case("Clip_none_u8", "Clip", [f(np.uint8, 0, 255), None, np.array(100, np.uint8)], S1))
    V3 = [[(2, 3), (3,), (2, 1)], [(4, 1), (1,), (4, 5)]]
    for op in ["Max", "Min", "Sum", "Mean"]:
        add(Case(op, op, [f(), f(), f()], V3))
    add(Case("Max_u8", "Max", [f(np.uint8, 0, 255), f(np.uint8, 0, 255)], S2))
    add(Case("Min_i64", "Min", [f(np.int64, -9, 9), f(np.int64, -9, 9)], S2))
    for op in ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"]:
        add(Case(op, op, [f(np.float32, -2, 2), f(np.float32, -2, 2)], S2))
        add(Case(f"{op}_u32", op, [f(np.uint32, 0, 4), f(np.uint32, 0, 4)], S2))
        add(Case(f"{op}_i32", op, [f(np.int32, -3, 3), f(np.int32, -3, 3)], S2))
    add(Case("Equal_bool", "Equal", [f(np.bool_), f(np.bool_)], S2))
    add(Case("Where", "Where", [f(np.bool_), f(), f()],
             [[(2, 1), (2, 3), (3,)], [(1, 4), (3, 4), (1,)]]))
    add(Case("Not", "Not", [f(np.bool_)], S1))
    for op in ["And", "Or", "Xor"]:
        add(Case(op, op, [f(np.bool_), f(np.bool_)], S2))
    for to, dt in [(TensorProto.INT32, np.float32), (TensorProto.FLOAT, np.uint8),
                   (TensorProto.BOOL, np.float32), (TensorProto.FLOAT16, np.bool_),
                   (TensorProto.INT64, np.uint16), (TensorProto.DOUBLE, np.int8),
                   (TensorProto.UINT8, np.int32), (TensorProto.FLOAT, np.float16)]:
        add(Case(f"Cast_{np.dtype(dt).name}_to_{to}", "Cast", [f(dt, 0 if to == TensorProto.UINT8 else -9, 9)],
                 S1, attrs={"to": to}))
    add(Case("Mod_i32", "Mod", [f(np.int32, -20, 20), f(np.int32, 1, 7)],
             [[(2, 3), (3,)], [(4, 5), (5,)]]))
    add(Case("Mod_i64_neg_divisor", "Mod", [f(np.int64, -20, 20), f(np.int64, -7, -1)], S2))
    add(Case("Mod_f32_fmod", "Mod", [f(), f(lo=0.5, hi=2)], S2, attrs={"fmod": 1}))
    add(Case("BitShift_u8", "BitShift", [f(np.uint8, 0, 255), f(np.uint8, 0, 7)], S2,
             attrs={"direction": "LEFT"}))
    add(Case("BitShift_u32", "BitShift", [f(np.uint32, 0, 1000), f(np.uint32, 0, 9)], S2,
             attrs={"direction": "RIGHT"}))
    add(Case("Identity", "Identity", [f()], S1))

    # Reductions.
    R = [[(2, 3, 4)], [(3, 1, 5)]]
    for op in ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
               "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp",
               "ReduceSumSquare"]:
        lo = 0.1 if op == "ReduceLogSum" else -1.5
        for axes, kd in [([1], 1), ([0, 2], 0), ([-1], 1), (None, 0)]:
            ins = [f(lo=lo, hi=1.5), None if axes is None else np.array(axes, np.int64)]
            add(Case(f"{op}_{axes}_kd{kd}", op, ins, R, attrs={"keepdims": kd}, opset=18))
        add(Case(f"{op}_noop", op, [f(lo=lo, hi=1.5), None], R,
                 attrs={"noop_with_empty_axes": 1}, opset=18))
        add(Case(f"{op}_f16", op, [f(np.float16, lo, 1.5), np.array([1], np.int64)], R,
                 opset=18, rtol=3e-3, atol=3e-3))
    for op in ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"]:
        add(Case(f"{op}_i32", op, [f(np.int32, -9, 9), np.array([1], np.int64)], R, opset=18))
    for op in ["ArgMax", "ArgMin"]:
        for axis, kd, last in [(1, 1, 0), (-1, 0, 1), (0, 1, 1)]:
            add(Case(f"{op}_a{axis}_kd{kd}_last{last}", op, [f(np.int32, 0, 3)], R,
                     attrs={"axis": axis, "keepdims": kd, "select_last_index": last}))
        add(Case(f"{op}_f32", op, [f()], R, attrs={"axis": 2}))

    # Transposes (the transpose kernel for f32): K^T of attention heads
    # ([B, S, 4, 64] -> [B, 4, 64, S]: 8 x 8 blocks with edges), heads
    # split (rows copied whole), a plain 2-D one of odd sizes, rank 6, an
    # int32 one (loops), and one fed by a Slice (x strided).
    add(Case("Transpose_k_heads", "Transpose", [f()],
             [[(2, 37, 4, 64)], [(1, 8, 4, 64)]], attrs={"perm": [0, 2, 3, 1]}))
    add(Case("Transpose_split_heads", "Transpose", [f()],
             [[(2, 37, 4, 64)], [(1, 5, 4, 64)]], attrs={"perm": [0, 2, 1, 3]}))
    add(Case("Transpose_2d_odd", "Transpose", [f()], [[(13, 29)], [(17, 8)]],
             attrs={"perm": [1, 0]}))
    add(Case("Transpose_rank6", "Transpose", [f()],
             [[(2, 3, 9, 2, 11, 3)], [(1, 2, 8, 1, 16, 2)]],
             attrs={"perm": [4, 0, 5, 2, 1, 3]}))
    add(Case("Transpose_i32", "Transpose", [f(np.int32, -50, 50)],
             [[(3, 17, 9)], [(2, 8, 8)]], attrs={"perm": [2, 0, 1]}))
    add(Case("Transpose_of_slice", "Slice",
             [f(), np.array([1, 2], np.int64), np.array([1000, 1000], np.int64),
              np.array([0, 1], np.int64)],
             [[(19, 45)], [(10, 20)]],
             chain=[("Transpose", ["y"], {"perm": [1, 0]})]))

    # Normalizations.
    for op in ["Softmax", "LogSoftmax", "Hardmax"]:
        for axis in [0, 1, -1]:
            add(Case(f"{op}_a{axis}", op, [f(lo=-5, hi=5)], R, attrs={"axis": axis}))
    add(Case("Softmax_f16", "Softmax", [f(np.float16)], R, rtol=3e-3, atol=3e-3))

    # The row kernel (f32 along the last dim): rows of whole vectors and a
    # tail, rows shorter than a vector, rank 5 (leading dims collapsed),
    # rows long enough for several tasks, and rows with NaN, -inf (a
    # masked score) and all -inf (NaN, as in ORT).
    def special(shape):
        x = rand(shape, np.float32, -30.0, 30.0)
        x[..., 1, 3] = np.nan
        x[..., 2, ::2] = -np.inf
        x[..., 3, :] = -np.inf
        return x
    add(Case("Softmax_rows", "Softmax", [f(lo=-20, hi=20)],
             [[(3, 37, 53)], [(2, 2, 3)], [(1, 4, 16)]]))
    add(Case("Softmax_rank5", "Softmax", [f()], [[(2, 3, 2, 4, 35)], [(1, 1, 1, 1, 1)]]))
    add(Case("Softmax_long_rows", "Softmax", [f(lo=-50, hi=50)], [[(40, 1000)], [(3, 4099)]]))
    add(Case("Softmax_special", "Softmax", [special], [[(2, 5, 21)], [(1, 4, 19)]]))
    # Pooling windows sliding one row per output row take the separable
    # path (each input row reduced over the window's columns once, a ring
    # of them reduced per output row): YOLO's SPPF 5 x 5 max pool on small
    # planes and wider than a vector, -inf inside windows and rows, a 3 x 3
    # average with and without the padding counted, a window taller than
    # the plane, stride 2 across (taps of even lanes), dilation down (the
    # plain path). (NaN: Kiln's max propagates it as the ONNX reference
    # does, ONNX Runtime's skips it; the conformance suite checks ours.)
    def pool_special(shape):
        x = rand(shape, np.float32, -5.0, 5.0)
        x[..., 1, 3] = -np.inf
        x[..., 4, :] = -np.inf
        return x
    add(Case("MaxPool_sppf", "MaxPool", [f()], [[(1, 24, 10, 10)], [(2, 5, 20, 37)]],
             attrs={"kernel_shape": [5, 5], "pads": [2, 2, 2, 2]}))
    add(Case("MaxPool_separable_special", "MaxPool", [pool_special],
             [[(1, 3, 9, 21)], [(2, 2, 6, 17)]],
             attrs={"kernel_shape": [3, 5], "pads": [1, 2, 1, 2]}))
    add(Case("MaxPool_tall_window_s2_across", "MaxPool", [f()],
             [[(1, 4, 3, 40)], [(1, 2, 4, 9)]],
             attrs={"kernel_shape": [5, 3], "pads": [2, 1, 2, 1], "strides": [1, 2]}))
    add(Case("MaxPool_dilated_rows", "MaxPool", [f()], [[(1, 3, 12, 12)]],
             attrs={"kernel_shape": [3, 3], "dilations": [2, 1], "pads": [2, 1, 2, 1]},
             opset=12))
    add(Case("AveragePool_3x3_pads", "AveragePool", [f()], [[(1, 6, 9, 23)], [(2, 3, 5, 5)]],
             attrs={"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}))
    add(Case("AveragePool_3x3_count_pad", "AveragePool", [f()], [[(1, 6, 9, 23)]],
             attrs={"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "count_include_pad": 1}))
    C = lambda s: rand(s, np.float32, 0.5, 1.5)  # noqa: E731
    add(Case("BatchNormalization", "BatchNormalization", [f(), C, f(), f(), C],
             [[(2, 3, 4, 5), (3,), (3,), (3,), (3,)], [(1, 2, 3, 1), (2,), (2,), (2,), (2,)]],
             attrs={"epsilon": 1e-3}, opset=15))
    add(Case("InstanceNormalization", "InstanceNormalization", [f(), C, f()],
             [[(2, 3, 4, 5), (3,), (3,)], [(1, 2, 7, 3), (2,), (2,)]]))
    add(Case("LayerNormalization", "LayerNormalization", [f(), C, f()],
             [[(2, 3, 8), (8,), (8,)], [(4, 1, 5), (5,), (5,)]], outputs=3))
    add(Case("LayerNormalization_axis1_noB", "LayerNormalization", [f(), C, None],
             [[(2, 3, 8), (3, 8)], [(4, 1, 5), (1, 5)]], attrs={"axis": 1}))
    add(Case("LayerNormalization_f16", "LayerNormalization",
             [f(np.float16), lambda s: rand(s, np.float16, 0.5, 1.5), f(np.float16)],
             [[(2, 3, 8), (8,), (8,)], [(4, 1, 5), (5,), (5,)]], rtol=5e-3, atol=5e-3))
    for p in [1, 2]:
        add(Case(f"LpNormalization_p{p}", "LpNormalization", [f()], R,
                 attrs={"p": p, "axis": 1}))

    # Dense math (the packed GEMM): sizes of 1, primes, and sizes past the
    # register tile (6 or 12 rows, 16 or 32 columns) and the packing blocks
    # (256 along K and N), with every dim symbolic or the weight constant.
    u = f(lo=-1, hi=1)
    mm = dict(rtol=1e-4, atol=1e-3)
    add(Case("MatMul_edges", "MatMul", [u, u],
             [[(1, 7), (7, 13)], [(31, 300), (300, 257)]], **mm))
    add(Case("MatMul_tiles", "MatMul", [u, u],
             [[(13, 97), (97, 33)], [(64, 5), (5, 70)]], **mm))
    # Many rows, few columns: computed as C^T = B^T A^T (and one that is
    # not, for contrast), a bias-free and a batched case.
    add(Case("MatMul_transposed", "MatMul", [u, u],
             [[(300, 256), (256, 20)], [(250, 40), (40, 9)]], **mm))
    add(Case("MatMul_transposed_batched", "MatMul", [u, u],
             [[(2, 250, 40), (2, 40, 9)], [(3, 97, 33), (3, 33, 4)]], **mm))
    add(Case("MatMul_matvec", "MatMul", [u, u],
             [[(1, 384), (384, 70)], [(3, 5), (5, 1)]], **mm))
    add(Case("MatMul_k1", "MatMul", [u, u], [[(5, 1), (1, 8)], [(1, 1), (1, 1)]], **mm))
    add(Case("MatMul_vectors", "MatMul", [u, u], [[(7,), (7, 5)], [(300,), (300, 3)]], **mm))
    add(Case("MatMul_vector_right", "MatMul", [u, u], [[(4, 7), (7,)], [(2, 9), (9,)]], **mm))
    add(Case("MatMul_batch_broadcast", "MatMul", [u, u],
             [[(2, 1, 5, 7), (3, 7, 4)], [(2, 1, 3, 6), (4, 6, 9)]], **mm))
    add(Case("MatMul_shared_a", "MatMul", [u, u], [[(5, 7), (3, 7, 4)], [(13, 2), (2, 2, 33)]], **mm))
    add(Case("MatMul_const_weight", "MatMul",
             [u, RNG.uniform(-1, 1, (300, 40)).astype(np.float32)],
             [[(2, 3, 300), None], [(1, 1, 300), None]], **mm))
    # Packed at compile time: two K blocks, M past the small-M path, N off
    # the panel width.
    add(Case("MatMul_const_weight_tiles", "MatMul",
             [u, RNG.uniform(-1, 1, (300, 70)).astype(np.float32)],
             [[(37, 300), None], [(5, 300), None]], **mm))
    # Enough work for several tasks along N (960 columns in 4): each must
    # start at a packed panel (tasks of 240 columns read panel 7 from 240).
    add(Case("MatMul_const_weight_n_tasks", "MatMul",
             [u, RNG.uniform(-1, 1, (160, 960)).astype(np.float32)],
             [[(49, 160), None], [(300, 160), None]], **mm))
    # One to four rows against weights packed at compile time: panels read
    # four or two side by side, then one at a time (200 columns: six whole
    # panels and a part).
    add(Case("MatMul_const_weight_rows_1_2", "MatMul",
             [u, RNG.uniform(-1, 1, (300, 200)).astype(np.float32)],
             [[(1, 300), None], [(2, 300), None]], **mm))
    add(Case("MatMul_const_weight_rows_3_4", "MatMul",
             [u, RNG.uniform(-1, 1, (96, 200)).astype(np.float32)],
             [[(3, 96), None], [(4, 96), None]], **mm))
    add(Case("Gemm_transB_bias", "Gemm", [u, u, u],
             [[(5, 17), (9, 17), (9,)], [(33, 300), (70, 300), (1,)]],
             attrs={"transB": 1, "alpha": 0.5, "beta": 2.0}, **mm))
    add(Case("Gemm_transA", "Gemm", [u, u, u],
             [[(17, 5), (17, 9), (5, 9)], [(3, 1), (3, 40), (1, 40)]],
             attrs={"transA": 1}, **mm))
    add(Case("Gemm_transA_transB", "Gemm", [u, u, u],
             [[(17, 5), (9, 17), (5, 1)], [(260, 7), (2, 260), (7, 2)]],
             attrs={"transA": 1, "transB": 1, "beta": -1.0}, **mm))
    add(Case("Gemm_no_c", "Gemm", [u, u], [[(6, 16), (16, 32)], [(12, 32), (32, 16)]], **mm))
    add(Case("Gemm_const_weight_transB", "Gemm",
             [u, RNG.uniform(-1, 1, (50, 64)).astype(np.float32),
              RNG.uniform(-1, 1, (50,)).astype(np.float32)],
             [[(1, 64), None, None], [(29, 64), None, None]], attrs={"transB": 1}, **mm))

    # Convolutions with constant weights (the packed GEMM through im2col or
    # as pointwise, the depthwise kernel) and symbolic batch and sizes.
    def wt(*shape):
        return RNG.uniform(-1, 1, shape).astype(np.float32)
    cv = dict(rtol=1e-4, atol=1e-3)
    add(Case("Conv_3x3_pad", "Conv", [u, wt(8, 3, 3, 3), wt(8)],
             [[(1, 3, 9, 11), None, None], [(2, 3, 5, 4), None, None]],
             attrs={"pads": [1, 1, 1, 1]}, **cv))
    add(Case("Conv_3x3_s2_dil2", "Conv", [u, wt(5, 4, 3, 3)],
             [[(1, 4, 13, 12), None], [(3, 4, 9, 9), None]],
             attrs={"strides": [2, 2], "dilations": [2, 2], "pads": [2, 1, 0, 2]}, **cv))
    # The implicit GEMM: rows of pixels across panels, K over one block,
    # F off the tile sizes; a height stride and a width dilation.
    add(Case("Conv_3x3_wide_K", "Conv", [u, wt(20, 40, 3, 3), wt(20)],
             [[(1, 40, 9, 70), None, None], [(2, 40, 5, 3), None, None]],
             attrs={"pads": [1, 1, 1, 1]}, **cv))
    add(Case("Conv_5x3_sh2_dw2", "Conv", [u, wt(7, 3, 5, 3)],
             [[(1, 3, 20, 41), None], [(2, 3, 7, 9), None]],
             attrs={"strides": [2, 1], "dilations": [1, 2], "pads": [2, 0, 1, 3]}, **cv))
    # The direct path (unit strides): a width dilation with asymmetric pads,
    # rows narrower and wider than a tile, and many output channels on
    # narrow rows (the packed path takes those).
    add(Case("Conv_3x3_direct_dw2", "Conv", [u, wt(13, 6, 3, 3), wt(13)],
             [[(1, 6, 17, 45), None, None], [(2, 6, 4, 7), None, None]],
             attrs={"dilations": [1, 2], "pads": [0, 3, 2, 1]}, **cv))
    add(Case("Conv_3x3_narrow_many_f", "Conv", [u, wt(48, 8, 3, 3)],
             [[(1, 8, 7, 7), None], [(3, 8, 30, 6), None]],
             attrs={"pads": [1, 1, 1, 1]}, **cv))
    # Many filters on few pixels: the convolution runs transposed on an
    # explicit im2col (18 pixels of 256 filters), with its bias.
    add(Case("Conv_3x3_transposed", "Conv", [u, wt(256, 64, 3, 3), wt(256)],
             [[(1, 64, 3, 6), None, None], [(2, 64, 4, 9), None, None]],
             attrs={"pads": [1, 1, 1, 1]}, args=["--winograd=false"], **cv))
    # Output channels in the vector lanes (AVX-512, weights transposed at
    # compile time): 40 filters (a half-used vector, rows of C dropped),
    # K = 1080 over two blocks, rows of 13 and 23 pixels in runs of at most
    # 7; 80 filters (a full panel and one vector) with a stride and a
    # dilation; a residual and a Relu, and a grouped one with a LeakyRelu,
    # applied to the stored tiles.
    # (Without Winograd, which takes such layers when their sizes are
    # symbolic.)
    nowino = dict(args=["--winograd=false"])
    add(Case("Conv_chanvec_edges", "Conv", [u, wt(40, 120, 3, 3), wt(40)],
             [[(1, 120, 13, 13), None, None], [(2, 120, 4, 23), None, None]],
             attrs={"pads": [1, 1, 1, 1]}, **nowino, **cv))
    add(Case("Conv_chanvec_panels_s2_dil", "Conv", [u, wt(80, 8, 3, 3)],
             [[(1, 8, 17, 30), None], [(3, 8, 9, 9), None]],
             attrs={"strides": [2, 2], "dilations": [2, 2], "pads": [2, 1, 2, 2]},
             **cv))
    # 200 filters on few pixels: tasks split the filters too, each at a
    # panel of 64 of the transposed weights (the last panel 16 wide).
    add(Case("Conv_chanvec_filter_tasks", "Conv", [u, wt(200, 64, 3, 3), wt(200)],
             [[(1, 64, 5, 6), None, None], [(2, 64, 4, 7), None, None]],
             attrs={"pads": [1, 1, 1, 1]}, **nowino, **cv))
    # The same with stride 2 on one image: the tasks share one phase-plane
    # copy of the input made before them (precopyPhases), and on two
    # images each task copies its own.
    add(Case("Conv_chanvec_filter_tasks_s2", "Conv",
             [u, wt(256, 64, 3, 3), wt(256)],
             [[(1, 64, 14, 13), None, None], [(2, 64, 9, 10), None, None]],
             attrs={"pads": [1, 1, 1, 1], "strides": [2, 2]}, **nowino, **cv))
    # Winograd F(4x4, 3x3) (stride 1, 3x3, at least 32 channels and
    # filters): 40 filters (panels of 12, the last 4 rows), partial tiles at
    # the bottom and right (29 x 23: 48 tiles), images with fewer than 16
    # tiles (their sizes symbolic, the kernel falls back to the direct
    # convolution at run time: 3 x 5, 5 x 9); no padding
    # and no bias (y accumulated into from zero), rows of 18 tiles (two
    # vectors with AVX-512); padding on two sides only; a residual and a
    # Relu on the tiles; 130 filters of 140 channels on 30 x 30 (blocks of
    # 4 tile rows of 8, 10 rows in the last panel); two images of 64 x 64
    # (tasks over blocks of tile rows).
    add(Case("Conv_winograd_edges", "Conv", [u, wt(40, 33, 3, 3), wt(40)],
             [[(1, 33, 29, 23), None, None], [(2, 33, 3, 5), None, None]],
             attrs={"pads": [1, 1, 1, 1]}, **cv))
    add(Case("Conv_winograd_no_pad_no_bias", "Conv", [u, wt(36, 48, 3, 3)],
             [[(1, 48, 30, 72), None], [(3, 48, 5, 9), None]], **cv))
    add(Case("Conv_winograd_asymmetric_pads", "Conv", [u, wt(32, 32, 3, 3), wt(32)],
             [[(1, 32, 37, 33), None, None], [(2, 32, 9, 30), None, None]],
             attrs={"pads": [0, 2, 1, 0]}, **cv))
    add(Case("Conv_winograd_residual_relu", "Conv", [u, wt(64, 64, 3, 3), wt(64)],
             [[(1, 64, 28, 28), None, None, (1, 64, 28, 28)]],
             attrs={"pads": [1, 1, 1, 1]},
             chain=[("Add", ["y", f()]), ("Relu", ["p"])], static=True, **cv))
    add(Case("Conv_winograd_wide_channels", "Conv", [u, wt(130, 140, 3, 3), wt(130)],
             [[(1, 140, 30, 30), None, None]],
             attrs={"pads": [1, 1, 1, 1]}, static=True, **cv))
    add(Case("Conv_winograd_tasks", "Conv", [u, wt(32, 32, 3, 3), wt(32)],
             [[(2, 32, 64, 64), None, None]],
             attrs={"pads": [1, 1, 1, 1]}, static=True, **cv))
    # 14 tile rows (56 x 56) in four near-equal blocks (3, 4, 3, 4 rows).
    add(Case("Conv_winograd_near_equal_blocks", "Conv",
             [u, wt(64, 64, 3, 3), wt(64)], [[(1, 64, 56, 56), None, None]],
             attrs={"pads": [1, 1, 1, 1]}, static=True, **cv))
    # One block of 16 tiles (14 x 14) of 256 channels: the filters split in
    # four near-equal runs of panels (22 panels: 5, 6, 5, 6), the block's
    # input transformed once for the runs a thread takes in a row; with
    # symbolic sizes, 20 x 20 (25 tiles in 32 lanes: Winograd) and 10 x 10
    # (9 tiles: the direct convolution, decided at run time). At 20 x 20
    # U (128 x 96) stays in cache: two blocks of tile rows (2 and 3), one
    # task each with all the filters, no V shared between threads.
    # (Sums of 2304 products of magnitude ~16: Winograd's rounding reaches
    # 1e-3 there, 6e-5 of the outputs' scale.)
    add(Case("Conv_winograd_filter_chunks", "Conv",
             [u, wt(256, 256, 3, 3), wt(256)],
             [[(1, 256, 14, 14), None, None]],
             attrs={"pads": [1, 1, 1, 1]}, static=True,
             **dict(cv, atol=2e-3)))
    # U streamed (128 x 128) on one image of 7 tile rows: on two threads a
    # block of 3 and one of 4 rows (32 lanes each, as many as one block of
    # 64), a task each, no V shared.
    add(Case("Conv_winograd_streamed_row_blocks", "Conv",
             [u, wt(128, 128, 3, 3), wt(128)], [[(1, 128, 28, 28), None, None]],
             attrs={"pads": [1, 1, 1, 1]}, static=True, **cv))
    # 10 tile rows of 10 tiles (40 x 40) in blocks of 3, 3, 3 and 1 rows
    # (32, 32, 32 and 16 lanes): on two threads a task each, cut across
    # the blocks and their filter panels (the second block's first 7
    # panels and its last), the second block's input transformed by both;
    # a residual and a Relu on the tiles.
    add(Case("Conv_winograd_cut_blocks", "Conv", [u, wt(96, 96, 3, 3), wt(96)],
             [[(1, 96, 40, 40), None, None, (1, 96, 40, 40)]],
             attrs={"pads": [1, 1, 1, 1]},
             chain=[("Add", ["y", f()]), ("Relu", ["p"])], static=True, **cv))
    add(Case("Conv_winograd_sixteen_tiles", "Conv",
             [u, wt(96, 128, 3, 3), wt(96)],
             [[(1, 128, 20, 20), None, None], [(1, 128, 10, 10), None, None]],
             attrs={"pads": [1, 1, 1, 1]}, **cv))
    # One tile row (a CRNN's last layers: 2 and 4 rows of a long image)
    # with U streamed: no cut by rows, so on two threads its filters split
    # in chunks reading one shared V.
    add(Case("Conv_winograd_one_tile_row", "Conv",
             [u, wt(256, 128, 3, 3), wt(256)],
             [[(1, 128, 2, 64), None, None], [(1, 128, 4, 37), None, None]],
             attrs={"pads": [1, 1, 1, 1]}, **dict(cv, atol=2e-3)))
    # Weights too large to stay in cache (U of 140 x 140: 2.8 MB): one
    # block of all 5 tile rows per image, two images, each block's input
    # transformed once by both threads' shares of its channels and its
    # filter chunks (12 panels, the last of 8 rows) reading that shared
    # V; a residual and a Relu on the tiles.
    add(Case("Conv_winograd_shared_input", "Conv", [u, wt(140, 140, 3, 3), wt(140)],
             [[(2, 140, 20, 19), None, None, (2, 140, 20, 19)]],
             attrs={"pads": [1, 1, 1, 1]},
             chain=[("Add", ["y", f()]), ("Relu", ["p"])], static=True, **cv))
    # Pointwise ones: on small images read by runs of pixels straight from
    # x (here with a residual and a Relu), with a stride through the
    # phase-plane copy.
    add(Case("Conv_chanvec_pointwise_residual_relu", "Conv",
             [u, wt(128, 96, 1, 1), wt(128)],
             [[(1, 96, 7, 7), None, None, (1, 128, 7, 7)]],
             chain=[("Add", ["y", f()]), ("Relu", ["p"])], static=True, **cv))
    # Few filters on 7 x 7 pixels: the pixels are the rows of a GEMM
    # against the weights packed at compile time, its 49 rows split into
    # tasks of 12, 12, 12, 12 and 1.
    add(Case("Conv_pointwise_pixel_row_tasks", "Conv",
             [u, wt(160, 480, 1, 1), wt(160)],
             [[(1, 480, 7, 7), None, None]], static=True, **cv))
    # Tasks of equal area (kiln_sgemm's linear split): 320 filters in five
    # panels of 64 as two tasks of two and a half panels, the middle one
    # split by rows of pixels (with a residual and a Relu on each part);
    # and 196 columns of a 14 x 14 layer with its A packed at compile time
    # as four tasks, units of 32 columns split by rows where they meet.
    add(Case("Conv_chanvec_pointwise_panel_halves", "Conv",
             [u, wt(320, 96, 1, 1), wt(320)],
             [[(1, 96, 7, 7), None, None, (1, 320, 7, 7)]],
             chain=[("Add", ["y", f()]), ("Relu", ["p"])], static=True, **cv))
    add(Case("Conv_pointwise_equal_area_tasks", "Conv",
             [u, wt(96, 192, 1, 1), wt(96)],
             [[(1, 192, 14, 14), None, None]], static=True, **cv))
    add(Case("Conv_chanvec_pointwise_s2", "Conv", [u, wt(64, 80, 1, 1), wt(64)],
             [[(1, 80, 13, 13), None, None], [(2, 80, 6, 9), None, None]],
             attrs={"strides": [2, 2]}, **cv))
    # AVX2 puts the filters in the lanes for strided layers only: tiles of
    # up to 6 pixels by two vectors of 8 filters, panels of 16 (here two and
    # a last one of one vector: 40 filters); rows of 13 output pixels in
    # runs of 5, 4 and 4, and 3 in one run; a residual and a Relu.
    add(Case("Conv_chanvec_s2_residual_relu", "Conv",
             [u, wt(40, 24, 3, 3), wt(40)],
             [[(1, 24, 23, 25), None, None, (1, 40, 12, 13)],
              [(1, 24, 5, 6), None, None, (1, 40, 3, 3)]],
             attrs={"pads": [1, 1, 1, 1], "strides": [2, 2]},
             chain=[("Add", ["y", f()]), ("Relu", ["p"])], static=True, **cv))
    add(Case("Conv_chanvec_residual_relu", "Conv", [u, wt(48, 16, 3, 3), wt(48)],
             [[(2, 16, 15, 19), None, None, (2, 48, 15, 19)]],
             attrs={"pads": [1, 1, 1, 1]},
             chain=[("Add", ["y", f()]), ("Relu", ["p"])], static=True, **cv))
    add(Case("Conv_chanvec_grouped_leaky", "Conv", [u, wt(64, 16, 3, 3), wt(64)],
             [[(1, 32, 15, 19), None, None], [(2, 32, 6, 5), None, None]],
             attrs={"group": 2, "pads": [1, 1, 1, 1]},
             chain=[("LeakyRelu", ["y"], {"alpha": 0.1})], **cv))
    add(Case("Conv_pointwise", "Conv", [u, wt(40, 17, 1, 1), wt(40)],
             [[(1, 17, 7, 9), None, None], [(2, 17, 1, 30), None, None]], **cv))
    # Input rows more than 2 KiB apart (30 x 30 and 23 x 23 pixels): the
    # GEMM reads them in place, prefetched, past a partial column tile.
    add(Case("Conv_pointwise_wide_rows", "Conv", [u, wt(20, 24, 1, 1), wt(20)],
             [[(1, 24, 30, 30), None, None], [(2, 24, 23, 23), None, None]],
             chain=[("Clip", ["y", np.array(0, np.float32), np.array(6, np.float32)])], **cv))
    add(Case("Conv_pointwise_s2", "Conv", [u, wt(6, 5, 1, 1)],
             [[(1, 5, 7, 9), None], [(2, 5, 4, 4), None]], attrs={"strides": [2, 2]}, **cv))
    add(Case("Conv_1d_long_kernel", "Conv", [u, wt(13, 1, 40), wt(13)],
             [[(1, 1, 400), None, None], [(2, 1, 97), None, None]],
             attrs={"strides": [16]}, **cv))
    add(Case("Conv_1d_pad_dil_s2", "Conv", [u, wt(21, 3, 5), wt(21)],
             [[(1, 3, 150), None, None], [(2, 3, 11), None, None]],
             attrs={"strides": [2], "dilations": [3], "pads": [4, 1]}, **cv))
    # A long 1-D row in tasks of whole tiles of columns, each copying only
    # the input columns it reads (both paddings at the row's two ends),
    # filters in the lanes over two panels (64 + 16).
    # A pointwise 1-D layer with the filters in the lanes: its input read by
    # runs of pixels straight from x (cvFromX), rearranged run by run.
    add(Case("Conv_1d_pointwise_runs", "Conv", [u, wt(40, 72, 1), wt(40)],
             [[(1, 72, 23), None, None], [(2, 72, 5), None, None]], **cv))
    add(Case("Conv_1d_row_tasks", "Conv", [u, wt(80, 48, 3), wt(80)],
             [[(1, 48, 1001), None, None], [(2, 48, 300), None, None]],
             attrs={"strides": [2], "pads": [1, 2]},
             chain=[("Relu", ["y"])], **cv))
    add(Case("Conv_3x3_s2_wide", "Conv", [u, wt(24, 5, 3, 3), wt(24)],
             [[(1, 5, 41, 99), None, None], [(2, 5, 6, 5), None, None]],
             attrs={"strides": [2, 2], "pads": [1, 1, 1, 1]}, **cv))
    add(Case("Conv_3d", "Conv", [u, wt(4, 2, 3, 3, 3)],
             [[(1, 2, 5, 6, 7), None], [(2, 2, 3, 3, 4), None]],
             attrs={"pads": [1, 0, 1, 1, 0, 1]}, **cv))
    add(Case("Conv_grouped", "Conv", [u, wt(6, 2, 3, 3)],
             [[(1, 6, 6, 7), None], [(2, 6, 5, 5), None]], attrs={"group": 3}, **cv))
    # Small images with many filters: im2col with the pixels as the GEMM's
    # rows (static shapes), with a bias, a stride and a fused Relu.
    add(Case("Conv_pixel_rows_7x7", "Conv", [u, wt(136, 64, 3, 3), wt(136)],
             [[(1, 64, 7, 7), None, None]],
             attrs={"pads": [1, 1, 1, 1]}, static=True, **cv))
    # Pointwise: x read in place as the GEMM's transposed A.
    add(Case("Conv_pixel_rows_pointwise", "Conv", [u, wt(130, 520, 1, 1), wt(130)],
             [[(2, 520, 5, 9), None, None]], static=True, **cv))
    # Its tiles are C^T: stored transposed 8 x 8 at a time, then the
    # epilogue by columns (a residual and a HardSwish here).
    add(Case("Conv_pixel_rows_pointwise_residual_hardswish", "Conv",
             [u, wt(96, 80, 1, 1), wt(96)],
             [[(1, 80, 7, 7), None, None, (1, 96, 7, 7)]],
             chain=[("Add", ["y", f()]), ("HardSwish", ["p"])], static=True, **cv))
    add(Case("Conv_pixel_rows_s2_relu", "Conv", [u, wt(128, 60, 3, 3), wt(128)],
             [[(2, 60, 13, 15), None, None]],
             attrs={"pads": [1, 1, 1, 1], "strides": [2, 2]},
             chain=[("Relu", ["y"])], static=True, **cv))

    # Grouped: one implicit GEMM per image and group; strided ones gather.
    add(Case("Conv_grouped_bias_pad_s2", "Conv", [u, wt(8, 4, 3, 3), wt(8)],
             [[(1, 8, 11, 13), None, None], [(2, 8, 5, 6), None, None]],
             attrs={"group": 2, "pads": [1, 1, 1, 1], "strides": [2, 2]}, **cv))
    add(Case("Conv_grouped_wide", "Conv", [u, wt(64, 8, 3, 3), wt(64)],
             [[(1, 32, 9, 40), None, None], [(2, 32, 3, 3), None, None]],
             attrs={"group": 4, "pads": [1, 1, 1, 1]}, **cv))
    # Enough work for several tasks per group: the weights packed once per
    # call for all of them (prepackA), two row tiles per group.
    add(Case("Conv_grouped_tasks", "Conv", [u, wt(60, 12, 3, 3), wt(60)],
             [[(1, 36, 30, 41), None, None], [(2, 36, 17, 9), None, None]],
             attrs={"group": 3, "pads": [1, 1, 1, 1]}, **cv))
    for stride, dil in [(1, 1), (2, 1), (1, 2)]:
        add(Case(f"Conv_depthwise_s{stride}_d{dil}", "Conv",
                 [u, wt(12, 1, 3, 3), wt(12)],
                 [[(1, 12, 70, 37), None, None], [(2, 12, 9, 5), None, None]],
                 attrs={"group": 12, "strides": [stride, stride],
                        "dilations": [dil, dil], "pads": [1, 1, 1, 1]}, **cv))

    # On two threads tall planes go in bands of rows, one per thread: the
    # second band's first input row is inside x (stride 2, dilation 2,
    # asymmetric padding), two images, a residual and a Relu on each band.
    add(Case("Conv_depthwise_row_bands", "Conv", [u, wt(10, 1, 3, 3), wt(10)],
             [[(2, 10, 45, 38), None, None, (2, 10, 22, 19)]],
             attrs={"group": 10, "strides": [2, 2], "dilations": [2, 2],
                    "pads": [1, 2, 2, 1]},
             chain=[("Add", ["y", f()]), ("Relu", ["p"])], static=True, **cv))
    # Padding the kernel skips (asymmetric, wider than the kernel reach on
    # small inputs) and no bias: the output accumulates from zeros.
    add(Case("Conv_depthwise_5x5_asym", "Conv", [u, wt(8, 1, 5, 5)],
             [[(1, 8, 23, 40), None], [(2, 8, 4, 6), None]],
             attrs={"group": 8, "pads": [2, 0, 1, 3]}, **cv))
    # MatMulInteger on the int16 GEMM kernel (operands minus their zero
    # points, exact in 16 bits): every signedness, scalar and per-column
    # (B) zero points, a constant B widened at compile time,
    # batches, odd K and edge tiles, values at the ends of the ranges.
    u8, s8 = f(np.uint8, 0, 255), f(np.int8, -128, 127)
    for an, a in [("u8", u8), ("s8", s8)]:
        for bn, bgen in [("u8", u8), ("s8", s8)]:
            dt = {"u8": np.uint8, "s8": np.int8}
            add(Case(f"MatMulInteger_{an}{bn}", "MatMulInteger",
                     [a, bgen, np.array(7, dt[an]), np.array(-3 if bn == "s8" else 250, dt[bn])],
                     [[(13, 37), (37, 45)], [(1, 2), (2, 1)], [(40, 130), (130, 70)]],
                     outputs=1, rtol=0, atol=0))
    add(Case("MatMulInteger_batched_no_zp", "MatMulInteger", [s8, s8],
             [[(3, 9, 33), (3, 33, 20)], [(1, 1, 4), (1, 4, 3)]], rtol=0, atol=0))
    wq = np.random.default_rng(5).integers(-128, 128, (50, 66)).astype(np.int8)
    add(Case("MatMulInteger_const_b_per_column_zp", "MatMulInteger",
             [u8, wq, np.array(128, np.uint8),
              np.random.default_rng(6).integers(-5, 6, (66,)).astype(np.int8)],
             [[(17, 50)], [(2, 50)]], rtol=0, atol=0))

    # Recurrent layers with constant weights (transposed per direction at
    # compile time, then packed for the GEMM kernel), both directions, the
    # GRU's split recurrent weight, and a batch of several.
    rw = lambda *sh: (np.random.default_rng(sum(sh)).standard_normal(sh) * 0.3).astype(np.float32)  # noqa: E731
    H, I = 24, 10
    add(Case("LSTM_const_bidirectional", "LSTM",
             [f(lo=-1, hi=1), rw(2, 4 * H, I), rw(2, 4 * H, H), rw(2, 8 * H)],
             [[(7, 3, I)], [(2, 1, I)]],
             attrs={"hidden_size": H, "direction": "bidirectional"}, outputs=3,
             rtol=1e-4, atol=1e-5))
    add(Case("GRU_const_reset_after", "GRU",
             [f(lo=-1, hi=1), rw(1, 3 * H, I), rw(1, 3 * H, H), rw(1, 6 * H)],
             [[(5, 2, I)], [(1, 4, I)]],
             attrs={"hidden_size": H}, outputs=2, rtol=1e-4, atol=1e-5))
    add(Case("RNN_const_reverse", "RNN",
             [f(lo=-1, hi=1), rw(1, H, I), rw(1, H, H)],
             [[(6, 2, I)], [(3, 1, I)]],
             attrs={"hidden_size": H, "direction": "reverse"}, outputs=2,
             rtol=1e-4, atol=1e-5))

    # The 8-bit (VNNI) path where the CPU has it: int8 weights without a
    # zero point and uint8 activations around 128 fit int8 after their
    # zero points; K past one block (600: the correction with the first
    # block only; 603: the second block ends inside a quad of K steps and
    # inside the 32 steps A is packed by), edge tiles. With zero point 0
    # the activations do not fit and take the 16-bit path.
    for name, azp, k in [("vnni", 128, 600), ("vnni_k603", 128, 603),
                         ("a_unfit", 0, 600)]:
        wq8 = np.random.default_rng(7).integers(-128, 128, (k, 66)).astype(np.int8)
        add(Case(f"MatMulInteger_const_b_{name}", "MatMulInteger",
                 [u8, wq8, np.array(azp, np.uint8)],
                 [[(17, k)], [(2, k)]], rtol=0, atol=0))

    # QLinearMatMul takes the same int16 kernel, then requantizes.
    fs = lambda v: np.array(v, np.float32)  # noqa: E731
    add(Case("QLinearMatMul_u8s8", "QLinearMatMul",
             [u8, fs(0.02), np.array(120, np.uint8), s8, fs(0.01), np.array(3, np.int8),
              fs(0.5), np.array(128, np.uint8)],
             [[(13, 37), (), (), (37, 45)], [(2, 3), (), (), (3, 1)]], rtol=0, atol=1))
    add(Case("QLinearMatMul_s8s8_per_column", "QLinearMatMul",
             [s8, fs(0.03), np.array(-2, np.int8), s8,
              np.linspace(0.005, 0.02, 20).astype(np.float32), np.zeros(20, np.int8),
              fs(0.7), np.array(5, np.int8)],
             [[(9, 70), (), (), (70, 20)]], static=True, rtol=0, atol=1))

    # ConvTranspose by phases (one stride-1 convolution per output phase;
    # see ConvTranspose.cpp): a decoder's 4x4 stride 2, unequal strides with
    # pads that crop and output_padding, groups, a kernel smaller than the
    # stride (phases with no tap: the bias alone), 1-D and 3-D, SAME_UPPER,
    # output_shape; a dilated one takes the zero-insertion path.
    add(Case("ConvTranspose_4x4_s2", "ConvTranspose", [u, wt(16, 8, 4, 4), wt(8)],
             [[(1, 16, 9, 11), None, None], [(2, 16, 3, 1), None, None]],
             attrs={"strides": [2, 2], "pads": [1, 1, 1, 1]}, **cv))
    add(Case("ConvTranspose_s3x2_crop_outpad", "ConvTranspose", [u, wt(5, 6, 3, 3), wt(6)],
             [[(1, 5, 7, 6), None, None], [(2, 5, 2, 3), None, None]],
             attrs={"strides": [3, 2], "pads": [1, 2, 2, 0],
                    "output_padding": [2, 1]}, **cv))
    add(Case("ConvTranspose_group_k1_s2", "ConvTranspose", [u, wt(8, 3, 1, 3), wt(6)],
             [[(1, 8, 5, 7), None, None], [(1, 8, 1, 2), None, None]],
             attrs={"strides": [2, 3], "group": 2}, **cv))
    add(Case("ConvTranspose_1d_s4", "ConvTranspose", [u, wt(6, 4, 7)],
             [[(2, 6, 13), None], [(1, 6, 1), None]],
             attrs={"strides": [4], "pads": [2, 3]}, **cv))
    add(Case("ConvTranspose_3d_s2", "ConvTranspose", [u, wt(3, 2, 3, 2, 3), wt(2)],
             [[(1, 3, 4, 5, 3), None, None], [(1, 3, 2, 1, 2), None, None]],
             attrs={"strides": [2, 2, 2], "pads": [1, 0, 1, 0, 1, 1]}, **cv))
    add(Case("ConvTranspose_same_upper", "ConvTranspose", [u, wt(4, 5, 3, 3), wt(5)],
             [[(1, 4, 6, 7), None, None], [(1, 4, 3, 2), None, None]],
             attrs={"strides": [2, 2], "auto_pad": "SAME_UPPER"}, **cv))
    add(Case("ConvTranspose_output_shape", "ConvTranspose", [u, wt(4, 3, 3, 3)],
             [[(1, 4, 5, 5), None]],
             attrs={"strides": [2, 2], "output_shape": [10, 11]}, static=True, **cv))
    add(Case("ConvTranspose_dilated", "ConvTranspose", [u, wt(4, 3, 3, 3), wt(3)],
             [[(1, 4, 6, 5), None, None], [(1, 4, 2, 2), None, None]],
             attrs={"strides": [2, 2], "dilations": [2, 1], "pads": [1, 1, 1, 1]}, **cv))

    # Unit strides: border columns through masked taps, with pads wider
    # than the kernel's reach (whole taps outside x) and a row shorter
    # than a vector.
    add(Case("Conv_depthwise_5x5_wide_pads", "Conv", [u, wt(7, 1, 5, 5), wt(7)],
             [[(1, 7, 20, 45), None, None], [(2, 7, 3, 2), None, None]],
             attrs={"group": 7, "pads": [1, 6, 3, 2]}, **cv))
    # Through a padded copy: stride 3, and a 7x7 kernel on narrow planes.
    add(Case("Conv_depthwise_s3_padded", "Conv", [u, wt(6, 1, 3, 3), wt(6)],
             [[(1, 6, 31, 47), None, None], [(2, 6, 5, 4), None, None]],
             attrs={"group": 6, "strides": [3, 3], "pads": [1, 2, 0, 1]}, **cv))
    add(Case("Conv_depthwise_7x7_narrow", "Conv", [u, wt(5, 1, 7, 7)],
             [[(1, 5, 14, 14), None], [(2, 5, 9, 20), None]],
             attrs={"group": 5, "pads": [3, 3, 3, 3], "dilations": [1, 2]}, **cv))
    # "Same" planes that do not fill whole vectors go flat: one run of OH x
    # OW outputs with the taps' lanes masked (row wraps and padding): 7x7
    # and 14x14 planes, a dilated 5x5 without bias, an even kernel with
    # its padding on one side, partial vectors at a plane's end.
    add(Case("Conv_depthwise_flat_3x3", "Conv", [u, wt(40, 1, 3, 3), wt(40)],
             [[(1, 40, 7, 7), None, None], [(2, 40, 14, 14), None, None], [(1, 40, 1, 3), None, None]],
             attrs={"group": 40, "pads": [1, 1, 1, 1]},
             chain=[("Clip", ["y", np.array(0, np.float32), np.array(6, np.float32)])], **cv))
    add(Case("Conv_depthwise_flat_5x5_dil", "Conv", [u, wt(9, 1, 5, 5)],
             [[(1, 9, 11, 13), None], [(1, 9, 3, 2), None]],
             attrs={"group": 9, "pads": [4, 4, 4, 4], "dilations": [2, 2]}, **cv))
    add(Case("Conv_depthwise_flat_even_kernel", "Conv", [u, wt(17, 1, 2, 2), wt(17)],
             [[(1, 17, 10, 10), None, None], [(2, 17, 5, 9), None, None]],
             attrs={"group": 17, "pads": [0, 0, 1, 1]}, **cv))
    add(Case("Conv_depthwise_s2_wide", "Conv", [u, wt(16, 1, 3, 3), wt(16)],
             [[(1, 16, 9, 131), None, None], [(1, 16, 3, 3), None, None]],
             attrs={"group": 16, "strides": [2, 2], "pads": [0, 1, 1, 1]}, **cv))
    # Stride 2 along W from rows split into even and odd columns: a plane
    # tall enough for the ring of split rows (no bias, stride 1 along H,
    # dilation 2 along H, a 5x5 kernel's odd taps, wide left padding),
    # and a 3x3 one with the whole plane split, rows with no tap inside x.
    add(Case("Conv_depthwise_s2_split_ring", "Conv", [u, wt(6, 1, 5, 5)],
             [[(1, 6, 120, 118), None], [(2, 6, 7, 9), None]],
             attrs={"group": 6, "strides": [1, 2], "dilations": [2, 1],
                    "pads": [2, 3, 1, 2]}, **cv))
    add(Case("Conv_depthwise_s2_split_plane", "Conv", [u, wt(24, 1, 3, 3), wt(24)],
             [[(1, 24, 14, 14), None, None], [(1, 24, 2, 33), None, None]],
             attrs={"group": 24, "strides": [2, 2], "pads": [3, 1, 3, 1]}, **cv))

    # A 1x1 convolution and the depthwise one reading it, as one kernel
    # (kiln-pointwise-depthwise-ukernel): stride 2 with ReLU6 on both and
    # symbolic batch and sizes; a 5x5 dilated depthwise layer without
    # bias (the kernel starts from zero) whose output takes a residual; 100 filters (groups of 4 and 3
    # vectors, the last partial) on a plane cut into bands, asymmetric
    # padding and strides; no padding at all; and an expanded tensor that
    # is also an output, which is not fused.
    def relu6(src):
        return ("Clip", [src, np.array(0, np.float32), np.array(6, np.float32)])
    add(Case("Conv_pw_dw_s2_relu6", "Conv", [u, wt(40, 16, 1, 1), wt(40)],
             [[(1, 16, 30, 30)] + [None] * 8, [(2, 16, 9, 17)] + [None] * 8],
             chain=[relu6("y"),
                    ("Conv", ["p", wt(40, 1, 3, 3), wt(40)],
                     {"group": 40, "strides": [2, 2], "pads": [1, 1, 1, 1]}),
                    relu6("p")], **cv))
    add(Case("Conv_pw_dw_5x5_residual", "Conv", [u, wt(72, 8, 1, 1), wt(72)],
             [[(1, 8, 19, 23), None, None, None, (1, 72, 19, 23)],
              [(2, 8, 6, 5), None, None, None, (2, 72, 6, 5)]],
             chain=[("Relu", ["y"]),
                    ("Conv", ["p", wt(72, 1, 5, 5)],
                     {"group": 72, "dilations": [2, 2], "pads": [4, 4, 4, 4]}),
                    ("Add", ["p", f()])], **cv))
    # ReLU after the residual: both on the depthwise layer's stored runs
    # (14 pixels a row: a full run of 8 and a partial one of 6).
    add(Case("Conv_pw_dw_residual_relu", "Conv", [u, wt(20, 6, 1, 1), wt(20)],
             [[(1, 6, 9, 14), None, None, None, None, (1, 20, 9, 14)],
              [(2, 6, 4, 3), None, None, None, None, (2, 20, 4, 3)]],
             chain=[("Conv", ["y", wt(20, 1, 3, 3), wt(20)],
                     {"group": 20, "pads": [1, 1, 1, 1]}),
                    ("Add", ["p", f()]), ("Relu", ["p"])], **cv))
    add(Case("Conv_pw_dw_bands", "Conv", [u, wt(100, 3, 1, 1), wt(100)],
             [[(1, 3, 70, 150)] + [None] * 4, [(1, 3, 5, 2)] + [None] * 4],
             chain=[("Conv", ["y", wt(100, 1, 3, 3), wt(100)],
                     {"group": 100, "strides": [2, 1], "pads": [0, 1, 2, 1]}),
                    ("HardSwish", ["p"])], **cv))
    # EfficientNet's blocks: SiLU (x * sigmoid(x)) after both layers.
    add(Case("Conv_pw_dw_silu", "Conv", [u, wt(48, 8, 1, 1), wt(48)],
             [[(1, 8, 21, 19)] + [None] * 4, [(2, 8, 6, 3)] + [None] * 4],
             chain=[("Sigmoid", ["y"]), ("Mul", ["y", "p"]),
                    ("Conv", ["p", wt(48, 1, 3, 3), wt(48)],
                     {"group": 48, "pads": [1, 1, 1, 1]}),
                    ("Sigmoid", ["p"]), ("Mul", ["c2", "p"])], **cv))
    add(Case("Conv_pw_dw_valid", "Conv", [u, wt(24, 5, 1, 1), wt(24)],
             [[(1, 5, 12, 9)] + [None] * 4, [(3, 5, 3, 3)] + [None] * 4],
             chain=[("Conv", ["y", wt(24, 1, 3, 3), wt(24)], {"group": 24})],
             **cv))
    add(Case("Conv_pw_dw_kept", "Conv", [u, wt(32, 16, 1, 1), wt(32)],
             [[(1, 16, 10, 10)] + [None] * 4, [(1, 16, 4, 7)] + [None] * 4],
             chain=[("Conv", ["y", wt(32, 1, 3, 3), wt(32)],
                     {"group": 32, "pads": [1, 1, 1, 1]})], keep=True, **cv))

    # Epilogues: the residual Add and activation after a matmul or
    # convolution, which its kernel applies to each finished block (every
    # path of the GEMM and depthwise kernels), and forms it must leave
    # alone (a broadcast Add, an output that is read twice).
    def c32(v):
        return np.array(v, np.float32)
    conv3 = ([u, wt(13, 6, 3, 3), wt(13)], {"pads": [1, 1, 1, 1]})
    for act, chain in [
            ("Relu", [("Add", ["y", f()]), ("Relu", ["p"])]),
            ("Clip", [("Clip", ["y", c32(-0.5), c32(1.5)])]),
            ("LeakyRelu", [("LeakyRelu", ["y"], {"alpha": 0.2})]),
            ("HardSigmoid", [("Add", [f(), "y"]), ("HardSigmoid", ["p"], {"alpha": 0.3, "beta": 0.4})]),
            ("HardSwish", [("HardSwish", ["y"])]),
            ("Sigmoid", [("Sigmoid", ["y"])]),
            ("SiLU", [("Add", ["y", f()]), ("Sigmoid", ["p"]), ("Mul", ["p", "c0"])]),
            ("Tanh", [("Tanh", ["y"])]),
            ("Gelu", [("Div", ["y", c32(1.4142135)]), ("Erf", ["p"]), ("Add", ["p", c32(1)]),
                      ("Mul", ["y", "p"]), ("Mul", ["p", c32(0.5)])]),
            # GPT-2's tanh approximation as it exports it.
            ("GeluTanh", [("Mul", ["y", "y"]), ("Mul", ["p", "y"]),
                          ("Mul", ["p", c32(0.044715)]), ("Add", ["y", "p"]),
                          ("Mul", ["p", c32((2 / np.pi) ** 0.5)]), ("Tanh", ["p"]),
                          ("Add", ["p", c32(1)]), ("Mul", ["y", c32(0.5)]),
                          ("Mul", ["p", "c6"])])]:
        extra = sum(1 for _, ins, *r in chain for i in ins if callable(i))
        add(Case(f"Epilogue_conv_{act}", "Conv", *conv3[:1],
                 [[(1, 6, 17, 45), None, None] + [(1, 13, 17, 45)] * extra,
                  [(2, 6, 4, 7), None, None] + [(2, 13, 4, 7)] * extra],
                 attrs=conv3[1], chain=chain, static=extra > 0, **cv))
    add(Case("Epilogue_depthwise_clip", "Conv", [u, wt(12, 1, 3, 3), wt(12)],
             [[(1, 12, 30, 37), None, None], [(2, 12, 9, 5), None, None]],
             attrs={"group": 12, "strides": [2, 2], "pads": [1, 1, 1, 1]},
             chain=[("Clip", ["y", c32(0), c32(6)])], **cv))
    # Narrow planes (at most half a vector wide) go in channel blocks
    # (channels in the vector lanes): 20 channels are a full block and a
    # partial one, with a residual.
    add(Case("Epilogue_depthwise_narrow_residual_relu", "Conv", [u, wt(20, 1, 3, 3), wt(20)],
             [[(1, 20, 6, 4), None, None, (1, 20, 6, 4)]],
             attrs={"group": 20, "pads": [1, 1, 1, 1]},
             chain=[("Add", ["y", f()]), ("Relu", ["p"])], static=True, **cv))
    add(Case("Epilogue_pointwise_residual_hardswish", "Conv", [u, wt(40, 17, 1, 1), wt(40)],
             [[(1, 17, 7, 9), None, None, (1, 40, 7, 9)], [(2, 17, 1, 30), None, None, (2, 40, 1, 30)]],
             chain=[("Add", ["y", f()]), ("HardSwish", ["p"])], static=True, **cv))
    add(Case("Epilogue_transposed_sigmoid", "Conv", [u, wt(256, 64, 3, 3), wt(256)],
             [[(1, 64, 3, 6), None, None], [(2, 64, 4, 9), None, None]],
             attrs={"pads": [1, 1, 1, 1]}, chain=[("Sigmoid", ["y"])], **cv))
    add(Case("Epilogue_grouped_leaky", "Conv", [u, wt(64, 8, 3, 3), wt(64)],
             [[(1, 32, 9, 40), None, None], [(2, 32, 3, 3), None, None]],
             attrs={"group": 4, "pads": [1, 1, 1, 1]},
             chain=[("LeakyRelu", ["y"], {"alpha": 0.1})], **cv))
    add(Case("Epilogue_conv1d_residual_tanh", "Conv", [u, wt(21, 3, 5), wt(21)],
             [[(1, 3, 150), None, None, (1, 21, 146)], [(2, 3, 11), None, None, (2, 21, 7)]],
             chain=[("Add", [f(), "y"]), ("Tanh", ["p"])], static=True, **cv))
    add(Case("Epilogue_matmul_bias_relu", "MatMul", [u, wt(70, 37)],
             [[(5, 70), None], [(1, 70), None]],
             chain=[("Add", ["y", wt(37)]), ("Relu", ["p"])], **cv))
    # A Linear layer on [B, S, K] (PyTorch's erf GELU): the GEMM runs on the
    # collapsed rows, starts C from the bias per column, applies the GELU
    # and stands for the [B, S, N] buffer the GELU wrote.
    add(Case("Epilogue_linear_bias_gelu", "MatMul", [u, wt(40, 70)],
             [[(2, 9, 40), None], [(1, 3, 40), None]],
             chain=[("Add", ["y", wt(70)]), ("Div", ["p", c32(1.4142135)]), ("Erf", ["p"]),
                    ("Add", ["p", c32(1)]), ("Mul", ["c0", "p"]), ("Mul", ["p", c32(0.5)])],
             **cv))
    add(Case("Epilogue_gemm_residual_gelu", "Gemm", [u, wt(33, 50), wt(33)],
             [[(20, 50), None, None, (20, 33)], [(3, 50), None, None, (3, 33)]],
             attrs={"transB": 1},
             chain=[("Add", ["y", f()]), ("Div", ["p", c32(1.4142135)]), ("Erf", ["p"]),
                    ("Add", ["p", c32(1)]), ("Mul", ["c0", "p"]), ("Mul", ["p", c32(0.5)])],
             static=True, **cv))
    add(Case("Epilogue_batched_matmul_residual_silu", "MatMul", [u, u],
             [[(3, 9, 20), (3, 20, 40), (3, 9, 40)], [(2, 1, 7), (2, 7, 5), (2, 1, 5)]],
             chain=[("Add", ["y", f()]), ("Sigmoid", ["p"]), ("Mul", ["p", "c0"])], static=True, **cv))
    # Not epilogues: a per-channel Add (broadcast), and an output also
    # read by the graph (not overwritten in place).
    add(Case("Epilogue_conv_channel_add_relu", "Conv", *conv3[:1],
             [[(1, 6, 17, 45), None, None, (13, 1, 1)], [(2, 6, 4, 7), None, None, (13, 1, 1)]],
             attrs=conv3[1], chain=[("Add", ["y", f()]), ("Relu", ["p"])], static=True, **cv))
    add(Case("Epilogue_conv_output_kept", "Conv", *conv3[:1],
             [[(1, 6, 17, 45), None, None, (1, 13, 17, 45)], [(2, 6, 4, 7), None, None, (2, 13, 4, 7)]],
             attrs=conv3[1], chain=[("Add", ["y", f()]), ("Relu", ["p"])], keep=True, static=True, **cv))

    # Gather of whole rows (static trailing dims of a vector or more): one
    # copy per index, negative indices wrapped; a short row stays
    # element-wise. The tables are constants (static rows), the indices
    # have symbolic dims.
    table = lambda shape, dt=np.float32: rand(shape, dt, -9, 9)
    add(Case("Gather_embedding_rows", "Gather", [table((50, 24)), f(np.int64, -50, 49)],
             [[None, (2, 7)], [None, (1, 3)]], chain=[("Add", ["y", table((24,))])]))
    add(Case("Gather_rows_axis1", "Gather", [table((3, 20, 2, 8)), f(np.int32, -20, 19)],
             [[None, (4,)], [None, (1,)]], attrs={"axis": 1}))
    add(Case("Gather_rows_int64", "Gather", [table((30, 8), np.int64), f(np.int32, -30, 29)],
             [[None, (3, 2, 2)], [None, (5, 1, 1)]]))
    add(Case("Gather_rows_f16", "Gather", [table((30, 32), np.float16), f(np.int64, 0, 29)],
             [[None, (6,)], [None, (2,)]]))
    add(Case("Gather_short_rows", "Gather", [table((30, 3)), f(np.int64, -30, 29)],
             [[None, (2, 4)], [None, (3, 1)]]))

    # Attention's scale folded into the projections' constants
    # (kiln-fold-scale): Div of the scores by sqrt(d) through the heads'
    # Reshape and Transpose; the dynamo form, Q and K^T each times
    # d^-1/4; a factor after a Gemm (its alpha and beta). Symbolic batch
    # and sequence.
    heads = [0, 0, 2, 4]

    def attention(scale_q=None, scale_k=None, scale_scores=None, mask=None,
                  where=None):
        def proj(perm):
            return [("MatMul", ["x0", wt(8, 8)]), ("Add", ["p", wt(8)]),
                    ("Reshape", ["p", np.array(heads, np.int64)]),
                    ("Transpose", ["p"], {"perm": perm})]
        chain = [("Add", ["y", wt(8)]),
                 ("Reshape", ["p", np.array(heads, np.int64)]),
                 ("Transpose", ["p"], {"perm": [0, 2, 1, 3]})]
        if scale_q:
            chain.append(("Mul", ["p", c32(scale_q)]))
        q = len(chain) - 1
        chain += proj([0, 2, 3, 1])
        if scale_k:
            chain.append(("Mul", [c32(scale_k), "p"]))
        chain.append(("MatMul", [f"c{q}", "p"]))
        if scale_scores:
            chain.append(("Div", ["p", c32(scale_scores)]))
        if mask is not None:
            chain.append(("Add", ["p", mask]))
        if where is not None:
            chain.append(("Where", [where, "p", c32(-1e9)]))
        chain.append(("Softmax", ["p"], {"axis": -1}))
        s = len(chain) - 1
        chain += proj([0, 2, 1, 3])
        chain.append(("MatMul", [f"c{s}", "p"]))
        return chain
    for name, kw in [("div", {"scale_scores": 2.0}),
                     ("q_k", {"scale_q": 0.5 ** 0.5, "scale_k": 0.5 ** 0.5})]:
        chain = attention(**kw)
        consts = sum(1 for _, ins, *r in chain for i in ins
                     if isinstance(i, np.ndarray))
        add(Case(f"FoldScale_attention_{name}", "MatMul", [f(), wt(8, 8)],
                 [[(1, 5, 8)] + [None] * (1 + consts),
                  [(2, 3, 8)] + [None] * (1 + consts)], chain=chain))
    # (kiln-fuse-attention, the fused kernel): a padding mask added, a
    # causal Where over two blocks of 256 keys (the upper one skipped), a
    # long sequence of symbolic length, against ORT's unfused graph.
    rng = np.random.default_rng(3)
    for name, seq, kw in [
            ("padding_mask", 40, {"mask": np.where(
                rng.random((1, 1, 1, 40)) < 0.2, -1e4, 0.0).astype(np.float32)}),
            ("causal_where", 300, {"where": np.tril(
                np.ones((1, 1, 300, 300), bool))}),
            ("long", None, {"scale_scores": 2.0})]:
        chain = attention(**kw)
        consts = sum(1 for _, ins, *r in chain for i in ins
                     if isinstance(i, np.ndarray))
        shapes = ([[(1, seq, 8)] + [None] * (1 + consts)] if seq else
                  [[(1, 600, 8)] + [None] * (1 + consts),
                   [(2, 37, 8)] + [None] * (1 + consts)])
        add(Case(f"Attention_{name}", "MatMul", [f(), wt(8, 8)], shapes,
                 chain=chain, static=seq is not None))
    # Heads folded into the batch (rank 3) with Q and K^T each scaled
    # (ONNX's Attention function's form), symbolic sizes, two key blocks.
    add(Case("Attention_rank3_scaled", "Mul", [f(), c32(0.5)],
             [[(6, 20, 16), None, (6, 30, 16), None, (6, 30, 24)],
              [(4, 5, 16), None, (4, 300, 16), None, (4, 300, 24)]],
             chain=[("Transpose", [f()], {"perm": [0, 2, 1]}),
                    ("Mul", ["p", c32(0.5)]), ("MatMul", ["y", "p"]),
                    ("Softmax", ["p"], {"axis": -1}),
                    ("MatMul", ["p", f()])]))
    # Grouped-query attention as repeat_kv exports it (2 key and value
    # heads, each repeated for 3 query heads by Unsqueeze, Expand and
    # Reshape), read unrepeated by the fused kernel.
    ax = np.array([2], np.int64)
    kv5 = np.array([1, 2, 3, 300, 16], np.int64)
    kv4 = np.array([1, 6, 300, 16], np.int64)
    add(Case("Attention_repeat_kv", "Unsqueeze", [f(), ax],
             [[(1, 2, 300, 16), None, None, None, (1, 6, 20, 16), None,
               (1, 2, 300, 16), None, None, None]],
             chain=[("Expand", ["y", kv5]), ("Reshape", ["p", kv4]),
                    ("Transpose", ["p"], {"perm": [0, 1, 3, 2]}),
                    ("MatMul", [f(), "p"]), ("Mul", ["p", c32(0.25)]),
                    ("Softmax", ["p"], {"axis": -1}),
                    ("Unsqueeze", [f(), ax]), ("Expand", ["p", kv5]),
                    ("Reshape", ["p", kv4]), ("MatMul", ["c5", "p"])],
             static=True))
    # ONNX's own Attention (opset 23), whose function body the importer
    # expands and kiln-fuse-attention fuses: its scale (Sqrt of the head
    # size, folded), K and V through the grouped heads' Unsqueeze, Expand
    # and Reshape, and its mask made additive and then zeroing the rows it
    # removes entirely after the Softmax (kiln.attention's
    # zero_masked_rows). No mask; a float mask with whole rows -inf; a
    # bool mask with whole rows false (read back as bytes, fill -inf);
    # is_causal over two blocks of 256 keys (Where(Less, -inf, 0): Not of
    # the Less); 3-D inputs with 6 query heads sharing 2 key and value
    # heads, a scale attribute and a mask broadcast over the heads.
    def removed_rows(dtype):
        def make(s):
            if dtype == np.bool_:
                m = RNG.random(s) > 0.3
                m[..., ::3, :] = False
            else:
                m = np.where(RNG.random(s) > 0.3, RNG.uniform(-2, 2, s),
                             -np.inf).astype(np.float32)
                m[..., ::3, :] = -np.inf
            return m
        return make
    qkv = [f(lo=-1, hi=1)] * 3
    add(Case("Attention_onnx_no_mask", "Attention", qkv,
             [[(2, 3, 20, 16)] * 3], opset=23, static=True))
    add(Case("Attention_onnx_float_mask_removed_rows", "Attention",
             qkv + [removed_rows(np.float32)],
             [[(2, 3, 20, 16), (2, 3, 30, 16), (2, 3, 30, 16),
               (2, 1, 20, 30)]], opset=23, static=True))
    add(Case("Attention_onnx_bool_mask_removed_rows", "Attention",
             qkv + [removed_rows(np.bool_)],
             [[(1, 2, 24, 16)] * 3 + [(24, 24)]], opset=23, static=True))
    add(Case("Attention_onnx_causal", "Attention", qkv,
             [[(1, 2, 300, 16)] * 3], attrs={"is_causal": 1}, opset=23,
             static=True))
    add(Case("Attention_onnx_3d_grouped", "Attention",
             qkv + [removed_rows(np.float32)],
             [[(2, 20, 96), (2, 30, 32), (2, 30, 32), (20, 30)]],
             attrs={"q_num_heads": 6, "kv_num_heads": 2, "scale": 0.3},
             opset=23, static=True))
    # A decoder's step (one or two query rows against the keys so far:
    # the kernel's rows path): a padding mask of -inf over two blocks of
    # 256 keys; a bool mask removing each head's first row; grouped heads.
    def padding(s):
        return np.where(RNG.random(s) > 0.2, 0.0, -np.inf).astype(np.float32)
    add(Case("Attention_onnx_decode_step", "Attention", qkv + [padding],
             [[(1, 4, 1, 32), (1, 4, 300, 32), (1, 4, 300, 32),
               (1, 1, 1, 300)]], opset=23, static=True))
    add(Case("Attention_onnx_decode_removed_rows", "Attention",
             qkv + [removed_rows(np.bool_)],
             [[(2, 3, 2, 16), (2, 3, 40, 16), (2, 3, 40, 16), (2, 1, 2, 40)]],
             opset=23, static=True))
    # ... and with the op's own cache (past_key, past_value in; present_key,
    # present_value out: the Concat before the kernel), every size symbolic
    # and two cache lengths.
    add(Case("Attention_onnx_decode_past", "Attention",
             qkv + [None, f(lo=-1, hi=1), f(lo=-1, hi=1)],
             [[(1, 4, 1, 32)] * 3 + [(1, 4, 300, 32)] * 2,
              [(2, 4, 1, 32)] * 3 + [(2, 4, 77, 32)] * 2],
             outputs=3, opset=23))
    add(Case("Attention_onnx_decode_grouped", "Attention", qkv + [padding],
             [[(2, 1, 96), (2, 30, 32), (2, 30, 32), (1, 30)]],
             attrs={"q_num_heads": 6, "kv_num_heads": 2}, opset=23,
             static=True))
    add(Case("FoldScale_gemm", "Gemm", [f(), wt(8, 6), wt(6)],
             [[(4, 8), None, None, None], [(1, 8), None, None, None]],
             attrs={"alpha": 1.5, "beta": 0.5},
             chain=[("Mul", ["y", c32(0.3)])]))

    # The kernels of the other ISAs, whatever this CPU has: AVX2 (haswell)
    # and baseline x86-64 (SSE2) variants of the GEMM and depthwise cases.
    for mcpu in ["haswell", "x86-64"]:
        for case in [c for c in out if c.name in (
                "MatMul_edges", "MatMul_tiles", "Gemm_transB_bias",
                "Conv_3x3_pad", "Conv_3x3_wide_K", "Conv_depthwise_s1_d1",
                "Conv_depthwise_s2_wide", "MatMul_const_weight",
                "MatMul_const_weight_tiles", "MatMul_const_weight_n_tasks",
                "Gemm_const_weight_transB",
                "Conv_grouped_wide", "Conv_grouped_tasks", "Conv_3x3_direct_dw2",
                "Conv_1d_pad_dil_s2", "Conv_3x3_s2_wide",
                "MatMul_transposed", "Conv_3x3_transposed", "Conv_pointwise",
                "Conv_depthwise_s3_padded", "Conv_depthwise_7x7_narrow",
                "Conv_depthwise_5x5_wide_pads", "Conv_depthwise_flat_3x3",
                "Conv_depthwise_flat_5x5_dil", "Softmax_rows", "Softmax_special",
                "ConvTranspose_4x4_s2", "ConvTranspose_s3x2_crop_outpad",
                "MatMulInteger_u8s8", "MatMulInteger_s8u8",
                "MatMulInteger_batched_no_zp", "LSTM_const_bidirectional",
                "Conv_pixel_rows_7x7", "Conv_pixel_rows_pointwise",
                "Conv_depthwise_s2_d1", "Epilogue_conv_SiLU",
                "Epilogue_conv_Gelu", "Epilogue_conv_Tanh",
                "Epilogue_depthwise_clip", "Epilogue_depthwise_narrow_residual_relu",
                "Epilogue_pointwise_residual_hardswish", "Conv_winograd_edges",
                "Conv_winograd_no_pad_no_bias", "Conv_winograd_residual_relu",
                "Conv_pw_dw_s2_relu6", "Conv_pw_dw_5x5_residual",
                "Conv_pw_dw_bands", "Conv_pw_dw_residual_relu",
                "Conv_pw_dw_silu", "Conv_chanvec_panels_s2_dil",
                "Conv_chanvec_filter_tasks_s2", "Conv_1d_row_tasks",
                "Conv_1d_pointwise_runs",
                "Conv_chanvec_s2_residual_relu")]:
            add(Case(f"{case.name}_{mcpu}", case.op, case.inputs, case.shapes,
                     case.attrs, case.opset, case.outputs, case.rtol,
                     case.atol, args=[*case.args, f"--mcpu={mcpu}"], chain=case.chain,
                     keep=case.keep, static=case.static))
    return out


def check(kiln, case, opt_level):
    model, feeds = case.build()
    return check_against_onnxruntime(
        kiln, model, feeds,
        [f"-O{opt_level}", *([] if case.static else ["--all-dynamic"]), *case.args],
        rtol=case.rtol, atol=case.atol, name="m",
        exact_reference=case.op in ("MatMulInteger", "QLinearMatMul"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("-k", default="")
    ap.add_argument("-O", default="3")
    args = ap.parse_args()
    kiln = Kiln(os.path.abspath(args.build_dir))
    passed = failed = 0
    for case in cases():
        if args.k not in case.name:
            continue
        why = check(kiln, case, args.O)
        if why:
            failed += 1
            print(f"FAIL {case.name}: {why}", flush=True)
        else:
            passed += 1
            print(f"PASS {case.name}", flush=True)
    print(f"op families vs onnxruntime: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
