"""Writes models whose graph input or output is a sequence or an optional
(ONNX 1.12's text syntax, which the lit tests otherwise use, cannot say
seq(...)) into the directory given as argv[1]."""
import os
import sys

from onnx import TensorProto, helper, save

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
opset = [helper.make_opsetid("", 16)]
f2 = helper.make_tensor_type_proto(TensorProto.FLOAT, [2])
seq = helper.make_sequence_type_proto(f2)


def write(name, inputs, outputs, nodes):
    graph = helper.make_graph(nodes, name, inputs, outputs)
    save(helper.make_model(graph, opset_imports=opset),
         os.path.join(out, name + ".onnx"))


write("seq_input", [helper.make_value_info("s", seq)],
      [helper.make_tensor_value_info("n", TensorProto.INT64, [])],
      [helper.make_node("SequenceLength", ["s"], ["n"])])
write("seq_output", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
      [helper.make_value_info("s", seq)],
      [helper.make_node("SequenceConstruct", ["x", "x"], ["s"])])
write("opt_input",
      [helper.make_value_info("o", helper.make_optional_type_proto(f2))],
      [helper.make_tensor_value_info("h", TensorProto.BOOL, [])],
      [helper.make_node("OptionalHasElement", ["o"], ["h"])])
# A sequence whose element type has no shape: each tensor's comes from
# --shape 'u[i]=?'.
write("seq_unranked",
      [helper.make_value_info("u", helper.make_sequence_type_proto(
          helper.make_tensor_type_proto(TensorProto.INT64, None)))],
      [helper.make_value_info("v", helper.make_sequence_type_proto(
          helper.make_tensor_type_proto(TensorProto.INT64, None)))],
      [helper.make_node("Identity", ["u"], ["v"])])
write("opt_output", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
      [helper.make_value_info("o", helper.make_optional_type_proto(f2))],
      [helper.make_node("Optional", ["x"], ["o"])])
