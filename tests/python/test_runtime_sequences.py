"""Sequences and optionals whose length or presence only the run decides.

Run from the build tree: PYTHONPATH=build/python KILN_BUILD_DIR=build
python3 -m unittest tests/python/test_runtime_sequences.py.

Each model is compiled once by Kiln and run next to ONNX Runtime with feeds
that change what the run decides (a Loop's trip count, an insertion
position, an If's condition); the outputs are compared as ORT returns them
(lists of arrays, None). docs/architecture.md, "Sequences whose length the
run decides", describes the mechanism.
"""

import os
import sys
import unittest

import numpy as np
import onnx.helper as oh
from onnx import TensorProto

import kiln

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from private_cache import PrivateCacheCase  # noqa: E402
from test_graph_values import _same, _sessions  # noqa: E402

FLOAT = TensorProto.FLOAT
INT64 = TensorProto.INT64
BOOL = TensorProto.BOOL


def _const(name, values, dtype=INT64, dims=None):
    values = list(np.asarray(values).ravel())
    return oh.make_node(
        "Constant", [], [name],
        value=oh.make_tensor(name, dtype,
                             [len(values)] if dims is None else dims, values))


def loop_model():
    """A Loop of run-time trip count whose body appends x[:i+1, :] * i (a
    tensor whose first dim grows each iteration) to a sequence that starts
    empty; outputs the sequence, its length and its element at a run-time
    position."""
    body = oh.make_graph(
        [oh.make_node("Identity", ["cond_in"], ["cond_out"]),
         _const("one", [1], dims=[]),
         _const("zero", [0]),
         _const("axes", [0]),
         oh.make_node("Add", ["i", "one"], ["end_scalar"]),
         oh.make_node("Unsqueeze", ["end_scalar", "axes"], ["end"]),
         oh.make_node("Slice", ["x", "zero", "end", "axes"], ["rows"]),
         oh.make_node("Cast", ["i"], ["fi"], to=FLOAT),
         oh.make_node("Mul", ["rows", "fi"], ["scaled"]),
         oh.make_node("SequenceInsert", ["seq_in", "scaled"], ["seq_out"])],
        "body",
        [oh.make_tensor_value_info("i", INT64, []),
         oh.make_tensor_value_info("cond_in", BOOL, []),
         oh.make_tensor_sequence_value_info("seq_in", FLOAT, None)],
        [oh.make_tensor_value_info("cond_out", BOOL, []),
         oh.make_tensor_sequence_value_info("seq_out", FLOAT, None)])
    graph = oh.make_graph(
        [oh.make_node("SequenceEmpty", [], ["empty"], dtype=FLOAT),
         _const("yes", [1], BOOL, []),
         oh.make_node("Loop", ["trips", "yes", "empty"], ["seq"],
                      body=body),
         oh.make_node("SequenceLength", ["seq"], ["n"]),
         oh.make_node("SequenceAt", ["seq", "pos"], ["picked"])],
        "runtime_loop",
        [oh.make_tensor_value_info("trips", INT64, []),
         oh.make_tensor_value_info("x", FLOAT, [5, 3]),
         oh.make_tensor_value_info("pos", INT64, [])],
        [oh.make_tensor_sequence_value_info("seq", FLOAT, None),
         oh.make_tensor_value_info("n", INT64, []),
         oh.make_tensor_value_info("picked", FLOAT, None)])
    return oh.make_model(graph, opset_imports=[oh.make_opsetid("", 18)])


def if_optional_model():
    """An If returning None or an optional tensor by a run-time condition,
    whether it holds one, and an If returning sequences of different
    lengths."""
    opt_type = oh.make_optional_type_proto(
        oh.make_tensor_type_proto(FLOAT, [2]))
    then_branch = oh.make_graph(
        [oh.make_node("Optional", [], ["none"], type=oh.make_tensor_type_proto(
            FLOAT, [2])),
         oh.make_node("SequenceConstruct", ["x"], ["s1"])],
        "then", [],
        [oh.make_value_info("none", opt_type),
         oh.make_tensor_sequence_value_info("s1", FLOAT, [2])])
    else_branch = oh.make_graph(
        [oh.make_node("Neg", ["x"], ["nx"]),
         oh.make_node("Optional", ["nx"], ["some"]),
         oh.make_node("SequenceConstruct", ["x", "nx", "x"], ["s3"])],
        "else", [],
        [oh.make_value_info("some", opt_type),
         oh.make_tensor_sequence_value_info("s3", FLOAT, [2])])
    graph = oh.make_graph(
        [oh.make_node("If", ["c"], ["o", "s"], then_branch=then_branch,
                      else_branch=else_branch),
         oh.make_node("OptionalHasElement", ["o"], ["has"])],
        "runtime_if",
        [oh.make_tensor_value_info("c", BOOL, []),
         oh.make_tensor_value_info("x", FLOAT, [2])],
        [oh.make_value_info("o", opt_type),
         oh.make_tensor_sequence_value_info("s", FLOAT, [2]),
         oh.make_tensor_value_info("has", BOOL, [])])
    return oh.make_model(graph, opset_imports=[oh.make_opsetid("", 18)])


