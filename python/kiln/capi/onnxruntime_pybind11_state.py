"""The names code imports from `onnxruntime.capi.onnxruntime_pybind11_state`:
the exception classes (the very classes `kiln` raises, created by the
`_runtime` extension), the option classes and enums, OrtValue and the
module functions."""

from .._errors import (  # noqa: F401
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
from .._options import (  # noqa: F401
    ExecutionMode,
    ExecutionOrder,
    GraphOptimizationLevel,
    RunOptions,
    SessionOptions,
)
from .._ortvalue import IOBinding as SessionIOBinding  # noqa: F401
from .._ortvalue import OrtValue  # noqa: F401
from .._session import ModelMetadata, NodeArg  # noqa: F401
from .. import (  # noqa: F401
    disable_telemetry_events,
    enable_telemetry_events,
    get_all_providers,
    get_available_providers,
    get_build_info,
    get_device,
    get_version_string,
    set_default_logger_severity,
    set_default_logger_verbosity,
    set_seed,
)
