"""Compares a 2-D Conv's outputs with numpy's, for the CUDA lit tests.

usage: conv_reference.py DIR OUTPUT X W PAD STRIDE DILATION DTYPE

Reads DIR/X.npy and DIR/W.npy, computes the convolution in float64 (the
test's inputs make every sum exact), rounds it to DTYPE and prints, for
each of the runs' folders DIR/out, DIR/swap and DIR/skip that exist,
"<folder> OUTPUT equal" when DIR/<folder>/OUTPUT.npy holds exactly those
values, else "<folder> OUTPUT differ".
"""

import os
import sys

import numpy as np


def conv(x, w, pad, stride, dilation):
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, _, h, wd = x.shape
    f, _, kh, kw = w.shape
    oh = (h - dilation * (kh - 1) - 1) // stride + 1
    ow = (wd - dilation * (kw - 1) - 1) // stride + 1
    y = np.zeros((n, f, oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = x[:, :, i * stride:i * stride + dilation * (kh - 1) + 1:dilation,
                       j * stride:j * stride + dilation * (kw - 1) + 1:dilation]
            y[:, :, i, j] = np.einsum("nchw,fchw->nf", window, w)
    return y


def main():
    folder, output, x, w, pad, stride, dilation, dtype = sys.argv[1:]
    load = lambda name: np.load(os.path.join(folder, name + ".npy")).astype(np.float64)
    ref = conv(load(x), load(w), int(pad), int(stride), int(dilation)).astype(dtype)
    for run in ["out", "swap", "skip"]:
        path = os.path.join(folder, run, output + ".npy")
        if os.path.exists(path):
            print(run, output, "equal" if np.array_equal(np.load(path), ref) else "differ")


if __name__ == "__main__":
    main()