def insert_erase_model():
    """SequenceInsert and SequenceErase at run-time positions in a sequence
    of int64 tensors of different lengths."""
    graph = oh.make_graph(
        [_const("a", [1, 2]),
         _const("b", [3]),
         oh.make_node("SequenceConstruct", ["a", "b"], ["s"]),
         oh.make_node("SequenceInsert", ["s", "t", "p"], ["inserted"]),
         oh.make_node("SequenceErase", ["inserted", "q"], ["erased"])],
        "runtime_positions",
        [oh.make_tensor_value_info("t", INT64, ["m"]),
         oh.make_tensor_value_info("p", INT64, []),
         oh.make_tensor_value_info("q", INT64, [])],
        [oh.make_tensor_sequence_value_info("inserted", INT64, None),
         oh.make_tensor_sequence_value_info("erased", INT64, None)])
    return oh.make_model(graph, opset_imports=[oh.make_opsetid("", 18)])


def split_model(split_shape, keepdims=1, data_shape=("n", "m")):
    """SplitToSequence of a matrix of run-time shape along axis 1 by a
    run-time split (a scalar chunk size, a list of sizes, or none), with the
    sequence returned and its length and last element read."""
    inputs = ["x"] if split_shape is None else ["x", "split"]
    graph = oh.make_graph(
        [oh.make_node("SplitToSequence", inputs, ["s"], axis=1,
                      keepdims=keepdims),
         oh.make_node("SequenceLength", ["s"], ["n_pieces"]),
         _const("last", [-1], dims=[]),
         oh.make_node("SequenceAt", ["s", "last"], ["tail"])],
        "runtime_split",
        [oh.make_tensor_value_info("x", FLOAT, list(data_shape))] +
        ([] if split_shape is None else
         [oh.make_tensor_value_info("split", INT64, split_shape)]),
        [oh.make_tensor_sequence_value_info("s", FLOAT, None),
         oh.make_tensor_value_info("n_pieces", INT64, []),
         oh.make_tensor_value_info("tail", FLOAT, None)])
    return oh.make_model(graph, opset_imports=[oh.make_opsetid("", 18)])


