"""kiln.backend: ONNX's Backend API compiling models with Kiln."""

import os

import numpy as np
import onnx
from onnx import helper
from onnx.backend.base import Backend

from .. import get_device
from .._options import SessionOptions
from .._session import InferenceSession
from .backend_rep import KilnBackendRep

# SessionOptions fields prepare(**kwargs) may set (as ORT's backend allows).
_ALLOWED_SESSION_OPTIONS = frozenset({
    "graph_optimization_level", "intra_op_num_threads",
    "inter_op_num_threads", "execution_mode", "log_severity_level",
    "log_verbosity_level", "logid", "enable_cpu_mem_arena",
    "enable_mem_pattern", "enable_mem_reuse", "use_deterministic_compute",
})


class KilnBackend(Backend):
    """Compiles each model with Kiln for the CPU."""

    @classmethod
    def supports_device(cls, device):
        """Kiln runs models on the CPU only."""
        return str(device).upper() == "CPU"

    @classmethod
    def is_compatible(cls, model, device=None, **kwargs):
        return cls.supports_device(device or get_device())

    @classmethod
    def prepare(cls, model, device=None, **kwargs):
        """A KilnBackendRep for `model`: a ModelProto, serialized bytes, a
        path, an InferenceSession or a KilnBackendRep (returned as is)."""
        if isinstance(model, KilnBackendRep):
            return model
        if isinstance(model, InferenceSession):
            return KilnBackendRep(model)
        if device is not None and not cls.supports_device(device):
            raise RuntimeError(
                f"Incompatible device expected '{device}', got "
                f"'{get_device()}'")
        if isinstance(model, onnx.ModelProto):
            model = model.SerializeToString()
            onnx.checker.check_model(model)
        elif not isinstance(model, (str, bytes, os.PathLike)):
            raise TypeError(f"Unexpected model type {type(model).__name__}")
        options = SessionOptions()
        for key, value in kwargs.items():
            if key in _ALLOWED_SESSION_OPTIONS:
                setattr(options, key, value)
            elif hasattr(options, key):
                raise RuntimeError(
                    f"SessionOptions attribute '{key}' is not permitted via "
                    "the backend API. Allowed attributes: "
                    f"{', '.join(sorted(_ALLOWED_SESSION_OPTIONS))}")
        session = InferenceSession(model, sess_options=options,
                                   providers=["CPUExecutionProvider"])
        return KilnBackendRep(session)

    @classmethod
    def run_model(cls, model, inputs, device=None, **kwargs):
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def run_node(cls, node, inputs, device=None, outputs_info=None,
                 **kwargs):
        """Runs one node: builds a one-node model whose inputs take the
        arrays' types and shapes (outputs from `outputs_info`, else from
        ONNX shape inference) and compiles it."""
        super().run_node(node, inputs, device=device or "CPU",
                         outputs_info=outputs_info, **kwargs)
        opset = kwargs.get("opset_version", onnx.defs.onnx_opset_version())
        if isinstance(inputs, dict):
            arrays = [inputs[name] for name in node.input if name]
        else:
            arrays = list(inputs)
        present = [name for name in node.input if name]
        graph_inputs = []
        for name, array in zip(present, arrays):
            array = np.asarray(array)
            graph_inputs.append(helper.make_tensor_value_info(
                name, helper.np_dtype_to_tensor_dtype(array.dtype),
                array.shape))
        graph_outputs = []
        for i, name in enumerate(node.output):
            if outputs_info is not None and i < len(outputs_info):
                dtype, shape = outputs_info[i]
                graph_outputs.append(helper.make_tensor_value_info(
                    name, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)),
                    shape))
            else:
                graph_outputs.append(helper.make_empty_tensor_value_info(
                    name))
        model = helper.make_model(
            helper.make_graph([node], "run_node", graph_inputs,
                              graph_outputs),
            opset_imports=[helper.make_opsetid("", opset)])
        if outputs_info is None:
            inferred = onnx.shape_inference.infer_shapes(model)
            types = {vi.name: vi for vi in inferred.graph.output}
            for out in model.graph.output:
                if out.name in types and types[out.name].type.HasField(
                        "tensor_type"):
                    out.CopyFrom(types[out.name])
        feed = dict(zip(present, arrays))
        session = InferenceSession(model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
        return session.run(None, feed)


prepare = KilnBackend.prepare
run_model = KilnBackend.run_model
run = KilnBackend.run_model
run_node = KilnBackend.run_node
supports_device = KilnBackend.supports_device
is_compatible = KilnBackend.is_compatible
