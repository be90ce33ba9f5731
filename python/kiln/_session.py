"""InferenceSession, NodeArg and ModelMetadata, as ONNX Runtime has them."""

import collections.abc
import ctypes
import json
import os
import shutil
import threading
import time
import warnings

import numpy as np

from . import _cache, _errors, _runtime
from ._options import SessionOptions, kiln_opt_level

CPU_PROVIDER = "CPUExecutionProvider"
# Names ONNX Runtime knows; Kiln compiles for the CPU only so far, so each of
# these falls back to the CPU with a warning, as ORT does when a provider
# cannot start.
_KNOWN_PROVIDERS = (
    "TensorrtExecutionProvider",
    "CUDAExecutionProvider",
    "MIGraphXExecutionProvider",
    "ROCMExecutionProvider",
    "OpenVINOExecutionProvider",
    "DnnlExecutionProvider",
    "CoreMLExecutionProvider",
    "DmlExecutionProvider",
    "QNNExecutionProvider",
    "XnnpackExecutionProvider",
    "AzureExecutionProvider",
    CPU_PROVIDER,
)

_ELEM_NAMES = {
    1: "float", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32",
    7: "int64", 8: "string", 9: "bool", 10: "float16", 11: "double",
    12: "uint32", 13: "uint64", 14: "complex64", 15: "complex128",
    16: "bfloat16",
}
# numpy (kind, itemsize) -> ONNX element type.
_ELEM_OF_DTYPE = {
    ("f", 4): 1, ("u", 1): 2, ("i", 1): 3, ("u", 2): 4, ("i", 2): 5,
    ("i", 4): 6, ("i", 8): 7, ("b", 1): 9, ("f", 2): 10, ("f", 8): 11,
    ("u", 4): 12, ("u", 8): 13, ("c", 8): 14, ("c", 16): 15,
}
_DTYPE_OF_ELEM = {
    1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16,
    6: np.int32, 7: np.int64, 9: np.bool_, 10: np.float16, 11: np.float64,
    12: np.uint32, 13: np.uint64,
}
# Element types the runtime can take from numpy memory as is.
_KILN_ELEMS = frozenset(_DTYPE_OF_ELEM) | {16}


def _bfloat16_dtype():
    try:
        import ml_dtypes
    except ImportError:
        return None
    return np.dtype(ml_dtypes.bfloat16)


def _elem_of(array):
    dtype = array.dtype
    if dtype.name == "bfloat16":
        return 16
    if dtype.kind in "USO":
        return 8
    return _ELEM_OF_DTYPE.get((dtype.kind, dtype.itemsize), 0)


def _string_addresses(array):
    """A str/bytes/object array as the runtime takes string tensors: the
    address of one NUL-terminated UTF-8 string per element (uint64, same
    shape). Returns (addresses, buffer); the buffer holds the bytes and must
    outlive the run."""
    parts = [p if isinstance(p, bytes) else str(p).encode("utf-8")
             for p in array.ravel().tolist()]
    sizes = np.fromiter((len(p) + 1 for p in parts), dtype=np.uint64,
                        count=len(parts))
    offsets = np.cumsum(sizes, dtype=np.uint64) - sizes
    buffer = np.frombuffer(b"\0".join(parts) + b"\0", dtype=np.uint8)
    addresses = offsets + np.uint64(buffer.ctypes.data)
    return addresses.reshape(array.shape), buffer


def _decode_strings(addresses):
    """The object array of str of a string output (see _string_addresses);
    `addresses` keeps the runtime's value, which owns the bytes, alive."""
    out = np.empty(addresses.shape, dtype=object)
    flat = out.reshape(-1)
    for i, a in enumerate(addresses.reshape(-1).tolist()):
        flat[i] = ctypes.string_at(a).decode("utf-8", errors="replace")
    return out


def _type_string(elem):
    return f"tensor({_ELEM_NAMES.get(elem, 'undefined')})"


class NodeArg:
    """A graph input or output: name, type ('tensor(float)') and shape
    (int for a fixed dim, str for a symbolic one, None when unknown)."""

    __slots__ = ("_name", "_elem", "_shape")

    def __init__(self, name, elem_type, shape):
        self._name = name
        self._elem = elem_type
        self._shape = tuple(shape)

    @property
    def name(self):
        return self._name

    @property
    def type(self):
        return _type_string(self._elem)

    @property
    def shape(self):
        return list(self._shape)

    def __str__(self):
        # ORT quotes name and type literally and prints the shape as a list.
        return (f"NodeArg(name='{self._name}', type='{self.type}', "
                f"shape={list(self._shape)})")

    __repr__ = __str__


