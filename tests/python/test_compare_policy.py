"""The tolerances the conformance runner and the model tests compare with
(tests/models/kiln_harness.py, docs/conformance.md): float32 within rtol
1e-3 / atol 1e-5, bfloat16 within ONNX's runner's 2**-6, float16 also
within two float16 ULPs of the expected value, and nothing wider."""

import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "models"))
from kiln_harness import compare  # noqa: E402


def ulps_away(values, n, dtype):
    """`values` moved `n` ULPs up in `dtype`."""
    out = np.asarray(values, dtype)
    for _ in range(n):
        out = np.nextafter(out, np.asarray(np.inf, dtype))
    return out


class ComparePolicyTest(unittest.TestCase):

    def test_float16_within_two_ulps(self):
        # test_attention_4d_causal_fp16's worst value: Kiln's 0.469 against
        # the reference's 0.4695, two float16 ULPs, 1.04e-3 relative.
        expected = np.array([0.4695, 0.25, 1000.0, -3.5], np.float16)
        self.assertIsNone(compare(ulps_away(expected, 2, np.float16),
                                  expected))
        self.assertIsNone(compare(np.float16([0.469]), np.float16([0.4695])))
        why = compare(ulps_away(expected, 3, np.float16), expected)
        self.assertIsNotNone(why)
        self.assertIn("values differ", why)

    def test_float32_unchanged(self):
        expected = np.array([0.4695, 1000.0], np.float32)
        self.assertIsNone(compare(expected * (1 + 9e-4), expected))
        self.assertIsNotNone(compare(expected * (1 + 2e-3), expected))

    def test_nan_and_inf_in_float16(self):
        expected = np.array([np.nan, np.inf, -np.inf], np.float16)
        self.assertIsNone(compare(expected.copy(), expected))
        self.assertIsNotNone(compare(np.float16([np.nan, np.inf, 65504.0]),
                                     expected))


if __name__ == "__main__":
    unittest.main()
