"""SessionOptions, RunOptions and the enums, as ONNX Runtime spells them."""

import enum


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


def kiln_opt_level(level):
    """The Kiln -O level of an ORT GraphOptimizationLevel (or int)."""
    level = int(level)
    if level <= 0:
        return 0
    # LAYOUT (3) adds layout changes, which are part of Kiln's -O3.
    return {1: 1, 2: 2}.get(level, 3)


class SessionOptions:
    """Options for InferenceSession; fields and defaults as ONNX Runtime's.

    Fields that change the generated code (graph_optimization_level, free
    dimension overrides, the ``kiln.target_cpu`` config entry) are part of
    the compile cache key.
    """

    def __init__(self):
        self._level = GraphOptimizationLevel.ORT_ENABLE_ALL
        self._execution_mode = ExecutionMode.ORT_SEQUENTIAL
        self.intra_op_num_threads = 0
        self.inter_op_num_threads = 0
        self.enable_profiling = False
        self.profile_file_prefix = "onnxruntime_profile_"
        self.optimized_model_filepath = ""
        # -1 means "the default" (warnings), as in ONNX Runtime 1.2x.
        self.log_severity_level = -1
        self.log_verbosity_level = 0
        self.logid = ""
        self.enable_cpu_mem_arena = True
        self.enable_mem_pattern = True
        self.enable_mem_reuse = True
        self.use_deterministic_compute = False
        self.use_per_session_threads = True
        self._free_dims = {}
        self._config = {}

    @property
    def graph_optimization_level(self):
        return self._level

    @graph_optimization_level.setter
    def graph_optimization_level(self, level):
        self._level = GraphOptimizationLevel(level)

    @property
    def execution_mode(self):
        return self._execution_mode

    @execution_mode.setter
    def execution_mode(self, mode):
        self._execution_mode = ExecutionMode(mode)

    def add_free_dimension_override_by_name(self, dim_name, dim_value):
        """Pins the symbolic dim `dim_name` to `dim_value` at compile time."""
        if not isinstance(dim_name, str):
            raise TypeError("dim_name must be a str")
        self._free_dims[dim_name] = int(dim_value)

    def add_session_config_entry(self, key, value):
        """Free-form entries; unknown keys are accepted, as in ORT."""
        self._config[str(key)] = str(value)

    def get_session_config_entry(self, key):
        if key not in self._config:
            raise RuntimeError(
                f"SessionOptions does not have configuration with key: {key}"
            )
        return self._config[key]

    def _copy(self):
        other = SessionOptions()
        other.__dict__.update(self.__dict__)
        other._free_dims = dict(self._free_dims)
        other._config = dict(self._config)
        return other


class RunOptions:
    """Per-run options; accepted for compatibility, none changes a run."""

    def __init__(self):
        self.log_severity_level = -1
        self.log_verbosity_level = 0
        self.logid = ""
        self.only_execute_path_to_fetches = False
        self.terminate = False
        self._config = {}

    def add_run_config_entry(self, key, value):
        self._config[str(key)] = str(value)

    def get_run_config_entry(self, key):
        if key not in self._config:
            raise RuntimeError(
                f"RunOptions does not have configuration with key: {key}"
            )
        return self._config[key]
