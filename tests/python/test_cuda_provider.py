"""providers=['CUDAExecutionProvider', ...] without a GPU.

In this process (no CUDA driver, or the machine's own): the fallback to
the CPU when the CPU provider is listed too, the error when it is not, the
provider options' checks. In child processes whose LD_LIBRARY_PATH finds
the tests' fake libcuda.so.1 (tests/unit/runtime/fakes/fake_cuda_driver.c,
in the build tree): a session that compiles for the fake device's sm_80,
opens on it, reports CUDA, and launches its kernel; and device_id's
fallback. The fake driver runs no compiled kernel, so no output is
compared here (scripts/gpu-check.sh does that on a GPU).
"""

import os
import subprocess
import sys
import textwrap
import unittest
import warnings

import numpy as np
import onnx.helper as oh
from onnx import TensorProto

import kiln

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from private_cache import PrivateCacheCase  # noqa: E402

BUILD_DIR = os.environ.get("KILN_BUILD_DIR", "build")
FAKE_DRIVER_DIR = os.path.join(BUILD_DIR, "tests", "unit", "runtime",
                               "fake_cuda_driver")


def exp_model():
    """y = Exp(x) + 1, x is [n, 3]."""
    graph = oh.make_graph(
        [oh.make_node("Exp", ["x"], ["e"]),
         oh.make_node("Add", ["e", "one"], ["y"])],
        "g",
        [oh.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])],
        [oh.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])],
        [oh.make_tensor("one", TensorProto.FLOAT, [], [1.0])])
    return oh.make_model(graph, opset_imports=[oh.make_opsetid("", 17)])


def has_cuda_driver():
    try:
        kiln._runtime.cuda_device_chip(0)
        return True
    except kiln.EPFail:
        return False


class NoDeviceTest(PrivateCacheCase):
    def setUp(self):
        if has_cuda_driver():
            self.skipTest("this machine has a usable CUDA device")
        self.model = exp_model().SerializeToString()

    def test_available_providers_are_the_cpu(self):
        self.assertEqual(kiln.get_available_providers(),
                         ["CPUExecutionProvider"])

    def test_falls_back_when_the_cpu_is_listed(self):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sess = kiln.InferenceSession(
                self.model,
                providers=["CUDAExecutionProvider", "CPUExecutionProvider"])
        self.assertEqual(sess.get_providers(), ["CPUExecutionProvider"])
        self.assertEqual(list(sess.get_provider_options()),
                         ["CPUExecutionProvider"])
        text = " ".join(str(w.message) for w in caught)
        self.assertIn("CUDAExecutionProvider is not available: ", text)
        self.assertIn("libcuda.so.1", text)
        self.assertIn("falling back to CPUExecutionProvider", text)
        x = np.zeros((2, 3), np.float32)
        np.testing.assert_allclose(sess.run(None, {"x": x})[0], x + 2)

    def test_cuda_alone_is_an_error(self):
        with self.assertRaises(kiln.EPFail) as ctx:
            kiln.InferenceSession(self.model,
                                  providers=["CUDAExecutionProvider"])
        self.assertIn("the CUDA driver (libcuda.so.1) cannot be loaded",
                      str(ctx.exception))

    def test_the_cpu_first_never_tries_cuda(self):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sess = kiln.InferenceSession(
                self.model,
                providers=["CPUExecutionProvider", "CUDAExecutionProvider"])
        self.assertEqual(sess.get_providers(), ["CPUExecutionProvider"])
        self.assertEqual(caught, [])

    def test_bad_provider_options(self):
        for options in ({"device_id": "x"}, {"device_id": -1},
                        {"gpu_mem_limit": "lots"}):
            with self.assertRaises(kiln.InvalidArgument) as ctx:
                kiln.InferenceSession(
                    self.model,
                    providers=[("CUDAExecutionProvider", options),
                               "CPUExecutionProvider"])
            self.assertIn("[CUDAExecutionProvider] invalid",
                          str(ctx.exception))


@unittest.skipUnless(
    os.path.exists(os.path.join(FAKE_DRIVER_DIR, "libcuda.so.1")),
    "the fake CUDA driver is not built")
class FakeDriverTest(PrivateCacheCase):
    """Each case runs in a child process that loads the fake driver."""

    def run_child(self, body):
        script = textwrap.dedent("""
            import os, sys, warnings
            import numpy as np
            sys.path.insert(0, {here!r})
            import kiln
            from test_cuda_provider import exp_model
            model = exp_model().SerializeToString()
            x = np.zeros((2, 3), np.float32)
        """).format(here=os.path.dirname(os.path.abspath(__file__)))
        env = dict(os.environ)
        env["LD_LIBRARY_PATH"] = FAKE_DRIVER_DIR
        log = os.path.join(self.tmp, "driver.log")
        env["FAKE_CUDA_LOG_FILE"] = log
        proc = subprocess.run([sys.executable, "-c",
                               script + textwrap.dedent(body)],
                              env=env, capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(log) as f:
            return proc.stdout, f.read()

    def test_session_runs_on_the_device(self):
        out, log = self.run_child("""
            print(kiln.get_available_providers())
            sess = kiln.InferenceSession(
                model, providers=[("CUDAExecutionProvider",
                                   {"device_id": 0, "gpu_mem_limit": 1 << 20}),
                                  "CPUExecutionProvider"])
            print(sess.get_providers())
            print(sess.get_provider_options()["CUDAExecutionProvider"])
            print(sess.run(None, {"x": x})[0].shape)
        """)
        lines = out.splitlines()
        self.assertEqual(lines[0],
                         "['CUDAExecutionProvider', 'CPUExecutionProvider']")
        self.assertEqual(lines[1],
                         "['CUDAExecutionProvider', 'CPUExecutionProvider']")
        self.assertIn("'device_id': '0'", lines[2])
        self.assertIn("'gpu_mem_limit': '1048576'", lines[2])
        self.assertEqual(lines[3], "(2, 3)")
        # Compiled for the fake device's architecture, loaded, launched.
        self.assertIn("load sm_80\n", log)
        self.assertIn("launch main_kernel grid 1 1 1 block 256 1 1", log)

    def test_a_device_id_out_of_range_falls_back(self):
        out, _ = self.run_child("""
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                sess = kiln.InferenceSession(
                    model, providers=[("CUDAExecutionProvider",
                                       {"device_id": 3}),
                                      "CPUExecutionProvider"])
            print(sess.get_providers())
            print(" ".join(str(w.message) for w in caught))
            print(sess.run(None, {"x": x})[0][0, 0])
        """)
        lines = out.splitlines()
        self.assertEqual(lines[0], "['CPUExecutionProvider']")
        self.assertIn("CUDA device_id 3 is out of range: this machine has 1 "
                      "CUDA device", lines[1])
        self.assertEqual(lines[2], "2.0")


if __name__ == "__main__":
    unittest.main()