class RuntimeSequencesTest(PrivateCacheCase):

    def assert_same(self, sessions, feeds):
        ours, ref = sessions
        got = ours.run(None, feeds)
        want = ref.run(None, feeds)
        _same(self, got, want)
        return got

    def test_loop_of_runtime_trip_count(self):
        sessions = _sessions(loop_model())
        self.assertEqual(
            [(a.name, a.type) for a in sessions[0].get_outputs()],
            [(a.name, a.type) for a in sessions[1].get_outputs()])
        x = np.arange(15, dtype=np.float32).reshape(5, 3)
        for trips, pos in ((3, 1), (5, -1), (1, 0), (4, -4)):
            got = self.assert_same(
                sessions, {"trips": np.array(trips, np.int64), "x": x,
                           "pos": np.array(pos, np.int64)})
            self.assertEqual([a.shape for a in got[0]],
                             [(i + 1, 3) for i in range(trips)])

    def test_loop_of_no_iteration(self):
        ours, ref = sessions = _sessions(loop_model())
        feeds = {"trips": np.array(0, np.int64),
                 "x": np.ones((5, 3), np.float32),
                 "pos": np.array(0, np.int64)}
        # The sequence is empty: SequenceAt fails in ORT, and in Kiln with
        # ORT's class and words; the session keeps working.
        with self.assertRaisesRegex(Exception, "INVALID_ARGUMENT"):
            ref.run(None, feeds)
        with self.assertRaisesRegex(kiln.InvalidArgument,
                                    "SequenceAt.*Invalid sequence index"):
            ours.run(None, feeds)
        feeds["trips"] = np.array(2, np.int64)
        got = self.assert_same(sessions, feeds)
        self.assertEqual(len(got[0]), 2)

    def test_if_returns_an_optional_or_none(self):
        sessions = _sessions(if_optional_model())
        self.assertEqual(
            [(a.name, a.type) for a in sessions[0].get_outputs()],
            [(a.name, a.type) for a in sessions[1].get_outputs()])
        x = np.array([1.5, -2.0], np.float32)
        got = self.assert_same(sessions, {"c": np.array(True), "x": x})
        self.assertIsNone(got[0])
        self.assertEqual(len(got[1]), 1)
        got = self.assert_same(sessions, {"c": np.array(False), "x": x})
        np.testing.assert_array_equal(got[0], -x)
        self.assertEqual(len(got[1]), 3)

    def test_runtime_positions(self):
        sessions = _sessions(insert_erase_model())
        for t, p, q in (([7, 8, 9], 0, -1), ([5], 2, 0), ([], -2, 1),
                        ([4, 4], 1, 2)):
            self.assert_same(sessions, {"t": np.array(t, np.int64),
                                        "p": np.array(p, np.int64),
                                        "q": np.array(q, np.int64)})

    def test_position_out_of_range_is_an_error(self):
        ours, _ = _sessions(insert_erase_model())
        feeds = {"t": np.array([1], np.int64), "p": np.array(3, np.int64),
                 "q": np.array(0, np.int64)}
        # ONNX Runtime's class and words (without the numbers).
        with self.assertRaises(kiln.InvalidArgument) as caught:
            ours.run(None, feeds)
        self.assertIn("SequenceInsert", str(caught.exception))
        self.assertIn("Invalid sequence index specified",
                      str(caught.exception))
        feeds["p"] = np.array(0, np.int64)
        feeds["q"] = np.array(-4, np.int64)
        with self.assertRaisesRegex(kiln.InvalidArgument, "SequenceErase"):
            ours.run(None, feeds)
        # The session still runs.
        feeds["q"] = np.array(-3, np.int64)
        got = ours.run(None, feeds)
        self.assertEqual([a.tolist() for a in got[1]], [[1, 2], [3]])

    def test_split_to_sequence_by_runtime_chunk(self):
        sessions = _sessions(split_model([]))
        for shape, chunk in (((3, 6), 2), ((2, 7), 3), ((4, 5), 5),
                             ((1, 4), 9), ((2, 0), 2)):
            x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
            if shape[1] == 0:
                # No pieces: ONNX Runtime fails on the SequenceAt; so does
                # Kiln, with its class.
                with self.assertRaisesRegex(kiln.InvalidArgument,
                                            "Invalid sequence index"):
                    sessions[0].run(None, {"x": x, "split": np.array(chunk)})
                continue
            got = self.assert_same(sessions, {"x": x,
                                              "split": np.array(chunk)})
            self.assertEqual(int(got[1]), -(-shape[1] // chunk))

    def test_split_to_sequence_by_runtime_sizes(self):
        sessions = _sessions(split_model(["k"]))
        x = np.arange(14, dtype=np.float32).reshape(2, 7)
        for sizes in ([7], [1, 2, 4], [3, 0, 4], [0, 0, 7, 0]):
            self.assert_same(sessions, {"x": x, "split": np.array(sizes)})

    def test_split_to_sequence_of_runtime_dim(self):
        for keepdims in (0, 1):
            sessions = _sessions(split_model(None, keepdims))
            for shape in ((3, 4), (2, 1), (5, 2)):
                x = np.random.default_rng(1).standard_normal(
                    shape).astype(np.float32)
                got = self.assert_same(sessions, {"x": x})
                self.assertEqual(len(got[0]), shape[1])

    def test_bad_runtime_split_is_an_error(self):
        chunk, _ = _sessions(split_model([]))
        x = np.ones((2, 6), np.float32)
        for bad in (0, -2):
            with self.assertRaisesRegex(kiln.Fail,
                                        "SplitToSequence.*Split should be > 0"):
                chunk.run(None, {"x": x, "split": np.array(bad)})
        sizes, _ = _sessions(split_model(["k"]))
        for bad, error in (([1, 2], kiln.InvalidArgument),
                           ([4, 4], kiln.InvalidArgument),
                           ([-1, 7], kiln.Fail)):
            with self.assertRaises(error) as caught:
                sizes.run(None, {"x": x, "split": np.array(bad)})
            self.assertIn("SplitToSequence", str(caught.exception))
        # The sessions still run.
        self.assertEqual(len(sizes.run(None, {"x": x,
                                              "split": np.array([6])})[0]), 1)


if __name__ == "__main__":
    unittest.main()
