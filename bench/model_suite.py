"""Real architectures for the whole-model benchmark, built with onnx.helper
and initialised weights (no torch, no model hub): the layer structure and
sizes of the networks users bring, in the node forms their exporters emit.

Each builder returns (model, feed, flops): flops counts the multiply-adds of
the convolutions and matrix products (x2), enough for GFLOP/s columns.

  resnet18            ResNet-18, 224x224, BatchNormalization folded into the
                      convolutions (as exporters do in eval mode)
  mobilenet_v2        MobileNetV2 1.0, 224x224: inverted residuals, ReLU6 as
                      Clip, depthwise 3x3 at strides 1 and 2
  yolo_like           a YOLOv8-n style detector with symbolic H and W (fed
                      320x320): Conv-BatchNormalization-SiLU, split/concat
                      blocks, SPPF max pools, nearest Resize, three heads
  bert_encoder        4 layers, hidden 256, 4 heads, sequence 128, token ids
                      and an attention mask; LayerNormalization, Erf GELU
  gpt_decoder         4 layers, hidden 256, 4 heads, sequence 128, causal
                      mask by Where, tanh GELU, a 2000-token LM head
  gpt_decode_step     the same decoder generating one token with a cache
                      of 511 keys and values per layer (inputs past_*,
                      outputs present_* as exporters "with past" emit)
  crnn_lstm           a text-recognition CRNN: conv stack on a 32-pixel-high
                      line of symbolic width (fed 256), then a bidirectional
                      LSTM of 128 and a classifier
  audio_frontend      a wav2vec2-style feature encoder: 1 s of 16 kHz audio,
                      seven strided 1-D convolutions with GELU, then
                      LayerNormalization and a projection
"""
import numpy as np
from onnx import TensorProto, helper, numpy_helper


