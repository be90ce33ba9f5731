#!/usr/bin/env python3
"""Exports small real architectures with PyTorch's ONNX exporters (run by
hand; torch is not needed by the tests). Weights are random (seeded): no
model hub is reachable, and the `transformers` models are built from tiny
configs. The .onnx files are checked in under exported/ and compared with
ONNX Runtime by test_vs_onnxruntime.py (model_zoo.py lists them).

  pip install torch torchvision transformers onnxscript
  python3 tests/models/export_torch_models.py [name ...]

With no name every model is exported; the names are those of MODELS below
(mobilenet_v2_035, bert_dynamo, lstm_legacy, ...). The first three need
torchvision; the corpus of the transformer, CNN and RNN architectures
(`*_dynamo`: torch.onnx.export(dynamo=True), the default exporter of
PyTorch 2.x, at its default opset; `*_dynamo18`, `*_dynamo23`: the same at
opsets 18 and 23; `*_legacy`: the TorchScript exporter at opset 17) needs
transformers and onnxscript. Regenerating the files the tests already have
with another torch or transformers version changes their bytes, not what
they test.
"""
import os
import sys

import onnx
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exported")
LEGACY_OPSET = 17


class WithSoftmax(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.softmax(self.net(x), dim=-1)


class TinyEncoder(torch.nn.Module):
    """A transformer encoder layer plus mean pooling and a classifier head:
    MatMul/Gemm, Softmax, LayerNormalization, ReduceMean, Erf-GELU."""

    def __init__(self, d=32, heads=4):
        super().__init__()
        self.layer = torch.nn.TransformerEncoderLayer(
            d, heads, dim_feedforward=64, activation="gelu", batch_first=True,
            dropout=0.0)
        self.head = torch.nn.Linear(d, 5)

    def forward(self, x):
        return self.head(self.layer(x).mean(dim=1))


def export(model, example, name, axes):
    """The first three models (legacy exporter, one input `input`)."""
    model.eval()
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, example, path, opset_version=17,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": axes, "output": {0: "batch"}},
                      dynamo=False)
    print("wrote", path, os.path.getsize(path), "bytes")


def mobilenet_v2_035():
    import torchvision
    export(WithSoftmax(torchvision.models.mobilenet_v2(
        weights=None, num_classes=10, width_mult=0.35)),
        torch.randn(1, 3, 64, 64), "mobilenet_v2_035",
        {0: "batch", 2: "height", 3: "width"})


def mobilenet_v3_small_050():
    import torchvision
    export(WithSoftmax(torchvision.models.mobilenet_v3_small(
        weights=None, num_classes=10, width_mult=0.5)),
        torch.randn(1, 3, 64, 64), "mobilenet_v3_small_050",
        {0: "batch", 2: "height", 3: "width"})


def tiny_encoder():
    export(TinyEncoder(), torch.randn(2, 7, 32), "tiny_encoder",
           {0: "batch", 1: "seq"})


# --- The exporter corpus: transformers, a CNN and an LSTM, both exporters.

VOCAB = 100


class Outputs(torch.nn.Module):
    """Calls a transformers model with keyword inputs and returns the named
    fields of its output as a tuple (exporters want tensors out)."""

    def __init__(self, net, input_names, fields, **fixed):
        super().__init__()
        self.net, self.fields, self.fixed = net, fields, fixed
        self.input_names = input_names

    def call(self, *args):
        out = self.net(**dict(zip(self.input_names, args)), **self.fixed)
        return tuple(getattr(out, f) for f in self.fields)


class Outputs1(Outputs):
    def forward(self, a):
        return self.call(a)


class Outputs2(Outputs):
    def forward(self, a, b):
        return self.call(a, b)


def wrap(net, input_names, fields, **fixed):
    cls = Outputs1 if len(input_names) == 1 else Outputs2
    return cls(net, input_names, fields, **fixed)


def bert():
    from transformers import BertConfig, BertModel
    cfg = BertConfig(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2,
                     num_attention_heads=4, intermediate_size=64,
                     max_position_embeddings=64, type_vocab_size=2)
    return (wrap(BertModel(cfg), ["input_ids", "attention_mask"],
                 ["last_hidden_state", "pooler_output"]),
            _tokens_and_mask(), ["last_hidden_state", "pooler_output"],
            {"input_ids": {0: "batch", 1: "seq"},
             "attention_mask": {0: "batch", 1: "seq"}})


def gpt2():
    from transformers import GPT2Config, GPT2LMHeadModel
    cfg = GPT2Config(vocab_size=VOCAB, n_positions=64, n_embd=32, n_layer=2,
                     n_head=4, use_cache=False)
    # With an attention mask: without one, transformers looks for packed
    # sequences in the position ids (aten::diff, which opset 17 lacks).
    return (wrap(GPT2LMHeadModel(cfg), ["input_ids", "attention_mask"],
                 ["logits"], use_cache=False),
            _tokens_and_mask(), ["logits"],
            {"input_ids": {0: "batch", 1: "seq"},
             "attention_mask": {0: "batch", 1: "seq"}})


def t5_encoder():
    from transformers import T5Config, T5EncoderModel
    cfg = T5Config(vocab_size=VOCAB, d_model=32, d_kv=8, d_ff=64,
                   num_layers=2, num_heads=4,
                   relative_attention_num_buckets=8,
                   relative_attention_max_distance=16)
    return (wrap(T5EncoderModel(cfg), ["input_ids", "attention_mask"],
                 ["last_hidden_state"]),
            _tokens_and_mask(), ["last_hidden_state"],
            {"input_ids": {0: "batch", 1: "seq"},
             "attention_mask": {0: "batch", 1: "seq"}})


