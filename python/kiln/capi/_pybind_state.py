"""`onnxruntime.capi._pybind_state`, ORT's re-export of its extension."""

from .onnxruntime_pybind11_state import *  # noqa: F401,F403
from .onnxruntime_pybind11_state import NotImplemented  # noqa: F401
