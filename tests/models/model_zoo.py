"""Small real-architecture models built with onnx.helper, with initialised
weights (no model hub is reachable). Each builder returns (model, feeds): the
feeds exercise several shapes of the symbolic dims."""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(0)


def _w(name, *shape, scale=0.1):
    return numpy_helper.from_array(
        (RNG.standard_normal(shape) * scale).astype(np.float32), name)


def _model(nodes, name, inputs, outputs, inits, opset=17):
    g = helper.make_graph(nodes, name, inputs, outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="kiln-tests")
    m.ir_version = 8
    return m


def mobilenet_like():
    """Conv/BN/Relu/Clip/HardSigmoid/HardSwish/depthwise Conv/MaxPool/
    GlobalAveragePool/Flatten/Gemm/Softmax with dynamic batch, height and
    width."""
    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, "H", "W"])
    y = helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 10])
    inits = [
        _w("c1_w", 8, 3, 3, 3), _w("c1_b", 8),
        numpy_helper.from_array(RNG.uniform(0.5, 1.5, 8).astype(np.float32), "bn_s"),
        _w("bn_b", 8), _w("bn_m", 8),
        numpy_helper.from_array(RNG.uniform(0.5, 1.5, 8).astype(np.float32), "bn_v"),
        _w("c2_w", 16, 8, 3, 3), _w("dw_w", 16, 1, 3, 3), _w("dw_b", 16),
        _w("fc_w", 10, 16), _w("fc_b", 10),
        numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
        numpy_helper.from_array(np.array(6.0, np.float32), "six"),
    ]
    nodes = [
        helper.make_node("Conv", ["image", "c1_w", "c1_b"], ["c1"], pads=[1, 1, 1, 1], name="conv1"),
        helper.make_node("BatchNormalization", ["c1", "bn_s", "bn_b", "bn_m", "bn_v"], ["bn"], epsilon=1e-5, name="bn1"),
        helper.make_node("Relu", ["bn"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2], name="pool1"),
        helper.make_node("Conv", ["p1", "c2_w"], ["c2"], strides=[2, 2], auto_pad="SAME_UPPER", name="conv2"),
        helper.make_node("Clip", ["c2", "zero", "six"], ["r6"], name="relu6"),
        helper.make_node("Conv", ["r6", "dw_w", "dw_b"], ["dw"], group=16, pads=[1, 1, 1, 1], dilations=[1, 1], name="dwconv"),
        helper.make_node("HardSigmoid", ["dw"], ["hs"], alpha=0.2, beta=0.5, name="hsig"),
        helper.make_node("Mul", ["dw", "hs"], ["gated"], name="gate"),
        helper.make_node("HardSwish", ["gated"], ["hsw"], name="hswish"),
        helper.make_node("GlobalAveragePool", ["hsw"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["flat"], axis=1, name="flatten"),
        helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logits"], transB=1, name="fc"),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=-1, name="softmax"),
    ]
    m = _model(nodes, "mobilenet_like", [x], [y], inits)
    feeds = [{"image": RNG.standard_normal(s).astype(np.float32)}
             for s in [(1, 3, 32, 32), (2, 3, 17, 23), (3, 3, 8, 8)]]
    return m, feeds


def transformer_block():
    """LayerNorm/MatMul/Add/Erf-GELU/Softmax attention-ish block, ReduceMean,
    Transpose, with dynamic batch and sequence length."""
    d = 16
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", "S", d])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["B", "S", d])
    m_out = helper.make_tensor_value_info("m", TensorProto.FLOAT, ["B", "S", 1])
    inits = [
        numpy_helper.from_array(RNG.uniform(0.5, 1.5, d).astype(np.float32), "ln_g"),
        _w("ln_b", d), _w("wq", d, d), _w("wk", d, d), _w("wv", d, d),
        _w("w1", d, 4 * d), _w("b1", 4 * d), _w("w2", 4 * d, d), _w("b2", d),
        numpy_helper.from_array(np.array(1 / np.sqrt(d), np.float32), "scale"),
        numpy_helper.from_array(np.array(1 / np.sqrt(2), np.float32), "inv_sqrt2"),
        numpy_helper.from_array(np.array(0.5, np.float32), "half"),
        numpy_helper.from_array(np.array(1.0, np.float32), "one"),
        numpy_helper.from_array(np.array([-1], np.int64), "last_axis"),
    ]
    nodes = [
        helper.make_node("LayerNormalization", ["x", "ln_g", "ln_b"], ["h"], axis=-1, epsilon=1e-5, name="ln"),
        helper.make_node("MatMul", ["h", "wq"], ["q"], name="q_proj"),
        helper.make_node("MatMul", ["h", "wk"], ["k"], name="k_proj"),
        helper.make_node("MatMul", ["h", "wv"], ["v"], name="v_proj"),
        helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 2, 1], name="k_t"),
        helper.make_node("MatMul", ["q", "kt"], ["qk"], name="qk"),
        helper.make_node("Mul", ["qk", "scale"], ["qks"], name="scale"),
        helper.make_node("Softmax", ["qks"], ["attn"], axis=-1, name="softmax"),
        helper.make_node("MatMul", ["attn", "v"], ["ctx"], name="ctx"),
        helper.make_node("Add", ["x", "ctx"], ["res1"], name="residual1"),
        helper.make_node("MatMul", ["res1", "w1"], ["f1"], name="ffn1"),
        helper.make_node("Add", ["f1", "b1"], ["f1b"], name="ffn1_bias"),
        helper.make_node("Mul", ["f1b", "inv_sqrt2"], ["g0"], name="gelu_div"),
        helper.make_node("Erf", ["g0"], ["g1"], name="gelu_erf"),
        helper.make_node("Add", ["g1", "one"], ["g2"], name="gelu_add"),
        helper.make_node("Mul", ["f1b", "g2"], ["g3"], name="gelu_mul"),
        helper.make_node("Mul", ["g3", "half"], ["gelu"], name="gelu_half"),
        helper.make_node("MatMul", ["gelu", "w2"], ["f2"], name="ffn2"),
        helper.make_node("Add", ["f2", "b2"], ["f2b"], name="ffn2_bias"),
        helper.make_node("Add", ["res1", "f2b"], ["y"], name="residual2"),
        helper.make_node("ReduceMean", ["y", "last_axis"], ["m"], keepdims=1, name="mean"),
    ]
    m = _model(nodes, "transformer_block", [x], [y, m_out], inits, opset=18)
    feeds = [{"x": RNG.standard_normal(s).astype(np.float32)}
             for s in [(1, 4, d), (2, 7, d)]]
    return m, feeds


