"""The example models of ONNX Runtime's `onnxruntime.datasets`, built by
this module (with the onnx package) the first time they are asked for and
kept in the compile cache's folder ($KILN_CACHE_DIR/datasets):

- ``sigmoid.onnx``: y = Sigmoid(x), x float [3, 4, 5] (opset 9);
- ``mul_1.onnx``: Y = X * W, X float [3, 2], W the initializer
  [[1, 2], [3, 4], [5, 6]] (opset 7);
- ``logreg_iris.onnx``: a logistic regression on the iris data set
  (LinearClassifier, Normalizer and ZipMap of ai.onnx.ml), declared as ORT's
  example declares it: input float [3, 2] (for 12 coefficients, 4 per class:
  like ONNX Runtime, Kiln reads the first 6 as [3 classes, 2 features]), the
  labels int64 [3] and the probabilities as a list of {label: probability}
  dicts.

A file left in the folder by an older Kiln whose example differed is
rewritten.
"""

import os
import tempfile


def _sigmoid(oh, TensorProto):
    graph = oh.make_graph(
        [oh.make_node("Sigmoid", ["x"], ["y"])], "test_sigmoid",
        [oh.make_tensor_value_info("x", TensorProto.FLOAT, [3, 4, 5])],
        [oh.make_tensor_value_info("y", TensorProto.FLOAT, [3, 4, 5])])
    return oh.make_model(graph, opset_imports=[oh.make_opsetid("", 9)],
                         ir_version=3, producer_name="kiln")


def _mul_1(oh, TensorProto):
    w = oh.make_tensor("W", TensorProto.FLOAT, [3, 2],
                       [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    graph = oh.make_graph(
        [oh.make_node("Mul", ["X", "W"], ["Y"])], "mul test",
        [oh.make_tensor_value_info("X", TensorProto.FLOAT, [3, 2])],
        [oh.make_tensor_value_info("Y", TensorProto.FLOAT, [3, 2])], [w])
    return oh.make_model(graph, opset_imports=[oh.make_opsetid("", 7)],
                         ir_version=4, producer_name="kiln")


def _logreg_iris(oh, TensorProto):
    # A logistic regression fitted on the iris data set (three classes, 12
    # coefficients), declaring 2 input features as ORT's example does.
    coefficients = [0.385741144, 1.38054061, -2.13145, -0.992804825,
                    0.642774522, -1.7489388, 0.515096605, -1.40534759,
                    -1.72411919, -1.15951371, 2.24788475, 2.42839146]
    nodes = [
        oh.make_node("LinearClassifier", ["float_input"],
                     ["label", "probability_tensor"], domain="ai.onnx.ml",
                     classlabels_ints=[0, 1, 2], coefficients=coefficients,
                     intercepts=[0.2496292, 0.582027793, -0.941616654],
                     multi_class=0,
                     post_transform="LOGISTIC"),
        oh.make_node("Normalizer", ["probability_tensor"],
                     ["probability_tensor_normalized"], domain="ai.onnx.ml",
                     norm="L1"),
        oh.make_node("ZipMap", ["probability_tensor_normalized"],
                     ["probabilities"], domain="ai.onnx.ml",
                     classlabels_int64s=[0, 1, 2]),
    ]
    probabilities = oh.make_value_info(
        "probabilities",
        oh.make_sequence_type_proto(oh.make_map_type_proto(
            TensorProto.INT64,
            oh.make_tensor_type_proto(TensorProto.FLOAT, None))))
    graph = oh.make_graph(
        nodes, "logreg_iris",
        [oh.make_tensor_value_info("float_input", TensorProto.FLOAT, [3, 2])],
        [oh.make_tensor_value_info("label", TensorProto.INT64, [3]),
         probabilities])
    return oh.make_model(graph, opset_imports=[oh.make_opsetid("", 9),
                                               oh.make_opsetid("ai.onnx.ml",
                                                               1)],
                         ir_version=4, producer_name="kiln")


_EXAMPLES = {
    "sigmoid.onnx": _sigmoid,
    "mul_1.onnx": _mul_1,
    "logreg_iris.onnx": _logreg_iris,
}


def _folder():
    from .._cache import cache_dir

    folder = os.path.join(cache_dir(), "datasets")
    os.makedirs(folder, exist_ok=True)
    return folder


def get_example(name):
    """The absolute path of example model `name` (see the module's doc)."""
    build = _EXAMPLES.get(name)
    if build is None:
        raise FileNotFoundError(f"Unable to find example '{name}'")
    folder = _folder()
    full = os.path.join(folder, name)
    try:
        import onnx
        from onnx import TensorProto, helper
    except ImportError:
        if os.path.exists(full):
            return full
        raise FileNotFoundError(
            f"Unable to build example '{name}': kiln.datasets needs the "
            "'onnx' Python package") from None
    data = build(helper, TensorProto).SerializeToString()
    # The file is kept only while it holds this version's example.
    try:
        with open(full, "rb") as f:
            if f.read() == data:
                return full
    except OSError:
        pass
    fd, tmp = tempfile.mkstemp(prefix=".kiln-", suffix=".onnx", dir=folder)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, full)
    del onnx
    return full
