"""SessionOptions, RunOptions and the enums, as ONNX Runtime spells them.

ONNX Runtime's option classes are pybind11 classes: setting an attribute
they do not have raises AttributeError, and a value of the wrong type
raises TypeError ("incompatible function arguments"). These classes do the
same through typed fields (see _Field).
"""

import enum
import numbers
import os

from . import _errors, _runtime


class GraphOptimizationLevel(enum.IntEnum):
    """ONNX Runtime's levels; each selects one Kiln pipeline (-O0..-O3)."""

    ORT_DISABLE_ALL = 0
    ORT_ENABLE_BASIC = 1
    ORT_ENABLE_EXTENDED = 2
    ORT_ENABLE_LAYOUT = 3
    ORT_ENABLE_ALL = 99

    def __str__(self):
        # As pybind11 enums print: "GraphOptimizationLevel.ORT_ENABLE_ALL".
        return f"{type(self).__name__}.{self.name}"


class ExecutionMode(enum.IntEnum):
    ORT_SEQUENTIAL = 0
    ORT_PARALLEL = 1

    def __str__(self):
        return f"{type(self).__name__}.{self.name}"


class ExecutionOrder(enum.IntEnum):
    """ORT's node ordering; a compiled model has one order (recorded only)."""

    DEFAULT = 0
    PRIORITY_BASED = 1
    MEMORY_EFFICIENT = 2

    def __str__(self):
        return f"{type(self).__name__}.{self.name}"


def kiln_opt_level(level):
    """The Kiln -O level of an ORT GraphOptimizationLevel (or int)."""
    level = int(level)
    if level <= 0:
        return 0
    # LAYOUT (3) adds layout changes, which are part of Kiln's -O3.
    return {1: 1, 2: 2}.get(level, 3)


_QUALIFIED = "kiln.capi.onnxruntime_pybind11_state"


def _type_error(owner, method, expected, args):
    """pybind11's message for a call with arguments it cannot convert."""
    shown = ", ".join([f"<{_QUALIFIED}.{type(owner).__name__} object>"]
                      + [repr(a) for a in args])
    params = ", ".join(f"arg{i + 1}: {t}" for i, t in enumerate(expected))
    return TypeError(
        f"{method}(): incompatible function arguments. The following "
        "argument types are supported:\n"
        f"    1. (arg0: {_QUALIFIED}.{type(owner).__name__}, {params}) -> "
        f"None\n\nInvoked with: {shown}")


def _convert(kind, value):
    """`value` as pybind11 converts it to `kind`, or raises ValueError."""
    if kind is int:
        # pybind11 takes ints, bools and anything with __index__, not floats.
        if isinstance(value, float) or not hasattr(value, "__index__"):
            raise ValueError
        return int(value.__index__())
    if kind is bool:
        # pybind11's bool caster (with conversion) takes None and anything
        # with a numeric truth value; strings and containers are refused.
        if value is None:
            return False
        if isinstance(value, (str, bytes, list, tuple, dict)):
            raise ValueError
        if not isinstance(value, (bool, numbers.Number)) and not hasattr(
                type(value), "__bool__"):
            raise ValueError
        return bool(value)
    if kind is str:
        if isinstance(value, str):
            return value
        if isinstance(value, os.PathLike):
            return os.fspath(value)
        raise ValueError
    # An enum: only its own members (pybind11 enums do not take ints).
    if isinstance(value, kind):
        return value
    raise ValueError


class _Field:
    """A typed attribute stored in the instance's `_values`."""

    def __init__(self, kind, default, type_name=None):
        self.kind = kind
        self.default = default
        self.type_name = type_name or {
            int: "typing.SupportsInt | typing.SupportsIndex", bool: "bool",
            str: "str"}.get(kind, getattr(kind, "__name__", str(kind)))

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return obj._values[self.name]

    def __set__(self, obj, value):
        try:
            converted = _convert(self.kind, value)
        except ValueError:
            raise _type_error(obj, "", [self.type_name], [value]) from None
        obj._values[self.name] = converted
        obj._changed(self.name, converted)


