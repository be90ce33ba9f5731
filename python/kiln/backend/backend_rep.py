"""The prepared model of kiln.backend: an InferenceSession."""

from onnx.backend.base import BackendRep

from .._session import InferenceSession


class KilnBackendRep(BackendRep):
    """Runs a compiled model with inputs given as a list (in graph input
    order), a dict (by name) or one array."""

    def __init__(self, session):
        if not isinstance(session, InferenceSession):
            raise TypeError(f"expected a kiln.InferenceSession, got "
                            f"{type(session).__name__}")
        self._session = session

    @property
    def session(self):
        return self._session

    def run(self, inputs, **kwargs):
        """`kwargs` may set RunOptions fields (as ORT's backend allows)."""
        import numpy as np

        from .._options import RunOptions

        options = RunOptions()
        for key, value in kwargs.items():
            if key in ("log_severity_level", "log_verbosity_level", "logid",
                       "terminate", "only_execute_path_to_fetches"):
                setattr(options, key, value)
        names = [i.name for i in self._session.get_inputs()]
        if isinstance(inputs, dict):
            feed = dict(inputs)
        elif isinstance(inputs, (list, tuple)):
            # One per graph input, in order (extra entries are ignored, as
            # ORT's backend does).
            if len(inputs) < len(names):
                raise RuntimeError(
                    f"Model expects {len(names)} inputs, got {len(inputs)}")
            feed = dict(zip(names, inputs))
        elif isinstance(inputs, np.ndarray) and len(names) == 1:
            feed = {names[0]: inputs}
        else:
            raise RuntimeError(
                f"Unexpected inputs of type {type(inputs).__name__}: a list, "
                "a dict or one numpy array")
        return self._session.run(None, feed, options)
