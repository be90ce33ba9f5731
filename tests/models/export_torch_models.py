#!/usr/bin/env python3
"""Exports small real architectures with PyTorch's ONNX exporter (run once by
hand; torch is not needed by the tests). Weights are random (seeded): no
model hub is reachable. The .onnx files are checked in under exported/.

  python3 tests/models/export_torch_models.py
"""
import os

import torch
import torchvision

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exported")


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
    model.eval()
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, example, path, opset_version=17,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": axes, "output": {0: "batch"}},
                      dynamo=False)
    print("wrote", path, os.path.getsize(path), "bytes")


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    export(WithSoftmax(torchvision.models.mobilenet_v2(
        weights=None, num_classes=10, width_mult=0.35)),
        torch.randn(1, 3, 64, 64), "mobilenet_v2_035",
        {0: "batch", 2: "height", 3: "width"})
    export(WithSoftmax(torchvision.models.mobilenet_v3_small(
        weights=None, num_classes=10, width_mult=0.5)),
        torch.randn(1, 3, 64, 64), "mobilenet_v3_small_050",
        {0: "batch", 2: "height", 3: "width"})
    export(TinyEncoder(), torch.randn(2, 7, 32), "tiny_encoder",
           {0: "batch", 1: "seq"})


if __name__ == "__main__":
    main()