class _Strict:
    """Refuses attributes the class does not define, as pybind11 classes do."""

    __slots__ = ("_values",)

    def __init__(self):
        object.__setattr__(self, "_values", {})
        for name, field in self._fields().items():
            self._values[name] = field.default

    @classmethod
    def _fields(cls):
        fields = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, _Field):
                    fields[name] = value
        return fields

    def __setattr__(self, name, value):
        if not hasattr(type(self), name) or name.startswith("__"):
            raise AttributeError(
                f"'{_QUALIFIED}.{type(self).__name__}' object has no "
                f"attribute '{name}'")
        object.__setattr__(self, name, value)

    def _changed(self, name, value):
        pass


def _check_args(owner, method, expected, args):
    """Converts `args` to `expected` kinds or raises pybind11's TypeError."""
    names = [_Field(k, None).type_name for k in expected]
    try:
        return [_convert(k, a) for k, a in zip(expected, args)]
    except ValueError:
        raise _type_error(owner, method, names, args) from None


class SessionOptions(_Strict):
    """Options for InferenceSession; fields and defaults as ONNX Runtime's.

    Fields that change the generated code (graph_optimization_level, free
    dimension overrides, initializers, the ``kiln.target_cpu`` config entry)
    are part of the compile cache key.
    """

    __slots__ = ("_free_dims", "_denotations", "_config", "_initializers",
                 "_external_initializers")

    graph_optimization_level = _Field(
        GraphOptimizationLevel, GraphOptimizationLevel.ORT_ENABLE_ALL,
        f"{_QUALIFIED}.GraphOptimizationLevel")
    execution_mode = _Field(ExecutionMode, ExecutionMode.ORT_SEQUENTIAL,
                            f"{_QUALIFIED}.ExecutionMode")
    execution_order = _Field(ExecutionOrder, ExecutionOrder.DEFAULT,
                             f"{_QUALIFIED}.ExecutionOrder")
    intra_op_num_threads = _Field(int, 0)
    inter_op_num_threads = _Field(int, 0)
    enable_profiling = _Field(bool, False)
    profile_file_prefix = _Field(str, "onnxruntime_profile_")
    # ORT's meaning: where to write the optimized ONNX model. Kiln writes
    # the ONNX model it compiles (see docs/python-api.md); the compiled
    # artifact is kept with the config entry "kiln.artifact_filepath".
    optimized_model_filepath = _Field(str, "")
    # -1 means "the default" (warnings), as in ONNX Runtime 1.2x.
    log_severity_level = _Field(int, -1)
    log_verbosity_level = _Field(int, 0)
    logid = _Field(str, "")
    enable_cpu_mem_arena = _Field(bool, True)
    enable_mem_pattern = _Field(bool, True)
    enable_mem_reuse = _Field(bool, True)
    use_deterministic_compute = _Field(bool, False)
    use_per_session_threads = _Field(bool, True)

    def __init__(self):
        super().__init__()
        object.__setattr__(self, "_free_dims", {})
        object.__setattr__(self, "_denotations", {})
        object.__setattr__(self, "_config", {})
        # name -> OrtValue (kept alive, as ORT requires of the caller).
        object.__setattr__(self, "_initializers", {})
        object.__setattr__(self, "_external_initializers", {})

    def add_free_dimension_override_by_name(self, dim_name, dim_value):
        """Pins the symbolic dim `dim_name` to `dim_value` at compile time."""
        dim_name, dim_value = _check_args(
            self, "add_free_dimension_override_by_name", (str, int),
            (dim_name, dim_value))
        self._free_dims[dim_name] = dim_value

    def add_free_dimension_override_by_denotation(self, dim_denotation,
                                                  dim_value):
        """Pins every input dim whose denotation is `dim_denotation`
        (DATA_BATCH, DATA_CHANNEL, ...) at compile time."""
        dim_denotation, dim_value = _check_args(
            self, "add_free_dimension_override_by_denotation", (str, int),
            (dim_denotation, dim_value))
        self._denotations[dim_denotation] = dim_value

    def add_session_config_entry(self, key, value):
        """Free-form entries; unknown keys are accepted, as in ORT."""
        key, value = _check_args(self, "add_session_config_entry",
                                 (str, str), (key, value))
        self._config[key] = value

    def get_session_config_entry(self, key):
        (key,) = _check_args(self, "get_session_config_entry", (str,), (key,))
        if key not in self._config:
            raise RuntimeError(
                f"SessionOptions does not have configuration with key: {key}"
            )
        return self._config[key]

    def add_initializer(self, name, ort_value):
        """Replaces the model's initializer `name` with `ort_value` when the
        session compiles the model (names the model lacks are ignored, as in
        ORT). The value is compiled into the artifact."""
        from ._ortvalue import OrtValue

        (name,) = _check_args(self, "add_initializer", (str,), (name,))
        if not isinstance(ort_value, OrtValue):
            raise RuntimeError("The provided Python object must be an "
                               "OrtValue")
        self._initializers[name] = ort_value

    def add_external_initializers(self, names, ort_values):
        """As add_initializer, for initializers whose data is stored
        outside the model (ORT refuses the others)."""
        from ._ortvalue import OrtValue

        names, ort_values = list(names), list(ort_values)
        if len(names) != len(ort_values):
            raise RuntimeError("Expecting names and ort_values lists to have "
                               "equal length")
        for name, value in zip(names, ort_values):
            if not isinstance(name, str):
                raise _type_error(self, "add_external_initializers",
                                  ["list[str]", "list[object]"],
                                  [names, ort_values])
            if not isinstance(value, OrtValue):
                # ORT's wrapper reads each value's _ortvalue first: anything
                # else is an AttributeError naming the object's type.
                getattr(value, "_ortvalue")
                raise RuntimeError("The provided Python object must be an "
                                   "OrtValue")
            self._external_initializers[name] = value

    def register_custom_ops_library(self, library_path):
        """Custom operator libraries hold ORT kernels, which a compiled model
        cannot call: NOT_IMPLEMENTED. A file the dynamic loader refuses (a
        missing file, no shared object) is FAIL with the loader's words, as
        ORT reports it: ORT loads the library first, and so does Kiln."""
        (library_path,) = _check_args(self, "register_custom_ops_library",
                                      (str,), (library_path,))
        import ctypes

        try:
            ctypes.CDLL(library_path)
        except OSError as e:
            raise _errors.make_error(
                1, f"Failed to load library {library_path} with error: "
                f"{e}") from None
        raise _errors.make_error(
            9, f"Kiln cannot use the custom operator library {library_path}: "
            "it compiles models ahead of time and cannot call ONNX Runtime "
            "kernels (custom operators are not supported)")

    def _copy(self):
        other = SessionOptions()
        other._values.update(self._values)
        other._free_dims.update(self._free_dims)
        other._denotations.update(self._denotations)
        other._config.update(self._config)
        other._initializers.update(self._initializers)
        other._external_initializers.update(self._external_initializers)
        return other


