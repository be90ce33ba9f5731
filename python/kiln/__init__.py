"""Kiln: ONNX models compiled ahead of time, run with ONNX Runtime's API.

    import kiln as rt
    sess = rt.InferenceSession("model.onnx",
                               providers=rt.get_available_providers())
    out = sess.run(None, {sess.get_inputs()[0].name: x})

An ``.onnx`` model (path or bytes) is compiled when the session is created,
into a cache directory ($KILN_CACHE_DIR, default ~/.cache/kiln); a compiled
``.so`` is loaded directly. Only ``kiln._runtime`` (libkilnrt) is loaded for
that; the compiler and LLVM are imported on a cache miss.
"""

from ._errors import (  # noqa: F401
    EngineError,
    EPFail,
    Fail,
    InvalidArgument,
    InvalidGraph,
    InvalidProtobuf,
    ModelLoaded,
    NoModel,
    NoSuchFile,
    NotImplemented,
    RuntimeException,
)
from ._options import (  # noqa: F401
    ExecutionMode,
    ExecutionOrder,
    GraphOptimizationLevel,
    RunOptions,
    SessionOptions,
)
from ._ortvalue import IOBinding, OrtValue  # noqa: F401
from ._session import (  # noqa: F401
    InferenceSession,
    ModelMetadata,
    NodeArg,
)
from . import _runtime
from . import capi  # noqa: F401 (onnxruntime.capi is there after import)

__version__ = _runtime.runtime_version()
version = __version__
package_name = "kiln"
# ORT's name for the class io_binding() returns.
SessionIOBinding = IOBinding

_LOGGER = {"severity": 2, "verbosity": 0, "seed": None, "telemetry": False}


def set_default_logger_severity(severity):
    """The default logging severity (0 verbose .. 4 fatal), as ORT checks
    it. Kiln logs only what log_severity_level <= 1 prints while compiling;
    the value is kept for get_default_logger_severity (Kiln extension)."""
    if isinstance(severity, float) or not isinstance(severity, int):
        raise TypeError(
            "set_default_logger_severity(): incompatible function arguments."
            " The following argument types are supported:\n    1. (arg0: "
            f"typing.SupportsInt | typing.SupportsIndex) -> None\n\n"
            f"Invoked with: {severity!r}")
    if not 0 <= severity <= 4:
        raise RuntimeError(
            "severity >= 0 && severity <= 4 was false. Invalid logging "
            "severity. 0:Verbose, 1:Info, 2:Warning, 3:Error, 4:Fatal")
    _LOGGER["severity"] = int(severity)


def get_default_logger_severity():
    return _LOGGER["severity"]


def set_default_logger_verbosity(verbosity):
    """VLOG level, meaningful only at severity 0; recorded."""
    if isinstance(verbosity, float) or not isinstance(verbosity, int):
        raise TypeError(
            "set_default_logger_verbosity(): incompatible function "
            "arguments. The following argument types are supported:\n    1. "
            "(arg0: typing.SupportsInt | typing.SupportsIndex) -> None\n\n"
            f"Invoked with: {verbosity!r}")
    _LOGGER["verbosity"] = int(verbosity)


def set_seed(seed):
    """ORT's seed for its random operators. Kiln compiles a random
    operator's own seed attribute (or a fixed default) into the model, so
    this only records the value (get_seed, a Kiln extension)."""
    if isinstance(seed, float) or not isinstance(seed, int):
        raise TypeError(
            "set_seed(): incompatible function arguments. The following "
            "argument types are supported:\n    1. (arg0: typing.SupportsInt"
            f" | typing.SupportsIndex) -> None\n\nInvoked with: {seed!r}")
    _LOGGER["seed"] = int(seed)


def get_seed():
    return _LOGGER["seed"]


def get_build_info():
    """What this build is, in ORT's format."""
    return (f"Kiln Build Info: version={__version__}, "
            f"abi={_runtime.abi_version()}, build type=Release")


def disable_telemetry_events():
    """Kiln sends no telemetry; nothing to disable."""
    _LOGGER["telemetry"] = False


def enable_telemetry_events():
    """Kiln sends no telemetry, whatever this says (recorded only)."""
    _LOGGER["telemetry"] = True


def preload_dlls(cuda=True, cudnn=True, msvc=True, directory=None):
    """ORT loads CUDA/cuDNN/MSVC libraries here; Kiln's runtime needs only
    the CUDA driver, which a CUDA session loads itself (libcuda.so.1), so
    there is nothing to load."""


def print_debug_info():
    print(f"kiln {__version__}: providers {get_available_providers()}")


_CUDA_AVAILABLE = None


def get_available_providers():
    """Providers this process can run on, in priority order (CPU last):
    CUDA when the CUDA driver loads and device 0 can run Kiln's CUDA
    artifacts (probed once)."""
    global _CUDA_AVAILABLE
    if _CUDA_AVAILABLE is None:
        try:
            _runtime.cuda_device_chip(0)
            _CUDA_AVAILABLE = True
        except _runtime.EPFail:
            _CUDA_AVAILABLE = False
    return (["CUDAExecutionProvider"] if _CUDA_AVAILABLE else []) + [
        "CPUExecutionProvider"]


def get_all_providers():
    from ._session import _KNOWN_PROVIDERS

    return list(_KNOWN_PROVIDERS)


def get_device():
    return "CPU"


def get_version_string():
    return __version__


def compile_model(model, output_path, sess_options=None, emit="so"):
    """Compiles an ONNX model (path or bytes) to `output_path` without the
    cache (Kiln extension). `emit` is one of onnx, linalg, mlir, llvm, obj,
    so, as kiln-compile --emit; the session options choose the pipeline."""
    import os

    from . import _cache
    from ._options import kiln_opt_level

    opts = sess_options or SessionOptions()
    if isinstance(model, (str, os.PathLike)):
        path, data = os.fspath(model), None
    else:
        path, data = None, bytes(model)
    _cache.compile_model(
        path, data, kiln_opt_level(opts.graph_optimization_level),
        opts._free_dims, opts._config.get("kiln.target_cpu", "native"),
        os.fspath(output_path), emit)