class Graph:
    """A graph under construction: nodes, initialisers, fresh names, and
    the FLOPs of what is added."""

    def __init__(self, seed=0):
        self.nodes, self.inits, self.flops = [], [], 0.0
        self.rng = np.random.default_rng(seed)
        self.count = 0

    def name(self, base):
        self.count += 1
        return f"{base}_{self.count}"

    def weight(self, *shape, scale=None, base="w"):
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
        scale = scale if scale is not None else (2.0 / max(fan_in, 1)) ** 0.5
        name = self.name(base)
        self.inits.append(numpy_helper.from_array(
            (self.rng.standard_normal(shape) * scale).astype(np.float32),
            name))
        return name

    def const(self, value, dtype=np.int64):
        name = self.name("c")
        self.inits.append(numpy_helper.from_array(
            np.asarray(value, dtype=dtype), name))
        return name

    def op(self, op_type, inputs, outputs=1, **attrs):
        outs = [self.name(op_type.lower()) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs,
                                           name=self.name("n_" + op_type),
                                           **attrs))
        return outs[0] if outputs == 1 else outs

    # Layers -----------------------------------------------------------------

    def conv(self, x, cin, cout, k, stride=1, pad=None, group=1, hw=None,
             bias=True):
        """A convolution; hw (the output's spatial size) counts its FLOPs."""
        pad = k // 2 if pad is None else pad
        ins = [x, self.weight(cout, cin // group, k, k)]
        if bias:
            ins.append(self.weight(cout, scale=0.01, base="b"))
        if hw:
            self.flops += 2.0 * cout * hw[0] * hw[1] * (cin // group) * k * k
        return self.op("Conv", ins, kernel_shape=[k, k], strides=[stride] * 2,
                       pads=[pad] * 4, group=group)

    def batchnorm(self, x, c):
        scale = self.const(1 + 0.1 * self.rng.standard_normal(c), np.float32)
        shift = self.const(0.1 * self.rng.standard_normal(c), np.float32)
        mean = self.const(0.1 * self.rng.standard_normal(c), np.float32)
        var = self.const(1 + 0.1 * self.rng.random(c), np.float32)
        return self.op("BatchNormalization", [x, scale, shift, mean, var],
                       epsilon=1e-5)

    def matmul(self, x, k, n, rows, bias=True):
        """x [..., k] times a [k, n] weight (plus a bias); rows counts the
        FLOPs."""
        y = self.op("MatMul", [x, self.weight(k, n, scale=k ** -0.5)])
        self.flops += 2.0 * rows * k * n
        if bias:
            y = self.op("Add", [y, self.weight(n, scale=0.01, base="b")])
        return y

    def gelu_erf(self, x):
        """x / 2 * (1 + erf(x / sqrt(2))), as exporters write GELU."""
        e = self.op("Erf", [self.op("Div", [x, self.const(2 ** 0.5,
                                                          np.float32)])])
        return self.op("Mul", [self.op("Mul", [x, self.const(0.5,
                                                             np.float32)]),
                               self.op("Add", [e, self.const(1.0,
                                                             np.float32)])])

    def layernorm(self, x, c):
        return self.op("LayerNormalization",
                       [x, self.const(np.ones(c), np.float32),
                        self.const(np.zeros(c), np.float32)],
                       axis=-1, epsilon=1e-5)


def _classifier(g, y, channels):
    """Global average pool, flatten and a 1000-class Gemm named logits."""
    y = g.op("Flatten", [g.op("GlobalAveragePool", [y])])
    g.op("Gemm", [y, g.weight(1000, channels), g.weight(1000, scale=0.01)],
         transB=1)
    g.flops += 2.0 * channels * 1000
    g.nodes[-1].output[0] = "logits"


def _model(g, name, inputs, outputs, opset=17):
    graph = helper.make_graph(g.nodes, name, inputs, outputs, g.inits)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def _image_input(name, c, h, w):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT,
                                         ["N", c, h, w])


def _out(name):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, None)


# CNNs -----------------------------------------------------------------------

def resnet18():
    g = Graph(1)
    x = "image"
    y = g.op("Relu", [g.conv(x, 3, 64, 7, stride=2, pad=3, hw=(112, 112))])
    y = g.op("MaxPool", [y], kernel_shape=[3, 3], strides=[2, 2],
             pads=[1, 1, 1, 1])
    c, hw = 64, 56
    for stage, cout in enumerate([64, 128, 256, 512]):
        for block in range(2):
            stride = 2 if stage > 0 and block == 0 else 1
            ohw = hw // stride
            a = g.op("Relu", [g.conv(y, c, cout, 3, stride, hw=(ohw, ohw))])
            b = g.conv(a, cout, cout, 3, hw=(ohw, ohw))
            skip = y
            if stride != 1 or c != cout:
                skip = g.conv(y, c, cout, 1, stride, pad=0, hw=(ohw, ohw))
            y = g.op("Relu", [g.op("Add", [b, skip])])
            c, hw = cout, ohw
    _classifier(g, y, 512)
    model = _model(g, "resnet18", [_image_input(x, 3, 224, 224)],
                   [_out("logits")])
    feed = {x: g.rng.standard_normal((1, 3, 224, 224)).astype(np.float32)}
    return model, feed, g.flops


def mobilenet_v2():
    g = Graph(2)
    x = "image"

    def relu6(t):
        return g.op("Clip", [t, g.const(0.0, np.float32),
                             g.const(6.0, np.float32)])
    y = relu6(g.conv(x, 3, 32, 3, stride=2, hw=(112, 112)))
    c, hw = 32, 112
    for t, cout, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2),
                          (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                          (6, 320, 1, 1)]:
        for i in range(n):
            stride = s if i == 0 else 1
            ohw = hw // stride
            hidden = c * t
            h = y
            if t != 1:
                h = relu6(g.conv(h, c, hidden, 1, pad=0, hw=(hw, hw)))
            h = relu6(g.conv(h, hidden, hidden, 3, stride, group=hidden,
                             hw=(ohw, ohw)))
            h = g.conv(h, hidden, cout, 1, pad=0, hw=(ohw, ohw))
            if stride == 1 and c == cout:
                h = g.op("Add", [h, y])
            y, c, hw = h, cout, ohw
    y = relu6(g.conv(y, c, 1280, 1, pad=0, hw=(hw, hw)))
    _classifier(g, y, 1280)
    model = _model(g, "mobilenet_v2", [_image_input(x, 3, 224, 224)],
                   [_out("logits")])
    feed = {x: g.rng.standard_normal((1, 3, 224, 224)).astype(np.float32)}
    return model, feed, g.flops


