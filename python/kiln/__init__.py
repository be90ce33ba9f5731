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
    GraphOptimizationLevel,
    RunOptions,
    SessionOptions,
)
from ._session import (  # noqa: F401
    InferenceSession,
    ModelMetadata,
    NodeArg,
)
from . import _runtime

__version__ = _runtime.runtime_version()


def get_available_providers():
    """Providers this build can run on, in priority order (CPU last)."""
    return ["CPUExecutionProvider"]


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
