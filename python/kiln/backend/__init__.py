"""ONNX's backend API over Kiln (`onnx.backend.base.Backend`), under the
import path ONNX Runtime uses: `kiln.backend.prepare(model).run(inputs)`,
`run_model`, `run_node`, `supports_device`, `is_compatible`. It is what
`onnx.backend.test.BackendTest(kiln.backend, __name__)` runs against.
Needs the onnx package."""

from .backend import (  # noqa: F401
    KilnBackend,
    is_compatible,
    prepare,
    run,
    run_model,
    run_node,
    supports_device,
)
from .backend_rep import KilnBackendRep  # noqa: F401