def shape_logic():
    """A dynamic Reshape computed from Shape/Gather/Concat, plus Slice,
    Concat, Split, Pad, Expand, Where/Less, Cast, Unsqueeze/Squeeze,
    ReduceSum/ReduceMax — the glue exporters emit around the heavy ops."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", 6, "T"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    z = helper.make_tensor_value_info("z", TensorProto.INT64, None)
    inits = [
        numpy_helper.from_array(np.array([0], np.int64), "i0"),
        numpy_helper.from_array(np.array([2], np.int64), "i2"),
        numpy_helper.from_array(np.array([-1], np.int64), "m1"),
        numpy_helper.from_array(np.array([1], np.int64), "ax1"),
        numpy_helper.from_array(np.array([3], np.int64), "three"),
        numpy_helper.from_array(np.array([0, 1, 0, 0, 2, 0], np.int64), "pads"),
        numpy_helper.from_array(np.array(0.25, np.float32), "thr"),
    ]
    nodes = [
        helper.make_node("Shape", ["x"], ["shp"]),
        helper.make_node("Gather", ["shp", "i0"], ["b"], axis=0),
        helper.make_node("Concat", ["b", "three", "m1"], ["newshape"], axis=0),
        helper.make_node("Reshape", ["x", "newshape"], ["r"]),          # [B,3,2T]
        helper.make_node("Transpose", ["r"], ["rt"], perm=[0, 2, 1]),   # [B,2T,3]
        helper.make_node("Slice", ["rt", "i0", "i2", "m1"], ["sl"]),    # [B,2T,2]
        helper.make_node("Split", ["x"], ["s0", "s1"], axis=1, num_outputs=2),
        helper.make_node("Concat", ["s1", "s0"], ["swapped"], axis=1),
        helper.make_node("Pad", ["swapped", "pads"], ["padded"], mode="constant"),
        helper.make_node("Less", ["padded", "thr"], ["mask"]),
        helper.make_node("Where", ["mask", "padded", "thr"], ["w"]),
        helper.make_node("ReduceSum", ["w", "ax1"], ["rs"], keepdims=0),
        helper.make_node("Unsqueeze", ["rs", "ax1"], ["u"]),
        helper.make_node("ReduceMax", ["sl", "m1"], ["mx"], keepdims=1),
        helper.make_node("Squeeze", ["mx", "m1"], ["sq"]),
        helper.make_node("ReduceSum", ["sq", "ax1"], ["sq1"], keepdims=1),
        helper.make_node("Unsqueeze", ["sq1", "m1"], ["sq2"]),
        helper.make_node("Expand", ["sq2", "shp"], ["ex"]),
        helper.make_node("Add", ["ex", "x"], ["y0"]),
        helper.make_node("Mul", ["y0", "u"], ["y"]),
        helper.make_node("Cast", ["mask"], ["z"], to=TensorProto.INT64),
    ]
    m = _model(nodes, "shape_logic", [x], [y, z], inits, opset=18)
    feeds = [{"x": RNG.standard_normal(s).astype(np.float32)}
             for s in [(1, 6, 4), (3, 6, 5)]]
    return m, feeds


def resize_and_if():
    """Resize (nearest and linear) on an image with dynamic H/W, and an If
    whose branch is picked at run time."""
    x = helper.make_tensor_value_info("img", TensorProto.FLOAT, [1, 2, "H", "W"])
    c = helper.make_tensor_value_info("flag", TensorProto.BOOL, [])
    y1 = helper.make_tensor_value_info("near", TensorProto.FLOAT, None)
    y2 = helper.make_tensor_value_info("lin", TensorProto.FLOAT, None)
    y3 = helper.make_tensor_value_info("picked", TensorProto.FLOAT, None)
    inits = [numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales")]
    then_out = helper.make_tensor_value_info("t", TensorProto.FLOAT, None)
    else_out = helper.make_tensor_value_info("e", TensorProto.FLOAT, None)
    then_g = helper.make_graph([helper.make_node("Relu", ["img"], ["t"])], "then", [], [then_out])
    else_g = helper.make_graph([helper.make_node("Neg", ["img"], ["e"])], "else", [], [else_out])
    nodes = [
        helper.make_node("Resize", ["img", "", "scales"], ["near"], mode="nearest",
                         coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
        helper.make_node("Resize", ["img", "", "scales"], ["lin"], mode="linear",
                         coordinate_transformation_mode="half_pixel"),
        helper.make_node("If", ["flag"], ["picked"], then_branch=then_g, else_branch=else_g),
    ]
    m = _model(nodes, "resize_and_if", [x, c], [y1, y2, y3], inits)
    feeds = [{"img": RNG.standard_normal((1, 2, h, w)).astype(np.float32),
              "flag": np.array(f)} for h, w, f in [(4, 5, True), (3, 3, False)]]
    return m, feeds


ZOO = {
    "mobilenet_like": mobilenet_like,
    "transformer_block": transformer_block,
    "shape_logic": shape_logic,
    "resize_and_if": resize_and_if,
}


EXPORTED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exported")


def _exported(name, shapes):
    def build():
        model = onnx.load(os.path.join(EXPORTED, name + ".onnx"))
        feeds = [{"input": RNG.standard_normal(s).astype(np.float32)}
                 for s in shapes]
        return model, feeds
    return build


# Exported by PyTorch (export_torch_models.py), with symbolic batch and
# spatial/sequence dims.
ZOO.update({
    "torch_mobilenet_v2": _exported(
        "mobilenet_v2_035", [(1, 3, 64, 64), (2, 3, 48, 80)]),
    "torch_mobilenet_v3_small": _exported(
        "mobilenet_v3_small_050", [(1, 3, 64, 64), (2, 3, 40, 56)]),
    "torch_tiny_encoder": _exported(
        "tiny_encoder", [(2, 7, 32), (2, 7, 32)]),  # export fixed B, S
})


# The exporter corpus (export_torch_models.py): transformers models from tiny
# configs with random weights, a small CNN and an LSTM, each exported by
# PyTorch's dynamo exporter (torch.onnx.export(dynamo=True), opset 20) and
# its legacy TorchScript exporter (opset 17), with symbolic batch and
# sequence (or image) dims.
VOCAB = 100  # the configs' vocabulary size


def _tokens(batch, seq, mask=True):
    """Token ids, and a 0/1 attention mask whose last row is padded."""
    feed = {"input_ids": RNG.integers(0, VOCAB, (batch, seq), dtype=np.int64)}
    if mask:
        m = np.ones((batch, seq), np.int64)
        m[-1, max(1, seq - 3):] = 0
        feed["attention_mask"] = m
    return feed


def _floats(name, *shapes):
    return [{name: RNG.standard_normal(s).astype(np.float32)} for s in shapes]


def _corpus(name, feeds):
    def build():
        return onnx.load(os.path.join(EXPORTED, name + ".onnx")), feeds()
    return build


for _exporter in ("dynamo", "legacy"):
    ZOO.update({
        f"{_exporter}_bert": _corpus(
            f"bert_{_exporter}", lambda: [_tokens(1, 5), _tokens(3, 9)]),
        f"{_exporter}_gpt2": _corpus(
            f"gpt2_{_exporter}", lambda: [_tokens(1, 6), _tokens(2, 11)]),
        f"{_exporter}_t5_encoder": _corpus(
            f"t5_encoder_{_exporter}", lambda: [_tokens(1, 4), _tokens(2, 13)]),
        f"{_exporter}_vit": _corpus(
            f"vit_{_exporter}",
            lambda: _floats("pixel_values", (1, 3, 32, 32), (3, 3, 32, 32))),
        f"{_exporter}_whisper_encoder": _corpus(
            f"whisper_encoder_{_exporter}",
            lambda: _floats("input_features", (1, 16, 48), (2, 16, 48))),
        f"{_exporter}_cnn": _corpus(
            f"cnn_{_exporter}",
            lambda: _floats("image", (1, 3, 32, 32), (2, 3, 20, 28))),
        f"{_exporter}_lstm": _corpus(
            f"lstm_{_exporter}", lambda: _floats("x", (1, 5, 8), (3, 9, 8))),
    })
# The dynamo exporter at opset 18 (GELU as Erf arithmetic) and 23 (Attention
# and RMSNormalization function ops, which Kiln expands into their bodies).
ZOO.update({
    "dynamo18_bert": _corpus(
        "bert_dynamo18", lambda: [_tokens(1, 5), _tokens(3, 9)]),
    "dynamo23_bert": _corpus(
        "bert_dynamo23", lambda: [_tokens(1, 5), _tokens(3, 9)]),
    "dynamo23_gpt2": _corpus(
        "gpt2_dynamo23", lambda: [_tokens(1, 6), _tokens(2, 11)]),
    "dynamo23_t5_encoder": _corpus(
        "t5_encoder_dynamo23", lambda: [_tokens(1, 4), _tokens(2, 13)]),
    "dynamo23_whisper_encoder": _corpus(
        "whisper_encoder_dynamo23",
        lambda: _floats("input_features", (1, 16, 48), (2, 16, 48))),
})
