"""Writes, into argv[1], an opset-11 model whose Softmax input has a rank
ONNX's shape inference leaves open (an If whose branches differ in rank),
as Paddle2ONNX exports with symbolic dims can."""
import sys

import onnx.helper as oh
from onnx import TensorProto as T
from onnx import save

shape = oh.make_tensor("s", T.INT64, [2], [-1, 12])
then = oh.make_graph([oh.make_node("Identity", ["x"], ["t"])], "then", [],
                     [oh.make_tensor_value_info("t", T.FLOAT, None)])
other = oh.make_graph([oh.make_node("Constant", [], ["s"], value=shape),
                       oh.make_node("Reshape", ["x", "s"], ["e"])], "else",
                      [], [oh.make_tensor_value_info("e", T.FLOAT, None)])
graph = oh.make_graph(
    [oh.make_node("If", ["c"], ["y"], then_branch=then, else_branch=other),
     oh.make_node("Softmax", ["y"], ["z"], axis=1)], "g",
    [oh.make_tensor_value_info("c", T.BOOL, []),
     oh.make_tensor_value_info("x", T.FLOAT, ["N", 3, 4])],
    [oh.make_tensor_value_info("z", T.FLOAT, None)])
model = oh.make_model(graph, opset_imports=[oh.make_opsetid("", 11)])
model.ir_version = 6
save(model, sys.argv[1])
