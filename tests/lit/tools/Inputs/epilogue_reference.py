"""Compares cuda-host-kernels-epilogue.onnxtxt's outputs with numpy's.

usage: epilogue_reference.py DIR

Reads the inputs DIR/*.npy and the outputs DIR/out/{y,m,z}.npy, computes
the model in float64 (its inputs make every sum exact), rounds each output
to its type and prints "<output> equal" or "<output> differ".
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from conv_reference import conv  # noqa: E402


def main():
    folder = sys.argv[1]
    v = {n: np.load(os.path.join(folder, n + ".npy")).astype(np.float64)
         for n in ["x", "w", "b", "r", "a", "c"]}
    y = np.maximum(conv(v["x"], v["w"], 0, 1, 1) + v["b"][None, :, None, None] + v["r"], 0)
    ref = {
        "y": y.astype(np.float32),
        "m": y.mean(axis=(2, 3)).astype(np.float32),
        "z": np.maximum(v["a"] @ v["c"], 0).astype(np.float16),
    }
    for name in ["y", "m", "z"]:
        out = np.load(os.path.join(folder, "out", name + ".npy"))
        print(name, "equal" if np.array_equal(out, ref[name]) else "differ")


if __name__ == "__main__":
    main()