class ModelMetadata:
    """The model's metadata as ORT reports it (`version` is an int)."""

    def __init__(self, entries):
        get = entries.get
        self.producer_name = get("producer_name", "")
        self.graph_name = get("graph_name", "")
        self.domain = get("domain", "")
        self.description = get("description", "")
        self.graph_description = get("graph_description", "")
        try:
            self.version = int(get("version", "0"))
        except ValueError:
            self.version = 0
        self.custom_metadata_map = {
            k[len("custom."):]: v for k, v in entries.items()
            if k.startswith("custom.")
        }


def _normalize_providers(providers, provider_options):
    """ORT's check_and_normalize_provider_args, with Kiln's available list:
    returns [(name, {str: str})] in order, warning on unknown names."""
    if providers is None:
        return []
    available = [CPU_PROVIDER]
    chosen = {}

    def add(name, options):
        if name not in available:
            warnings.warn(
                f"Specified provider '{name}' is not in available provider "
                f"names.Available providers: '{', '.join(available)}'"
            )
        if name in chosen:
            warnings.warn(
                f"Duplicate provider '{name}' encountered, ignoring.")
            return
        chosen[name] = {str(k): str(v) for k, v in options.items()}

    if not isinstance(providers, collections.abc.Sequence):
        raise ValueError("'providers' should be a sequence.")
    if provider_options is not None:
        if not isinstance(provider_options, collections.abc.Sequence):
            raise ValueError("'provider_options' should be a sequence.")
        if len(providers) != len(provider_options):
            raise ValueError(
                "'providers' and 'provider_options' should be the same length "
                "if both are given."
            )
        if not all(isinstance(p, str) for p in providers):
            raise ValueError(
                "Only string values for 'providers' are supported if "
                "'provider_options' is given."
            )
        if not all(isinstance(o, dict) for o in provider_options):
            raise ValueError("'provider_options' values must be dicts.")
        for name, options in zip(providers, provider_options):
            add(name, options)
    else:
        for p in providers:
            if isinstance(p, str):
                add(p, {})
            elif (isinstance(p, tuple) and len(p) == 2
                  and isinstance(p[0], str) and isinstance(p[1], dict)):
                add(p[0], p[1])
            else:
                raise ValueError(
                    "'providers' values must be either strings or "
                    "(string, dict) tuples."
                )
    return list(chosen.items())


class _Profiler:
    """Chrome-trace events in ORT's format, written by end_profiling():
    session events recorded here ("Session") and the runtime's kernel events
    ("Node", one per compiled kernel per run, named after the ONNX nodes the
    kernel covers). Both use CLOCK_MONOTONIC, perf_counter_ns's clock."""

    def __init__(self, prefix):
        self._prefix = prefix
        self._start = time.perf_counter_ns()
        self._events = []
        self._lock = threading.Lock()

    def record(self, name, begin_ns, end_ns):
        event = {
            "cat": "Session", "pid": os.getpid(),
            "tid": threading.get_native_id(),
            "dur": (end_ns - begin_ns) // 1000,
            "ts": (begin_ns - self._start) // 1000,
            "ph": "X", "name": name, "args": {},
        }
        with self._lock:
            self._events.append(event)

    def record_kernels(self, kernels, events):
        """`kernels`: (name, op_name) by kernel index; `events`: (kernel,
        thread id, start ns, duration ns) from the runtime."""
        pid = os.getpid()
        converted = []
        for kernel, tid, start_ns, duration_ns in events:
            name, op_name = kernels[kernel]
            converted.append({
                "cat": "Node", "pid": pid, "tid": tid,
                "dur": duration_ns // 1000,
                "ts": (start_ns - self._start) // 1000,
                "ph": "X", "name": name,
                "args": {"op_name": op_name,
                         "provider": CPU_PROVIDER},
            })
        with self._lock:
            self._events.extend(converted)

    def write(self):
        stamp = time.strftime("%Y-%m-%d_%H-%M-%S")
        path = f"{self._prefix}_{stamp}.json"
        with self._lock:
            events, self._events = self._events, []
        events.sort(key=lambda e: e["ts"])
        with open(path, "w", encoding="utf-8") as f:
            f.write("[\n")
            f.write(",\n".join(json.dumps(e, separators=(",", ":"))
                               for e in events))
            f.write("\n]\n")
        return path


def _is_artifact(path):
    if path.endswith(".so"):
        return True
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