class RunOptions(_Strict):
    """Per-run options. `terminate`, set from any thread, fails runs that
    use these options with ORT's FAIL 'Exiting due to terminate flag being
    set to true.' (a run already inside the compiled code finishes it
    first, then fails)."""

    __slots__ = ("_config", "_native")

    log_severity_level = _Field(int, -1)
    log_verbosity_level = _Field(int, 0)
    logid = _Field(str, "")
    only_execute_path_to_fetches = _Field(bool, False)
    terminate = _Field(bool, False)

    def __init__(self):
        object.__setattr__(self, "_native", _runtime.RunOptions())
        object.__setattr__(self, "_config", {})
        super().__init__()

    def _changed(self, name, value):
        if name == "terminate":
            self._native.set_terminate(value)
        elif name == "logid":
            self._native.set_run_tag(value)
        elif name == "log_severity_level" and 0 <= value <= 4:
            self._native.set_log_severity_level(value)

    def add_run_config_entry(self, key, value):
        key, value = _check_args(self, "add_run_config_entry", (str, str),
                                 (key, value))
        self._config[key] = value
        self._native.add_config_entry(key, value)

    def get_run_config_entry(self, key):
        (key,) = _check_args(self, "get_run_config_entry", (str,), (key,))
        if key not in self._config:
            raise RuntimeError(
                f"RunOptions does not have configuration with key: {key}"
            )
        return self._config[key]
