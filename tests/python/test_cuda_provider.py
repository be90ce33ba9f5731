"""providers=['CUDAExecutionProvider', ...] without a GPU.

In this process (no CUDA driver, or the machine's own): the fallback to
the CPU when the CPU provider is listed too, the error when it is not, the
provider options' checks. In child processes whose LD_LIBRARY_PATH finds
the tests' fake libcuda.so.1 (tests/unit/runtime/fakes/fake_cuda_driver.c,
in the build tree): a session that compiles for the fake device's sm_80,
opens on it, reports CUDA, and launches its kernel; and device_id's
fallback. The fake driver runs no compiled kernel there, so no output is
compared (scripts/gpu-check.sh does that on a GPU).

CpuCopyTest: precompiled CUDA artifacts (kiln-compile --provider=cuda,cpu
carries a CPU copy of the model) without a driver, with the toolkit's stub
and with the fake driver, which runs their kernels' host copies
(--cuda-host-kernels), so every output is compared.
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
STUB_DRIVER_DIR = os.path.join(BUILD_DIR, "tests", "unit", "runtime",
                               "cuda_stub")
KILN_COMPILE = os.path.join(BUILD_DIR, "bin", "kiln-compile")


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


def run_child(test, driver_dir, body, env=None):
    """Runs `body` in a Python child whose libcuda.so.1 is `driver_dir`'s,
    with `model` (exp_model's bytes) and `x` defined; its stdout and the
    fake driver's log ("" for other drivers)."""
    script = textwrap.dedent("""
        import os, sys, warnings
        import numpy as np
        sys.path.insert(0, {here!r})
        import kiln
        from test_cuda_provider import exp_model
        model = exp_model().SerializeToString()
        x = np.zeros((2, 3), np.float32)
    """).format(here=os.path.dirname(os.path.abspath(__file__)))
    child_env = dict(os.environ, **(env or {}))
    child_env["LD_LIBRARY_PATH"] = driver_dir
    log = os.path.join(test.tmp, "driver.log")
    if os.path.exists(log):
        os.unlink(log)
    child_env["FAKE_CUDA_LOG_FILE"] = log
    proc = subprocess.run([sys.executable, "-c",
                           script + textwrap.dedent(body)],
                          env=child_env, capture_output=True, text=True)
    test.assertEqual(proc.returncode, 0, proc.stderr)
    if not os.path.exists(log):
        return proc.stdout, ""
    with open(log) as f:
        return proc.stdout, f.read()


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
        return run_child(self, FAKE_DRIVER_DIR, body)

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

    def test_use_tf32_puts_f32_matmuls_on_the_tensor_cores(self):
        # ONNX Runtime's provider option; Kiln keeps TF32 off unless it is
        # 1. A [32, 32] x [32, 32] f32 MatMul is one block of 4 warps on
        # the tensor cores (sm_80), else 16 x 16 shared-memory tiles of 256
        # threads; the three sessions must not share an artifact.
        out, log = self.run_child("""
            import onnx.helper as oh
            from onnx import TensorProto
            info = lambda n: oh.make_tensor_value_info(n, TensorProto.FLOAT,
                                                       [32, 32])
            mm = oh.make_model(
                oh.make_graph([oh.make_node("MatMul", ["a", "b"], ["y"])],
                              "g", [info("a"), info("b")], [info("y")]),
                opset_imports=[oh.make_opsetid("", 17)]).SerializeToString()
            a = np.ones((32, 32), np.float32)
            for options in ({}, {"use_tf32": "1"}, {"use_tf32": "0"}):
                sess = kiln.InferenceSession(
                    mm, providers=[("CUDAExecutionProvider", options),
                                   "CPUExecutionProvider"])
                sess.run(None, {"a": a, "b": a})
                print(sess.get_providers()[0])
        """)
        self.assertEqual(out.split(), ["CUDAExecutionProvider"] * 3)
        launches = [line.split(" shared")[0] for line in log.splitlines()
                    if line.startswith("launch ")]
        self.assertEqual(
            [line for line in launches if "block 128 " in line],
            ["launch main_kernel grid 1 1 1 block 128 1 1"], launches)
        self.assertEqual(len([line for line in launches
                              if "grid 4 1 1 block 256 " in line]), 5,
                         launches)

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


def compile_exp_model(tmp, outputs):
    """Compiles exp_model for sm_80 with its kernels' host copies (which the
    fake driver runs) into each path of `outputs` ({path: provider}); None,
    or why it could not (no libdevice)."""
    onnx_path = os.path.join(tmp, "exp.onnx")
    with open(onnx_path, "wb") as f:
        f.write(exp_model().SerializeToString())
    for out, provider in outputs.items():
        proc = subprocess.run(
            [KILN_COMPILE, f"--provider={provider}", "--cuda-arch=sm_80",
             "--cuda-host-kernels", onnx_path, "-o", out],
            capture_output=True, text=True)
        if proc.returncode:
            if "libdevice" not in proc.stderr:
                raise RuntimeError(f"kiln-compile failed: {proc.stderr}")
            return f"kiln-compile failed: {proc.stderr}"
    return None


class CpuCopyTest(PrivateCacheCase):
    """A precompiled CUDA artifact falls back to the CPU copy it carries
    when its device cannot be used and the CPU is listed (ORT's fallback
    to the next provider)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.with_copy = os.path.join(cls.tmp, "with_copy.so")
        cls.without_copy = os.path.join(cls.tmp, "without_copy.so")
        cls.skip_reason = compile_exp_model(
            cls.tmp, {cls.with_copy: "cuda,cpu", cls.without_copy: "cuda"})

    def setUp(self):
        if self.skip_reason:
            self.skipTest(self.skip_reason)

    def test_the_copy_makes_the_artifact_larger(self):
        # The copy is a whole CPU artifact, weights included.
        self.assertGreater(os.path.getsize(self.with_copy),
                           os.path.getsize(self.without_copy) + 4096)

    def test_without_a_driver(self):
        if has_cuda_driver():
            self.skipTest("this machine has a usable CUDA device")
        x = np.zeros((2, 3), np.float32)
        for providers in (["CUDAExecutionProvider", "CPUExecutionProvider"],
                          None):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                sess = kiln.InferenceSession(self.with_copy,
                                             providers=providers)
            self.assertEqual(sess.get_providers(), ["CPUExecutionProvider"])
            text = " ".join(str(w.message) for w in caught)
            self.assertIn("CUDAExecutionProvider is not available: ", text)
            self.assertIn("libcuda.so.1", text)
            np.testing.assert_allclose(sess.run(None, {"x": x})[0], x + 2)
        with self.assertRaises(kiln.EPFail):
            kiln.InferenceSession(self.with_copy,
                                  providers=["CUDAExecutionProvider"])
        with self.assertRaises(kiln.EPFail) as ctx, \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kiln.InferenceSession(
                self.without_copy,
                providers=["CUDAExecutionProvider", "CPUExecutionProvider"])
        self.assertIn("the artifact carries no CPU copy of the model to fall "
                      "back to (compile it with kiln-compile "
                      "--provider=cuda,cpu)", str(ctx.exception))

    def open_in_child(self, driver_dir, env=None):
        """Opens the artifact with a copy, listing CUDA then the CPU, in a
        child whose libcuda.so.1 is `driver_dir`'s, and runs it on ones:
        the providers, the warnings, whether y is exp(1) + 1 (three lines)
        and the fake driver's log."""
        out, log = run_child(self, driver_dir, f"""
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                sess = kiln.InferenceSession(
                    {self.with_copy!r},
                    providers=["CUDAExecutionProvider",
                               "CPUExecutionProvider"])
            print(sess.get_providers())
            print(" ".join(str(w.message) for w in caught))
            y = sess.run(None, {{"x": np.ones((2, 3), np.float32)}})[0]
            print(np.allclose(y, np.e + 1))
        """, env)
        return out.splitlines(), log

    @unittest.skipUnless(
        os.path.exists(os.path.join(STUB_DRIVER_DIR, "libcuda.so.1")),
        "the CUDA toolkit's stub libcuda.so is not linked in the build tree")
    def test_with_the_toolkits_stub(self):
        lines, _ = self.open_in_child(STUB_DRIVER_DIR)
        self.assertEqual(lines[0], "['CPUExecutionProvider']")
        self.assertIn("CUDA_ERROR_STUB_LIBRARY", lines[1])
        self.assertEqual(lines[2], "True")

    @unittest.skipUnless(
        os.path.exists(os.path.join(FAKE_DRIVER_DIR, "libcuda.so.1")),
        "the fake CUDA driver is not built")
    def test_with_the_fake_driver(self):
        # A device the artifact has PTX for runs it there: its kernels'
        # host copies, by the numbers.
        lines, log = self.open_in_child(FAKE_DRIVER_DIR)
        self.assertEqual(lines[0],
                         "['CUDAExecutionProvider', 'CPUExecutionProvider']")
        self.assertEqual(lines[1], "")
        self.assertEqual(lines[2], "True")
        self.assertIn("load sm_80 (host copy)", log)
        # An sm_70 device has no PTX to run: the CPU copy, with a warning.
        lines, log = self.open_in_child(FAKE_DRIVER_DIR, {"FAKE_CUDA_CC": "70"})
        self.assertEqual(lines[0], "['CPUExecutionProvider']")
        self.assertIn("the artifact has no PTX for CUDA device 0 (sm_70)",
                      lines[1])
        self.assertIn("falling back to CPUExecutionProvider", lines[1])
        self.assertEqual(lines[2], "True")
        self.assertNotIn("launch ", log)

class DeviceValueTest(PrivateCacheCase):
    """OrtValues and IOBinding on the device (ORT's ortvalue_from_numpy(x,
    'cuda', 0), bind_output(name, 'cuda'), ...) through a CUDA artifact
    whose kernels' host copies the fake driver runs, so every number
    travels through the fake's device memory; its log shows the copies and
    each launch's parameters."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.so = os.path.join(cls.tmp, "exp_cuda.so")
        cls.skip_reason = compile_exp_model(cls.tmp, {cls.so: "cuda"})

    def setUp(self):
        if self.skip_reason:
            self.skipTest(self.skip_reason)

    def run_fake(self, body):
        """Runs `body` against the fake driver with `sess` a CUDA session of
        the artifact, `xs` a [2, 3] input, `want` its outputs, `run_log()`
        the driver's log since the last `clear_log()`; its stdout."""
        if not os.path.exists(os.path.join(FAKE_DRIVER_DIR, "libcuda.so.1")):
            self.skipTest("the fake CUDA driver is not built")
        out, _ = run_child(self, FAKE_DRIVER_DIR, textwrap.dedent(f"""
            import ctypes
            driver = ctypes.CDLL("libcuda.so.1")
            driver.fake_cuda_log.restype = ctypes.c_char_p
            def clear_log():
                driver.fake_cuda_clear_log()
            def run_log():
                return driver.fake_cuda_log().decode()
            def copies():
                return [l for l in run_log().splitlines()
                        if l.startswith(("memcpy ", "copy to device "))]
            def launch_words():
                return [[int(w) for w in l.split(" params ")[1].split()]
                        for l in run_log().splitlines()
                        if l.startswith("launch ")]
            sess = kiln.InferenceSession({self.so!r},
                                         providers=["CUDAExecutionProvider"])
            assert sess.get_providers()[0] == "CUDAExecutionProvider"
            xs = (np.arange(6, dtype=np.float32).reshape(2, 3) - 2) / 4
            want = np.exp(xs) + 1
        """) + textwrap.dedent(body))
        return out.splitlines()

    def test_values_on_the_device(self):
        lines = self.run_fake("""
            clear_log()
            xv = kiln.OrtValue.ortvalue_from_numpy(xs, "cuda", 0)
            print(xv.device_name(), xv.shape(), xv.data_type(),
                  xv.tensor_size_in_bytes())
            # Uploaded once; numpy() copies back, and is not the memory.
            print(copies())
            back = xv.numpy()
            print(np.array_equal(back, xs), back.ctypes.data != xv.data_ptr())
            xv.update_inplace(xs * 2)
            print(np.array_equal(xv.numpy(), xs * 2))
            e = kiln.OrtValue.ortvalue_from_shape_and_type([4, 5], np.int64,
                                                           "cuda", 0)
            print(e.device_name(), e.shape(), e.data_type())
        """)
        self.assertEqual(lines[0], "cuda [2, 3] tensor(float) 24")
        self.assertEqual(lines[1], "['memcpy host to device 24']")
        self.assertEqual(lines[2:4], ["True True", "True"])
        self.assertEqual(lines[4], "cuda [4, 5] tensor(int64)")

    def test_run_with_iobinding_stays_on_the_device(self):
        lines = self.run_fake("""
            xv = kiln.OrtValue.ortvalue_from_numpy(xs, "cuda", 0)
            binding = sess.io_binding()
            binding.bind_ortvalue_input("x", xv)
            binding.bind_output("y", "cuda")
            clear_log()
            sess.run_with_iobinding(binding)
            # In place: the input's memory is a launch's parameter, no
            # copy to or from the host during the run.
            print(copies())
            print(any(xv.data_ptr() in w for w in launch_words()))
            y = binding.get_outputs()[0]
            print(y.device_name(), y.shape())
            print(np.allclose(binding.copy_outputs_to_cpu()[0], want))
            # Bound to a device OrtValue: the result is written there.
            yv = kiln.OrtValue.ortvalue_from_shape_and_type([2, 3],
                                                            np.float32,
                                                            "cuda", 0)
            binding.bind_ortvalue_output("y", yv)
            clear_log()
            sess.run_with_iobinding(binding)
            print(copies(), binding.get_outputs()[0] is yv)
            print(np.allclose(yv.numpy(), want))
            # A device pointer bound by address (managed memory, read in
            # place), the output to a device pointer.
            binding.bind_input("x", "cuda", 0, np.float32, [2, 3],
                               xv.data_ptr())
            binding.bind_output("y", "cuda", 0, np.float32, [2, 3],
                                yv.data_ptr())
            yv.update_inplace(np.zeros((2, 3), np.float32))
            clear_log()
            sess.run_with_iobinding(binding)
            print(copies(), any(xv.data_ptr() in w for w in launch_words()))
            print(np.allclose(yv.numpy(), want))
            # run_with_ort_values takes device inputs, gives host outputs.
            out = sess.run_with_ort_values(None, {"x": xv})[0]
            print(out.device_name(), np.allclose(out.numpy(), want))
        """)
        self.assertEqual(lines[0], "['memcpy device to device 24']")
        self.assertEqual(lines[1], "True")
        self.assertEqual(lines[2], "cuda [2, 3]")
        self.assertEqual(lines[3], "True")
        self.assertEqual(lines[4], "['memcpy device to device 24'] True")
        self.assertEqual(lines[5], "True")
        self.assertEqual(lines[6], "['memcpy device to device 24'] True")
        self.assertEqual(lines[7], "True")
        self.assertEqual(lines[8], "cpu True")

    def test_clear_errors(self):
        lines = self.run_fake("""
            xv = kiln.OrtValue.ortvalue_from_numpy(xs, "cuda", 0)
            cpu = kiln.InferenceSession(model)
            for call in (lambda: cpu.run_with_ort_values(None, {"x": xv}),
                         lambda: kiln.OrtValue.ortvalue_from_numpy(
                             xs, "cuda", 3),
                         lambda: sess.io_binding().bind_input(
                             "x", "cuda", 0, np.float32, [2, 3],
                             xs.ctypes.data)):
                try:
                    call()
                    print("no error")
                except Exception as e:
                    print(type(e).__name__, str(e).replace("\\n", " "))
        """)
        self.assertIn("InvalidArgument", lines[0])
        self.assertIn("input 'x' is on CUDA device 0, but the session runs "
                      "on the CPU (CPUExecutionProvider)", lines[0])
        self.assertEqual(lines[1], "RuntimeError CUDA device_id 3 is out of "
                                   "range: this machine has 1 CUDA device")
        self.assertIn("RuntimeError the buffer at ", lines[2])
        self.assertIn("is not CUDA device memory", lines[2])

    def test_without_a_driver(self):
        if has_cuda_driver():
            self.skipTest("this machine has a usable CUDA device")
        x = np.zeros((2, 3), np.float32)
        with self.assertRaisesRegex(RuntimeError, "libcuda.so.1"):
            kiln.OrtValue.ortvalue_from_numpy(x, "cuda", 0)
        with self.assertRaisesRegex(RuntimeError, "libcuda.so.1"):
            kiln.OrtValue.ortvalue_from_shape_and_type([2], np.float32,
                                                       "cuda", 0)

    @unittest.skipUnless(
        os.path.exists(os.path.join(STUB_DRIVER_DIR, "libcuda.so.1")),
        "the CUDA toolkit's stub libcuda.so is not linked in the build tree")
    def test_with_the_toolkits_stub(self):
        out, _ = run_child(self, STUB_DRIVER_DIR, """
            try:
                kiln.OrtValue.ortvalue_from_numpy(x, "cuda", 0)
            except RuntimeError as e:
                print(e)
        """)
        self.assertIn("CUDA_ERROR_STUB_LIBRARY", out)


if __name__ == "__main__":
    unittest.main()
