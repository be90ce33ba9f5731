"""ONNX Runtime's exception classes and status codes.

The classes are created by the ``_runtime`` extension (as ONNX Runtime creates
them in its own extension), so errors raised by the C API and by this package
are the same Python types.
"""

from . import _runtime

Fail = _runtime.Fail
InvalidArgument = _runtime.InvalidArgument
NoSuchFile = _runtime.NoSuchFile
NoModel = _runtime.NoModel
EngineError = _runtime.EngineError
RuntimeException = _runtime.RuntimeException
InvalidProtobuf = _runtime.InvalidProtobuf
ModelLoaded = _runtime.ModelLoaded
NotImplemented = _runtime.NotImplemented  # noqa: A001 (ORT's name)
InvalidGraph = _runtime.InvalidGraph
EPFail = _runtime.EPFail

_BY_CODE = {
    1: Fail,
    2: InvalidArgument,
    3: NoSuchFile,
    4: NoModel,
    5: EngineError,
    6: RuntimeException,
    7: InvalidProtobuf,
    8: ModelLoaded,
    9: NotImplemented,
    10: InvalidGraph,
    11: EPFail,
}


def make_error(code, message):
    """The exception ONNX Runtime raises for status `code`."""
    cls = _BY_CODE.get(code, Fail)
    if cls is Fail:
        code = 1
    return cls(_runtime.format_error(code, message))
