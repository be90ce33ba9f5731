#!/usr/bin/env python3
"""Compiles the real architectures of bench/model_suite.py (ResNet-18,
MobileNetV2, a YOLO-style detector with symbolic H and W, BERT- and
GPT-style transformers, a CRNN with a bidirectional LSTM, a wav2vec2-style
audio front end) at -O3 with their symbolic dims kept, runs each on its
benchmark feed and on a second shape, and compares every output with ONNX
Runtime. The benchmark measures them; this checks that what it measures is
right, on the paths real models take (fusion around attention, the direct
and transposed convolution kernels, split code generation).

  test_model_suite.py --build-dir build [-k name]

Ends with the summary line `N passed, N failed`.
"""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench"))
from kiln_harness import Kiln, check_against_onnxruntime  # noqa: E402
from model_suite import SUITE  # noqa: E402


def second_feed(feed):
    """The feed at another size of its symbolic dims where a model has
    them: images at 256x192 (YOLO) or 32x128 (CRNN), sequences (or a
    decoder step's cache) of 77."""
    import numpy as np
    rng = np.random.default_rng(7)
    out = {}
    for name, value in feed.items():
        shape = list(value.shape)
        if name == "image" and shape[2] == 320:
            shape[2:] = [256, 192]
        elif name == "line":
            shape[3] = 128
        elif name in ("input_ids", "attention_mask") and shape[1] > 1:
            shape[1] = 77
        elif name.startswith("past_key_values."):
            shape[2] = 77  # a decoder step's cache
        elif name == "audio":
            shape[1] = 8000
        if value.dtype == np.int64:
            high = 2 if name == "attention_mask" else int(value.max()) + 1
            v = rng.integers(0, high, shape).astype(np.int64)
            if name == "attention_mask":
                v[:, 0] = 1
            out[name] = v
        else:
            out[name] = rng.standard_normal(shape).astype(value.dtype)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("-k", default="")
    args = ap.parse_args()
    kiln = Kiln(os.path.abspath(args.build_dir))
    passed = failed = 0
    for name, build in SUITE:
        if not re.search(args.k, name):
            continue
        model, feed, _ = build()
        feeds = [feed]
        # A second shape where the model has symbolic dims to vary.
        second = second_feed(feed)
        if any(second[k].shape != v.shape for k, v in feed.items()):
            feeds.append(second)
        # Activations of the deep CNNs grow to ~1e2: compare relatively.
        why = check_against_onnxruntime(kiln, model, feeds, ["-O3"],
                                        rtol=1e-3, atol=1e-3, name=name)
        if why:
            failed += 1
            print(f"FAIL {name}: {why}")
        else:
            passed += 1
            print(f"PASS {name}")
    print(f"model suite vs onnxruntime: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
