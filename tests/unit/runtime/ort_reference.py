"""ONNX Runtime's output for the input ort_cxx_onnx_program feeds
(image[i] = sin(0.01 * i), [2, 3, 48, 40]): written as raw float32 to the
file given, for the C++ program to compare with its own (ctest
ort_cxx_api_onnx)."""

import sys

import numpy as np
import onnxruntime as ort


def main(model, out):
    image = np.sin(np.float32(0.01) * np.arange(2 * 3 * 48 * 40,
                                                dtype=np.float32))
    sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    (probs,) = sess.run(["probs"], {"image": image.reshape(2, 3, 48, 40)})
    probs.astype(np.float32).tofile(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