class InferenceSession:
    """ONNX Runtime's InferenceSession over a Kiln artifact.

    `path_or_bytes` is an ONNX model (a path or serialized bytes), compiled
    now through the cache (see kiln._cache), or a compiled Kiln ``.so``,
    loaded directly.
    """

    def __init__(self, path_or_bytes, sess_options=None, providers=None,
                 provider_options=None, **kwargs):
        begin = time.perf_counter_ns()
        if isinstance(path_or_bytes, (str, os.PathLike)):
            self._model_path = os.fspath(path_or_bytes)
            self._model_bytes = None
        elif isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
            self._model_path = None
            self._model_bytes = bytes(path_or_bytes)
        else:
            raise TypeError(
                f"Unable to load from type '{type(path_or_bytes)}'")
        self._sess_options = (sess_options._copy() if sess_options is not None
                              else SessionOptions())
        opts = self._sess_options
        self._verbose = 0 <= opts.log_severity_level <= 1
        self._quiet = opts.log_severity_level >= 3

        try:
            normalized = _normalize_providers(providers, provider_options)
        except ValueError as e:
            # ORT catches its own argument errors here and retries on the
            # fallback providers (the CPU), printing this block.
            print("*************** EP Error ***************")
            print(f"EP Error {e} when using {providers}")
            print(f"Falling back to ['{CPU_PROVIDER}'] and retrying.")
            print("****************************************")
            normalized = []
        self._providers, self._provider_options = self._select_providers(
            normalized)

        self._profiler = (_Profiler(opts.profile_file_prefix)
                          if opts.enable_profiling else None)
        self.cache_hit = None
        so_path = self._artifact_path()
        loaded = time.perf_counter_ns()
        config = list(opts._config.items())
        if self._profiler:
            # The runtime records kernel events for artifacts compiled with
            # profiling (see _artifact_path).
            config.append(("kiln.enable_profiling", "1"))
        def open_session(path):
            return _runtime.Session(path, opts.intra_op_num_threads,
                                    opts.inter_op_num_threads, config)

        try:
            self._sess = open_session(so_path)
        except Exception as e:  # noqa: BLE001 (re-raised unless damaged)
            # A cache entry damaged on disk (truncated, flipped bytes) is
            # compiled again, not loaded.
            if not (self.cache_hit and "the artifact is damaged" in str(e)):
                raise
            try:
                os.unlink(so_path)
            except OSError:
                pass
            so_path = self._artifact_path()
            self._sess = open_session(so_path)
        self._so_path = so_path
        inputs, outputs = self._sess.inputs(), self._sess.outputs()
        # The compiler names every anonymous input dim "<input>_d<index>"
        # (ModelLoader); ORT reports those dims as None.
        synthesized = {f"{n}_d{i}" for n, (_, s) in inputs
                       for i in range(len(s))}

        def node_arg(name, elem, shape):
            return NodeArg(name, elem, [None if d in synthesized else d
                                        for d in shape])

        self._inputs = [node_arg(n, t, s) for n, (t, s) in inputs]
        self._outputs = [node_arg(n, t, s) for n, (t, s) in outputs]
        self._output_names = [o.name for o in self._outputs]
        if opts.optimized_model_filepath:
            shutil.copyfile(so_path, opts.optimized_model_filepath)
        if self._profiler:
            end = time.perf_counter_ns()
            self._profiler.record("model_loading_uri", begin, loaded)
            self._profiler.record("session_initialization", loaded, end)

    def _warn(self, message):
        if not self._quiet:
            warnings.warn(message, RuntimeWarning, stacklevel=3)

    def _select_providers(self, normalized):
        """Keeps the CPU provider only (the implicit last fallback); every
        other provider falls back with a warning, as in ORT when a provider
        cannot start."""
        for name, _ in normalized:
            if name != CPU_PROVIDER and name in _KNOWN_PROVIDERS:
                self._warn(
                    f"{name} is not available in Kiln yet (it compiles for "
                    f"the CPU only); falling back to {CPU_PROVIDER}."
                )
        cpu_options = dict(normalized).get(CPU_PROVIDER, {})
        return [CPU_PROVIDER], {CPU_PROVIDER: cpu_options}

    def _artifact_path(self):
        opts = self._sess_options
        path = self._model_path
        if path is not None:
            if not os.path.exists(path):
                raise _errors.make_error(
                    3, f"Load model from {path} failed:Load model {path} "
                    "failed. File doesn't exist")
            if _is_artifact(path):
                return path
            with open(path, "rb") as f:
                content = f.read()
        else:
            if self._model_bytes[:4] == b"\x7fELF":
                raise _errors.make_error(
                    2, "a compiled Kiln artifact must be loaded from a path, "
                    "not from bytes")
            content = self._model_bytes
        level = kiln_opt_level(opts.graph_optimization_level)
        target_cpu = opts._config.get("kiln.target_cpu", "native")
        so_path, hit = _cache.get_artifact(
            path, content, level, opts._free_dims, target_cpu,
            profile=opts.enable_profiling)
        self.cache_hit = hit
        if self._verbose:
            print(f"kiln: {'loaded' if hit else 'compiled'} "
                  f"{path or '<bytes>'} -O{level} -> {so_path}")
        return so_path

    # ----------------------------------------------------------- queries
    def get_inputs(self):
        return list(self._inputs)

    def get_outputs(self):
        return list(self._outputs)

    def get_overridable_initializers(self):
        # Initializers are compiled into the artifact.
        return []

    def get_modelmeta(self):
        return ModelMetadata(dict(self._sess.metadata()))

    def get_providers(self):
        return list(self._providers)

    def get_provider_options(self):
        return {k: dict(v) for k, v in self._provider_options.items()}

    def get_session_options(self):
        return self._sess_options

    def set_providers(self, providers=None, provider_options=None):
        normalized = _normalize_providers(providers, provider_options)
        self._providers, self._provider_options = self._select_providers(
            normalized)

    def end_profiling(self):
        if self._profiler is None:
            return ""
        self._profiler.record_kernels(self._sess.kernels(),
                                      self._sess.take_profile_events())
        return self._profiler.write()

    def io_binding(self):
        raise _errors.make_error(
            9, "io_binding is not supported by Kiln yet; use run()")

    @property
    def artifact_path(self):
        """The compiled .so this session runs (Kiln extension)."""
        return self._so_path

    # ----------------------------------------------------------- running
    def _validate_input(self, feed_input_names):
        missing = [i.name for i in self._inputs
                   if i.name not in feed_input_names]
        if missing:
            raise ValueError(
                f"Required inputs ({missing}) are missing from input feed "
                f"({feed_input_names})."
            )

    def _to_array(self, name, value, expected):
        """numpy in as is (never cast, as ORT); lists take the input's
        type; anything else is ORT's RuntimeError."""
        if isinstance(value, np.ndarray):
            array = value
        elif isinstance(value, list):
            dtype = _DTYPE_OF_ELEM.get(expected)
            if expected == 16:
                dtype = _bfloat16_dtype()
            array = np.asarray(value, dtype=dtype)
        elif isinstance(value, (str, bytes, tuple, dict)):
            raise RuntimeError(
                "Input must be a list of dictionaries or a single numpy "
                f"array for input '{name}'.")
        else:
            raise RuntimeError(
                f"Unable to handle object of type {type(value)}")
        elem = _elem_of(array)
        if elem == 8:
            return elem, array  # converted by run(): see _string_addresses
        if elem not in _KILN_ELEMS:
            # The runtime cannot wrap these; report them as ORT would.
            if elem != expected:
                raise _errors.make_error(
                    2, "Unexpected input data type. Actual: "
                    f"({_type_string(elem)}) , expected: "
                    f"({_type_string(expected)})")
            raise _errors.make_error(
                9, f"Kiln does not support {_type_string(elem)} inputs yet")
        if elem == 16:
            array = array.view(np.uint16)
        if not array.dtype.isnative:
            array = array.astype(array.dtype.newbyteorder("="))
        if not array.flags.c_contiguous:
            array = np.ascontiguousarray(array)
        return elem, array

    def run(self, output_names, input_feed, run_options=None):
        """Runs the model; returns a list of numpy arrays, one per output
        in `output_names` (all outputs in model order when None or [])."""
        begin = time.perf_counter_ns()
        self._validate_input(list(input_feed.keys()))
        if not output_names:
            output_names = self._output_names
        expected = {i.name: i._elem for i in self._inputs}
        feeds = []
        string_bytes = []  # alive until the run returns
        for name, value in input_feed.items():
            elem, array = self._to_array(name, value, expected.get(name, 0))
            if elem == 8:
                array, buffer = _string_addresses(array)
                string_bytes.append(buffer)
            feeds.append((name, (elem, array)))
        results = self._sess.run(list(output_names), feeds)
        del string_bytes
        if any(o._elem == 8 for o in self._outputs):
            elems = {o.name: o._elem for o in self._outputs}
            results = [_decode_strings(r) if elems.get(n) == 8 else r
                       for n, r in zip(output_names, results)]
        if any(o._elem == 16 for o in self._outputs):
            results = self._bfloat16_outputs(output_names, results)
        if self._profiler:
            self._profiler.record("model_run", begin, time.perf_counter_ns())
        return results

    def _bfloat16_outputs(self, output_names, results):
        bf16 = _bfloat16_dtype()
        if bf16 is None:
            return results  # uint16 bit patterns without ml_dtypes
        elems = {o.name: o._elem for o in self._outputs}
        return [r.view(bf16) if elems.get(n) == 16 else r
                for n, r in zip(output_names, results)]
