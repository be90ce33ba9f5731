"""intra_op_num_threads: each session has its own pool of that size, and
sessions with different counts in one process agree with numpy."""
import gc
import os
import tempfile
import threading
import unittest

import numpy as np
from onnx import TensorProto, helper

import kiln as rt


def _thread_count():
    # Sessions left over from earlier tests are collected first: their pools
    # would otherwise shut down in the middle of a count.
    gc.collect()
    return len(os.listdir("/proc/self/task"))


def _matmul_relu_model(m=256, k=256, n=256):
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [m, k])
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, [k, n])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])
    g = helper.make_graph(
        [helper.make_node("MatMul", ["a", "b"], ["p"], name="mm"),
         helper.make_node("Relu", ["p"], ["y"], name="relu")],
        "mm_relu", [a, b], [y])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model.SerializeToString()


class IntraOpThreadsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.so = os.path.join(cls.tmp.name, "mm_relu.so")
        opts = rt.SessionOptions()
        opts.add_session_config_entry("kiln.artifact_filepath", cls.so)
        rt.InferenceSession(_matmul_relu_model(), sess_options=opts)
        rng = np.random.default_rng(0)
        cls.feed = {"a": rng.standard_normal((256, 256)).astype(np.float32),
                    "b": rng.standard_normal((256, 256)).astype(np.float32)}
        cls.expected = np.maximum(cls.feed["a"] @ cls.feed["b"], 0)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def session(self, threads):
        opts = rt.SessionOptions()
        opts.intra_op_num_threads = threads
        return rt.InferenceSession(self.so, sess_options=opts)

    def test_pool_size_follows_the_option(self):
        # The caller is one of the pool's threads: N threads, N - 1 workers.
        before = _thread_count()
        one = self.session(1)
        self.assertEqual(_thread_count(), before)
        four = self.session(4)
        self.assertEqual(_thread_count(), before + 3)
        three = self.session(3)
        self.assertEqual(_thread_count(), before + 5)
        del four
        self.assertEqual(_thread_count(), before + 2)
        del one, three
        self.assertEqual(_thread_count(), before)

    def test_two_sessions_with_different_counts_agree(self):
        one, four = self.session(1), self.session(4)
        for _ in range(3):
            y1 = one.run(None, self.feed)[0]
            y4 = four.run(None, self.feed)[0]
            np.testing.assert_array_equal(y1, y4)
            np.testing.assert_allclose(y1, self.expected, rtol=1e-4,
                                       atol=1e-3)

    def test_concurrent_runs_on_sessions_of_different_counts(self):
        sessions = [self.session(1), self.session(2), self.session(4)]
        errors = []

        def work(sess):
            try:
                for _ in range(5):
                    y = sess.run(None, self.feed)[0]
                    np.testing.assert_allclose(y, self.expected, rtol=1e-4,
                                               atol=1e-3)
            except Exception as e:  # reported on the main thread
                errors.append(e)

        threads = [threading.Thread(target=work, args=(s,))
                   for s in sessions for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])


if __name__ == "__main__":
    unittest.main()