def yolo_like(size=320):
    g = Graph(3)
    x = "image"
    scale = {"hw": size}

    def cbs(t, cin, cout, k=3, stride=1):
        """Conv-BatchNormalization-SiLU, the YOLO building block."""
        if stride == 2:
            scale["hw"] //= 2
        hw = scale["hw"]
        t = g.batchnorm(g.conv(t, cin, cout, k, stride, hw=(hw, hw),
                               bias=False), cout)
        return g.op("Mul", [t, g.op("Sigmoid", [t])])

    def c2f(t, c, n):
        """Split in two halves, n bottlenecks on the second, concat all."""
        t = cbs(t, c, c, 1)
        a, b = g.op("Split", [t, g.const([c // 2, c // 2])], outputs=2,
                    axis=1)
        parts = [a, b]
        for _ in range(n):
            h = cbs(cbs(b, c // 2, c // 2), c // 2, c // 2)
            b = g.op("Add", [b, h])
            parts.append(b)
        return cbs(g.op("Concat", parts, axis=1), c // 2 * (2 + n), c, 1)

    y = cbs(x, 3, 16, 3, 2)
    y = cbs(y, 16, 32, 3, 2)
    y = c2f(y, 32, 1)
    y = cbs(y, 32, 64, 3, 2)
    p3 = y = c2f(y, 64, 2)
    y = cbs(y, 64, 128, 3, 2)
    p4 = y = c2f(y, 128, 2)
    y = cbs(y, 128, 256, 3, 2)
    y = c2f(y, 256, 1)
    # SPPF: three chained 5x5 max pools, concatenated.
    y = cbs(y, 256, 128, 1)
    m1 = g.op("MaxPool", [y], kernel_shape=[5, 5], pads=[2] * 4)
    m2 = g.op("MaxPool", [m1], kernel_shape=[5, 5], pads=[2] * 4)
    m3 = g.op("MaxPool", [m2], kernel_shape=[5, 5], pads=[2] * 4)
    p5 = y = cbs(g.op("Concat", [y, m1, m2, m3], axis=1), 512, 256, 1)
    up_scales = g.const([1.0, 1.0, 2.0, 2.0], np.float32)

    def up(t):
        return g.op("Resize", [t, "", up_scales], mode="nearest")
    scale["hw"] *= 2
    y = c2f(g.op("Concat", [up(y), p4], axis=1), 384, 1)
    y = cbs(y, 384, 128, 1)
    scale["hw"] *= 2
    h3 = c2f(g.op("Concat", [up(y), p3], axis=1), 192, 1)
    h3 = cbs(h3, 192, 64, 1)
    outs = []
    for i, (t, c) in enumerate([(h3, 64), (p4, 128), (p5, 256)]):
        hw = size // 8 // (2 ** i)
        scale["hw"] = hw
        h = cbs(t, c, 64)
        h = g.conv(h, 64, 84, 1, pad=0, hw=(hw, hw))
        outs.append(g.op("Reshape", [h, g.const([0, 84, -1])]))
    g.op("Concat", outs, axis=2)
    g.nodes[-1].output[0] = "detections"
    inp = helper.make_tensor_value_info(x, TensorProto.FLOAT,
                                        ["N", 3, "H", "W"])
    model = _model(g, "yolo_like", [inp], [_out("detections")])
    feed = {x: g.rng.standard_normal((1, 3, size, size)).astype(np.float32)}
    return model, feed, g.flops


# Transformers ---------------------------------------------------------------

def _attention_layer(g, x, rows, seq, hidden, heads, mask_add=None,
                     causal=None, pre_norm=False, gelu="erf", cache=None):
    """One transformer layer on x [B, S, hidden]: multi-head attention with
    an additive mask (mask_add, [B, 1, 1, S]) or a causal one (causal: a
    bool [1, 1, S, S] keep-mask), then the feed-forward network. cache:
    (past keys, past values, names of the present ones), a decoder step's,
    to which the rows' keys and values are appended (Concat along the
    sequence) before attention reads them."""
    d = hidden // heads
    split = g.const([0, 0, heads, d])
    merge = g.const([0, 0, hidden])
    h = g.layernorm(x, hidden) if pre_norm else x

    def project(perm):
        t = g.op("Reshape", [g.matmul(h, hidden, hidden, rows), split])
        return g.op("Transpose", [t], perm=perm)
    q = project([0, 2, 1, 3])
    if cache is None:
        k = project([0, 2, 3, 1])
        v = project([0, 2, 1, 3])
    else:
        def append(past, name):
            g.op("Concat", [past, project([0, 2, 1, 3])], axis=2)
            g.nodes[-1].output[0] = name
            return name
        past_k, past_v, (present_k, present_v) = cache
        k = g.op("Transpose", [append(past_k, present_k)], perm=[0, 1, 3, 2])
        v = append(past_v, present_v)
    scores = g.op("MatMul", [q, k])
    g.flops += 2.0 * rows * seq * hidden
    scores = g.op("Div", [scores, g.const(float(d) ** 0.5, np.float32)])
    if mask_add is not None:
        scores = g.op("Add", [scores, mask_add])
    if causal is not None:
        scores = g.op("Where", [causal, scores,
                                g.const(-1e9, np.float32)])
    probs = g.op("Softmax", [scores], axis=-1)
    ctx = g.op("MatMul", [probs, v])
    g.flops += 2.0 * rows * seq * hidden
    ctx = g.op("Reshape", [g.op("Transpose", [ctx], perm=[0, 2, 1, 3]),
                           merge])
    attn = g.matmul(ctx, hidden, hidden, rows)
    x = g.op("Add", [x, attn])
    if not pre_norm:
        x = g.layernorm(x, hidden)
    h = g.layernorm(x, hidden) if pre_norm else x
    f = g.matmul(h, hidden, 4 * hidden, rows)
    if gelu == "erf":
        f = g.gelu_erf(f)
    else:
        cube = g.op("Mul", [g.op("Mul", [f, f]), f])
        inner = g.op("Mul", [g.op("Add", [f, g.op("Mul", [
            cube, g.const(0.044715, np.float32)])]),
            g.const((2 / np.pi) ** 0.5, np.float32)])
        f = g.op("Mul", [g.op("Mul", [f, g.const(0.5, np.float32)]),
                         g.op("Add", [g.op("Tanh", [inner]),
                                      g.const(1.0, np.float32)])])
    f = g.matmul(f, 4 * hidden, hidden, rows)
    x = g.op("Add", [x, f])
    if not pre_norm:
        x = g.layernorm(x, hidden)
    return x


def _embed(g, ids, vocab, seq, hidden):
    tok = g.op("Gather", [g.weight(vocab, hidden, scale=0.02), ids], axis=0)
    pos = g.op("Slice", [g.weight(512, hidden, scale=0.02), g.const([0]),
                         g.op("Gather", [g.op("Shape", [ids]), g.const([1])]),
                         g.const([0])])
    return g.op("Add", [tok, pos])


def bert_encoder(seq=128, hidden=256, heads=4, layers=4, vocab=8000):
    g = Graph(4)
    ids, mask = "input_ids", "attention_mask"
    x = g.layernorm(_embed(g, ids, vocab, seq, hidden), hidden)
    # (1 - mask) * -10000, as [B, 1, 1, S].
    m = g.op("Cast", [g.op("Unsqueeze", [mask, g.const([1, 2])])],
             to=TensorProto.FLOAT)
    m = g.op("Mul", [g.op("Sub", [g.const(1.0, np.float32), m]),
                     g.const(-10000.0, np.float32)])
    for _ in range(layers):
        x = _attention_layer(g, x, seq, seq, hidden, heads, mask_add=m)
    g.nodes[-1].output[0] = "hidden_states"
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, ["B", "S"])
              for n in (ids, mask)]
    model = _model(g, "bert_encoder", inputs, [_out("hidden_states")])
    attention = np.ones((1, seq), np.int64)
    attention[:, seq - seq // 8:] = 0
    feed = {ids: g.rng.integers(0, vocab, (1, seq)).astype(np.int64),
            mask: attention}
    return model, feed, g.flops


def gpt_decoder(seq=128, hidden=256, heads=4, layers=4, vocab=2000):
    g = Graph(5)
    ids = "input_ids"
    x = _embed(g, ids, vocab, seq, hidden)
    s = g.op("Gather", [g.op("Shape", [ids]), g.const([1])])
    tri = g.const(np.tril(np.ones((512, 512), bool)).reshape(1, 1, 512, 512),
                  np.bool_)
    zero2 = g.const([0, 0])
    causal = g.op("Slice", [tri, zero2, g.op("Concat", [s, s], axis=0),
                            g.const([2, 3])])
    for _ in range(layers):
        x = _attention_layer(g, x, seq, seq, hidden, heads, causal=causal,
                             pre_norm=True, gelu="tanh")
    x = g.layernorm(x, hidden)
    g.matmul(x, hidden, vocab, seq, bias=False)
    g.nodes[-1].output[0] = "logits"
    inp = helper.make_tensor_value_info(ids, TensorProto.INT64, ["B", "S"])
    model = _model(g, "gpt_decoder", [inp], [_out("logits")])
    feed = {ids: g.rng.integers(0, vocab, (1, seq)).astype(np.int64)}
    return model, feed, g.flops


def gpt_decode_step(past=511, hidden=256, heads=4, layers=4, vocab=2000):
    """One step of generation with a key-value cache, as exporters emit a
    decoder "with past": one token's ids, each layer's cached keys and
    values [B, heads, P, d] in, the logits and the caches grown by the
    token's keys and values (Concat along the sequence) out."""
    g = Graph(6)
    ids = "input_ids"
    d = hidden // heads
    pasts = [(f"past_key_values.{i}.key", f"past_key_values.{i}.value")
             for i in range(layers)]
    # The token's position: the cache's length.
    start = g.op("Slice", [g.op("Shape", [pasts[0][0]]), g.const([2]),
                           g.const([3])])
    pos = g.op("Slice", [g.weight(1024, hidden, scale=0.02), start,
                         g.op("Add", [start, g.const([1])]), g.const([0])])
    x = g.op("Add", [g.op("Gather", [g.weight(vocab, hidden, scale=0.02),
                                     ids], axis=0), pos])
    outputs = [_out("logits")]
    for i, (past_k, past_v) in enumerate(pasts):
        present = (f"present.{i}.key", f"present.{i}.value")
        outputs += [_out(n) for n in present]
        x = _attention_layer(g, x, 1, past + 1, hidden, heads, pre_norm=True,
                             cache=(past_k, past_v, present))
    x = g.layernorm(x, hidden)
    g.matmul(x, hidden, vocab, 1, bias=False)
    g.nodes[-1].output[0] = "logits"
    inputs = [helper.make_tensor_value_info(ids, TensorProto.INT64, ["B", 1])]
    for pk, pv in pasts:
        inputs += [helper.make_tensor_value_info(n, TensorProto.FLOAT,
                                                 ["B", heads, "P", d])
                   for n in (pk, pv)]
    model = _model(g, "gpt_decode_step", inputs, outputs)
    feed = {ids: g.rng.integers(0, vocab, (1, 1)).astype(np.int64)}
    for pk, pv in pasts:
        for n in (pk, pv):
            feed[n] = g.rng.standard_normal((1, heads, past, d)).astype(
                np.float32)
    return model, feed, g.flops


# Sequence models ------------------------------------------------------------

def crnn_lstm(width=256, hidden=128, classes=80):
    g = Graph(6)
    x = "line"
    y, c, h, w = x, 1, 32, width
    for cout, pool in [(32, (2, 2)), (64, (2, 2)), (128, (2, 1)),
                       (128, (2, 1)), (256, (2, 1))]:
        y = g.op("Relu", [g.conv(y, c, cout, 3, hw=(h, w))])
        y = g.op("MaxPool", [y], kernel_shape=list(pool), strides=list(pool))
        c, h, w = cout, h // pool[0], w // pool[1]
    # [N, 256, 1, T] -> [T, N, 256]
    seq = g.op("Transpose", [g.op("Squeeze", [y, g.const([2])])],
               perm=[2, 0, 1])
    wi = g.weight(2, 4 * hidden, c, scale=c ** -0.5)
    wr = g.weight(2, 4 * hidden, hidden, scale=hidden ** -0.5)
    bias = g.weight(2, 8 * hidden, scale=0.01)
    out = g.op("LSTM", [seq, wi, wr, bias], outputs=3, hidden_size=hidden,
               direction="bidirectional")[0]
    g.flops += 2.0 * w * 2 * 4 * hidden * (c + hidden)
    # [T, 2, N, hidden] -> [T, N, 2 * hidden]
    out = g.op("Reshape", [g.op("Transpose", [out], perm=[0, 2, 1, 3]),
                           g.const([0, 0, 2 * hidden])])
    logits = g.matmul(out, 2 * hidden, classes, w)
    g.op("LogSoftmax", [logits], axis=-1)
    g.nodes[-1].output[0] = "log_probs"
    inp = helper.make_tensor_value_info(x, TensorProto.FLOAT,
                                        ["N", 1, 32, "W"])
    model = _model(g, "crnn_lstm", [inp], [_out("log_probs")])
    feed = {x: g.rng.standard_normal((1, 1, 32, width)).astype(np.float32)}
    return model, feed, g.flops


def audio_frontend(samples=16000, channels=256, dim=256):
    g = Graph(7)
    x = "audio"
    y = g.op("Unsqueeze", [x, g.const([1])])
    c, n = 1, samples
    for k, s in [(10, 5), (3, 2), (3, 2), (3, 2), (3, 2), (2, 2), (2, 2)]:
        n = (n - k) // s + 1
        y = g.op("Conv", [y, g.weight(channels, c, k)], kernel_shape=[k],
                 strides=[s])
        g.flops += 2.0 * channels * n * c * k
        y = g.gelu_erf(y)
        c = channels
    y = g.layernorm(g.op("Transpose", [y], perm=[0, 2, 1]), c)
    g.matmul(y, c, dim, n)
    g.nodes[-1].output[0] = "features"
    inp = helper.make_tensor_value_info(x, TensorProto.FLOAT, ["N", "T"])
    model = _model(g, "audio_frontend", [inp], [_out("features")])
    feed = {x: g.rng.standard_normal((1, samples)).astype(np.float32)}
    return model, feed, g.flops


SUITE = [
    ("resnet18", resnet18),
    ("mobilenet_v2", mobilenet_v2),
    ("yolo_like", yolo_like),
    ("bert_encoder", bert_encoder),
    ("gpt_decoder", gpt_decoder),
    ("gpt_decode_step", gpt_decode_step),
    ("crnn_lstm", crnn_lstm),
    ("audio_frontend", audio_frontend),
]
