"""`onnxruntime.capi.onnxruntime_inference_collection`: the Python classes
ORT builds over its extension, here Kiln's."""

from .._ortvalue import IOBinding, OrtValue  # noqa: F401
from .._session import InferenceSession, ModelMetadata, NodeArg  # noqa: F401