def vit():
    from transformers import ViTConfig, ViTModel
    cfg = ViTConfig(image_size=32, patch_size=8, num_channels=3,
                    hidden_size=32, num_hidden_layers=2,
                    num_attention_heads=4, intermediate_size=64)
    return (wrap(ViTModel(cfg), ["pixel_values"],
                 ["last_hidden_state", "pooler_output"]),
            (torch.randn(2, 3, 32, 32),),
            ["last_hidden_state", "pooler_output"],
            {"pixel_values": {0: "batch"}})


def whisper_encoder():
    # The encoder wants exactly 2 * max_source_positions frames.
    from transformers import WhisperConfig
    from transformers.models.whisper.modeling_whisper import WhisperEncoder
    cfg = WhisperConfig(num_mel_bins=16, d_model=32, encoder_layers=2,
                        encoder_attention_heads=4, encoder_ffn_dim=64,
                        max_source_positions=24, vocab_size=VOCAB)
    return (wrap(WhisperEncoder(cfg), ["input_features"],
                 ["last_hidden_state"]),
            (torch.randn(2, 16, 48),), ["last_hidden_state"],
            {"input_features": {0: "batch"}})


class SmallCnn(torch.nn.Module):
    """Conv/BatchNorm/ReLU/MaxPool twice, global average pool, Linear."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.MaxPool2d(2), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(16, 10)

    def forward(self, image):
        return self.fc(self.features(image))


def cnn():
    m = SmallCnn()
    with torch.no_grad():  # non-trivial running statistics
        for bn in (m.features[1], m.features[5]):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 1.5)
    return (m, (torch.randn(2, 3, 32, 32),), ["logits"],
            {"image": {0: "batch", 2: "height", 3: "width"}})


class Lstm(torch.nn.Module):
    """Two batch-first LSTM layers and a Linear head on every step."""

    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(8, 16, num_layers=2, batch_first=True)
        self.head = torch.nn.Linear(16, 4)

    def forward(self, x):
        y, (h, c) = self.lstm(x)
        return self.head(y), h, c


def lstm():
    return (Lstm(), (torch.randn(2, 5, 8),), ["y", "h", "c"],
            {"x": {0: "batch", 1: "seq"}})


def _tokens_and_mask():
    ids = torch.randint(0, VOCAB, (2, 7))
    mask = torch.ones(2, 7, dtype=torch.int64)
    mask[1, 5:] = 0
    return ids, mask


def export_corpus(name, build, kind):
    """kind: "legacy" (TorchScript exporter, opset 17), "dynamo" (the
    default opset of the installed torch) or "dynamoNN" (opset NN: 18, the
    first the dynamo exporter writes; 23, where scaled dot-product attention
    becomes the Attention function op and T5's norm RMSNormalization)."""
    dynamo = kind.startswith("dynamo")
    opset = int(kind[len("dynamo"):]) if dynamo and kind != "dynamo" else None
    torch.manual_seed(0)
    model, example, outputs, axes = build()
    model.eval()
    inputs = getattr(model, "input_names", None) or list(axes)
    path = os.path.join(OUT, name + ".onnx")
    with torch.no_grad():
        if dynamo:
            # Named dims, one torch.export.Dim per axis name.
            dims = {}
            shapes = tuple(
                {i: dims.setdefault(n, torch.export.Dim(n))
                 for i, n in axes[name_].items()} for name_ in inputs)
            prog = torch.onnx.export(model, example, dynamo=True,
                                     input_names=inputs,
                                     output_names=outputs,
                                     dynamic_shapes=shapes,
                                     opset_version=opset,
                                     external_data=False)
            prog.save(path, external_data=False)
        else:
            torch.onnx.export(model, example, path, dynamo=False,
                              opset_version=LEGACY_OPSET, input_names=inputs,
                              output_names=outputs, dynamic_axes=axes)
    m = onnx.load(path)
    opset = [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")]
    print(f"wrote {path}: {os.path.getsize(path)} bytes, opset {opset}")


CORPUS = {
    "bert": (bert, ("dynamo", "legacy", "dynamo18", "dynamo23")),
    "gpt2": (gpt2, ("dynamo", "legacy", "dynamo23")),
    "vit": (vit, ("dynamo", "legacy")),
    "whisper_encoder": (whisper_encoder, ("dynamo", "legacy", "dynamo23")),
    "t5_encoder": (t5_encoder, ("dynamo", "legacy", "dynamo23")),
    "cnn": (cnn, ("dynamo", "legacy")),
    "lstm": (lstm, ("dynamo", "legacy")),
}

MODELS = {
    "mobilenet_v2_035": mobilenet_v2_035,
    "mobilenet_v3_small_050": mobilenet_v3_small_050,
    "tiny_encoder": tiny_encoder,
}
for _base, (_build, _kinds) in CORPUS.items():
    for _kind in _kinds:
        MODELS[f"{_base}_{_kind}"] = (
            lambda n=f"{_base}_{_kind}", b=_build, k=_kind:
            export_corpus(n, b, k))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)  # once: the first three share one random stream
    for name in sys.argv[1:] or list(MODELS):
        MODELS[name]()


if __name__ == "__main__":
    main()
