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
from ._ortvalue import (VIEWED_ELEMS, IOBinding, OrtValue, bfloat16_dtype,
                        bits_dtype, dtype_of_elem, elem_of, type_string)

CPU_PROVIDER = "CPUExecutionProvider"
CUDA_PROVIDER = "CUDAExecutionProvider"
# Names ONNX Runtime knows; Kiln compiles for the CPU and CUDA, so each of
# the others falls back to the CPU with a warning, as ORT does when a
# provider cannot start.
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

# Element types the runtime can take from numpy memory (those of
# VIEWED_ELEMS as their bits).
_KILN_ELEMS = frozenset(e for e in range(1, 27)
                        if _runtime.elem_type_name(e) and e != 8)
_bfloat16_dtype = bfloat16_dtype
_elem_of = elem_of
_type_string = type_string


# kiln_abi.h: how an artifact carries a graph value.
_VALUE_TENSOR, _VALUE_SEQUENCE, _VALUE_MAP, _VALUE_SEQUENCE_OF_MAPS = 0, 1, 2, 3
_FLAG_OPTIONAL, _FLAG_ABSENT = 1, 2
# The compiler's refusal of a sequence input without a length.
_NEEDS_LENGTH = "is a sequence: its length must be fixed"
# ... and of one whose elements' rank the model leaves open.
_NEEDS_RANK = "is a sequence of tensors of unknown rank"


def _graph_inputs(model):
    """The model's graph inputs that are not initializers."""
    inits = {t.name for t in model.graph.initializer}
    return [vi for vi in model.graph.input if vi.name not in inits]


def _sequence_type(type_proto):
    """The SequenceProto type of a seq(...) or optional(seq(...)) type,
    else None."""
    if type_proto.HasField("optional_type"):
        type_proto = type_proto.optional_type.elem_type
    if type_proto.HasField("sequence_type"):
        return type_proto.sequence_type
    return None


def _ort_type(type_proto):
    """(ORT's type string, kind, flags, element type, shape) of an ONNX
    TypeProto, as the runtime would describe the compiled value."""
    if type_proto.HasField("optional_type"):
        t, kind, flags, elem, shape = _ort_type(
            type_proto.optional_type.elem_type)
        return (f"optional({t})", kind, flags | _FLAG_OPTIONAL, elem, shape)
    if type_proto.HasField("sequence_type"):
        t, kind, _, elem, _ = _ort_type(type_proto.sequence_type.elem_type)
        kind = (_VALUE_SEQUENCE_OF_MAPS if kind == _VALUE_MAP
                else _VALUE_SEQUENCE)
        return f"seq({t})", kind, 0, elem, []
    if type_proto.HasField("map_type"):
        m = type_proto.map_type
        t, _, _, elem, _ = _ort_type(m.value_type)
        key = _type_string(m.key_type)[len("tensor("):-1]
        return f"map({key},{t})", _VALUE_MAP, 0, elem, []
    tensor = type_proto.tensor_type
    shape = []
    for d in tensor.shape.dim:
        if d.HasField("dim_value"):
            shape.append(d.dim_value)
        elif d.HasField("dim_param"):
            shape.append(d.dim_param)
        else:
            shape.append(None)
    return (_type_string(tensor.elem_type), _VALUE_TENSOR, 0,
            tensor.elem_type, shape)


def _model_signature(model):
    """What a compiled session's inputs(), outputs(), input_types() and
    output_types() would give, read from the ONNX model (a session whose
    artifact waits for its first run)."""
    def describe(values):
        sig, kinds = [], []
        for vi in values:
            t, kind, flags, elem, shape = _ort_type(vi.type)
            sig.append((vi.name, (elem, shape)))
            kinds.append(_ValueKind(t, kind, flags, 0))
        return sig, kinds

    inputs, in_kinds = describe(_graph_inputs(model))
    outputs, out_kinds = describe(model.graph.output)
    return inputs, outputs, in_kinds, out_kinds


class _ValueKind:
    """How one graph input or output is carried: ORT's type string, the
    artifact's kind and flags, and its number of tensors (a sequence's
    compiled length)."""

    __slots__ = ("type", "kind", "flags", "slots")

    def __init__(self, type_str, kind, flags, slots):
        self.type = type_str
        self.kind = kind
        self.flags = flags
        self.slots = slots

    @property
    def plain(self):
        return self.kind == _VALUE_TENSOR and not self.flags


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


def _convert_output(result, elem):
    """An output as run() returns it: string tensors decoded into str
    arrays, bfloat16 and the narrow types viewed as their numpy types, in
    sequences too (maps come back as dicts already)."""
    if isinstance(result, list):
        return [_convert_output(r, elem) for r in result]
    if not isinstance(result, np.ndarray):
        return result
    if elem == 8:
        return _decode_strings(result)
    if elem in VIEWED_ELEMS:
        return result.view(dtype_of_elem(elem))
    return result


class NodeArg:
    """A graph input or output: name, type ('tensor(float)') and shape
    (int for a fixed dim, str for a symbolic one, None when unknown)."""

    __slots__ = ("_name", "_elem", "_shape", "_type")

    def __init__(self, name, elem_type, shape, type_str=None):
        self._name = name
        self._elem = elem_type
        self._shape = tuple(shape)
        # ORT's type string of a sequence, map or optional
        # ('seq(tensor(float))'); tensors derive theirs from the element.
        self._type = type_str

    @property
    def name(self):
        return self._name

    @property
    def type(self):
        if self._type is not None:
            return self._type
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
    # CUDA is reported by the session, which falls back or fails (see
    # InferenceSession._select_providers), not here.
    available = [CPU_PROVIDER, CUDA_PROVIDER]
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


# KILN_PROVIDER_CUDA (kiln_abi.h).
_PROVIDER_CUDA_ID = 1


def _cuda_provider_options(given):
    """ORT's CUDA provider options as get_provider_options() reports them:
    device_id and gpu_mem_limit (bytes; ORT's default SIZE_MAX is no limit)
    checked, the others kept as given (Kiln ignores them)."""
    out = {"device_id": "0", "gpu_mem_limit": str((1 << 64) - 1)}
    out.update(given)
    for key in ("device_id", "gpu_mem_limit"):
        try:
            value = int(out[key])
        except ValueError:
            value = -1
        if value < 0 or (key == "device_id" and value >= 1 << 20):
            raise _errors.make_error(
                2, f"[CUDAExecutionProvider] invalid {key} '{out[key]}': "
                "expected a non-negative integer")
        out[key] = str(value)
    return out


class _Profiler:
    """Chrome-trace events in ORT's format, written by end_profiling():
    session events recorded here ("Session": model_loading_uri or
    model_loading_array, session_initialization, and per run model_run
    around SequentialExecutor::Execute) and the runtime's kernel events
    ("Node", one per compiled kernel per run, named "<nodes>_kernel_time"
    after the ONNX nodes the kernel covers). Both use CLOCK_MONOTONIC,
    perf_counter_ns's clock."""

    def __init__(self, prefix, start_ns):
        self._prefix = prefix
        # `start_ns` (perf_counter_ns) is when the session began loading.
        self._start = start_ns
        # What get_profiling_start_time_ns reports: ORT's wall clock start.
        self.start_time_ns = time.time_ns() - (time.perf_counter_ns() -
                                               start_ns)
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

    def record_kernels(self, kernels, events, op_types=None):
        """`kernels`: (name, op_name) by kernel index; `events`: (kernel,
        thread id, start ns, duration ns) from the runtime; `op_types`:
        ONNX node name -> op type, when the model could be read (ORT's
        op_name is the node's op type; the compiled op is kept as
        kiln_op)."""
        pid = os.getpid()
        converted = []
        for kernel, tid, start_ns, duration_ns in events:
            name, compiled_op = kernels[kernel]
            op_name = compiled_op
            if op_types:
                types = [op_types.get(n) for n in name.split("+")]
                if all(types):
                    op_name = "+".join(dict.fromkeys(types))
            converted.append({
                "cat": "Node", "pid": pid, "tid": tid,
                "dur": duration_ns // 1000,
                "ts": (start_ns - self._start) // 1000,
                "ph": "X", "name": f"{name}_kernel_time",
                "args": {"op_name": op_name,
                         "provider": CPU_PROVIDER,
                         "kiln_op": compiled_op},
            })
        with self._lock:
            self._events.extend(converted)

    def write(self):
        now = time.time()
        stamp = time.strftime("%Y-%m-%d_%H-%M-%S", time.localtime(now))
        millis = int(now * 1000) % 1000
        path = f"{self._prefix}_{stamp}_{millis:03d}.json"
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


def _import_onnx(what):
    """The onnx package, needed to read or rewrite a model in Python."""
    try:
        import onnx
    except ImportError:
        raise _errors.make_error(
            9, f"{what} needs the 'onnx' Python package to read the model "
            "(pip install onnx)") from None
    return onnx


class _ModelEdits:
    """What the session options change in the ONNX model before it is
    compiled: initializers replaced (add_initializer,
    add_external_initializers), dims pinned by denotation, and, for the
    overridable variant, initializers listed as graph inputs turned into
    plain graph inputs. Needs the onnx package (only when used)."""

    def __init__(self, opts, demote_initializers=False):
        self.initializers = dict(opts._initializers)
        self.external = dict(opts._external_initializers)
        self.denotations = dict(opts._denotations)
        self.demote = demote_initializers

    def __bool__(self):
        return bool(self.initializers or self.external or self.denotations
                    or self.demote)

    def apply(self, model):
        onnx = _import_onnx("Changing the model from SessionOptions")
        from onnx import numpy_helper

        graph = model.graph
        by_name = {t.name: t for t in graph.initializer}
        for name, value in self.external.items():
            tensor = by_name.get(name)
            if tensor is None:
                continue
            if tensor.data_location != onnx.TensorProto.EXTERNAL:
                raise _errors.make_error(
                    1, "Trying to replace non-external initializer with "
                    "external data")
        for name, value in {**self.external, **self.initializers}.items():
            tensor = by_name.get(name)
            if tensor is None:
                continue  # ORT ignores names the model lacks
            if value._elem != tensor.data_type:
                raise _errors.make_error(
                    2, f"Initializer {name}: the OrtValue is "
                    f"{value.data_type()} but the model's initializer is "
                    f"{type_string(tensor.data_type)}")
            array = value.numpy()
            if value._elem == 16:
                array = value._array
            new = numpy_helper.from_array(np.ascontiguousarray(array), name)
            new.data_type = tensor.data_type
            tensor.CopyFrom(new)
        if self.denotations:
            for vi in graph.input:
                if not vi.type.HasField("tensor_type"):
                    continue
                for dim in vi.type.tensor_type.shape.dim:
                    if dim.denotation in self.denotations:
                        dim.ClearField("dim_param")
                        dim.dim_value = self.denotations[dim.denotation]
        if self.demote:
            inputs = {vi.name for vi in graph.input}
            kept = [t for t in graph.initializer if t.name not in inputs]
            del graph.initializer[:]
            graph.initializer.extend(kept)
        return model


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
        self._fell_back = False  # warned once, by _fall_back_to_cpu
        self._providers, self._provider_options = self._select_providers(
            normalized)
        # The CUDA architectures the artifact is compiled for: the device's
        # own when the session runs on CUDA, () for the CPU.
        self._cuda_archs = self._cuda_device_archs()

        self._profiler = (_Profiler(opts.profile_file_prefix, begin)
                          if opts.enable_profiling else None)
        # Set once end_profiling() has written the trace: an instrumented
        # artifact keeps recording, and those events are dropped.
        self._profiling_ended = False
        self.cache_hit = None
        self._model_proto = None  # parsed lazily (see _model)
        self._overridable = None
        self._override = None     # (session, defaults) once compiled
        # Sequence inputs are compiled for a length and optional inputs for
        # a value or None (kiln-compile --sequence-length/--optional-absent):
        # this session's artifact is compiled for `self._variant`
        # (sequence lengths, names of absent optionals); runs feeding other
        # lengths or None compile (through the cache) and keep other
        # variants here, by variant.
        self._variant = ((), (), ())
        self._variants = {}
        self._variant_lock = threading.Lock()
        # Sequence inputs whose elements' rank the model leaves open: their
        # variants also give each element's rank, from the feeds.
        self._unranked = frozenset()
        so_path = self._first_artifact_path()
        loaded = time.perf_counter_ns()
        if so_path is None:
            # Nothing can be compiled before the feeds give the elements'
            # ranks: the signature comes from the model, the artifact with
            # the first run.
            self._sess = None
            self._so_path = None
            inputs, outputs, in_kinds, out_kinds = _model_signature(
                self._model())
        else:
            try:
                self._sess, so_path = self._open(
                    so_path,
                    lambda: self._artifact_path(variant=self._variant))
            except _errors.EPFail as e:
                # The device would not take the artifact (no PTX for its
                # architecture, out of memory for the weights).
                if not (self._cuda_archs and self._cuda_fallback):
                    raise
                self._fall_back_to_cpu(e)
                so_path = self._first_artifact_path()
                self._sess, so_path = self._open(
                    so_path,
                    lambda: self._artifact_path(variant=self._variant))
            if self._sess.provider() == _PROVIDER_CUDA_ID:
                # A compiled CUDA artifact runs on CUDA whatever was asked.
                self._providers = [CUDA_PROVIDER, CPU_PROVIDER]
                self._provider_options.setdefault(
                    CUDA_PROVIDER, _cuda_provider_options({}))
            elif self._sess.cpu_fallback_reason() is not None and \
                    not self._fell_back:
                # The runtime opened the CUDA artifact's CPU copy.
                self._fall_back_to_cpu(self._sess.cpu_fallback_reason())
            elif self._providers[0] == CUDA_PROVIDER:
                self._providers = [CPU_PROVIDER]
                self._provider_options.pop(CUDA_PROVIDER, None)
            # None for an artifact given as bytes (loaded from memory).
            self._so_path = so_path if isinstance(so_path, str) else None
            inputs, outputs = self._sess.inputs(), self._sess.outputs()
            in_kinds = [_ValueKind(*t) for t in self._sess.input_types()]
            out_kinds = [_ValueKind(*t) for t in self._sess.output_types()]
        # The compiler names every anonymous input dim "<input>_d<index>"
        # (ModelLoader); ORT reports those dims as None.
        synthesized = {f"{n}_d{i}" for n, (_, s) in inputs
                       for i in range(len(s))}

        def node_arg(name, elem, shape):
            return NodeArg(name, elem, [None if d in synthesized else d
                                        for d in shape])

        self._input_kinds = {n: k for (n, _), k in zip(inputs, in_kinds)}
        self._output_kinds = {n: k for (n, _), k in zip(outputs, out_kinds)}
        # Sequences, maps or optionals at the edges: feeds and outputs
        # are converted (and variants compiled) only then.
        self._has_values = not all(
            k.plain for k in in_kinds + out_kinds)

        def value_arg(name, elem, shape, kind):
            arg = node_arg(name, elem, shape)
            if not kind.plain:
                arg._type = kind.type
            return arg

        self._inputs = [value_arg(n, t, s, k)
                        for (n, (t, s)), k in zip(inputs, in_kinds)]
        self._outputs = [value_arg(n, t, s, k)
                         for (n, (t, s)), k in zip(outputs, out_kinds)]
        self._output_names = [o.name for o in self._outputs]
        self._output_elems = {o.name: o._elem for o in self._outputs}
        self._input_elems = {i.name: i._elem for i in self._inputs}
        # Outputs run() converts (strings decoded, bfloat16 viewed).
        self._converted_outputs = any(e == 8 or e in VIEWED_ELEMS
                                      for e in self._output_elems.values())
        # Where sequence lengths and optional presence are read from feeds.
        self._variant_inputs = [
            n for n, k in self._input_kinds.items()
            if k.kind == _VALUE_SEQUENCE or k.flags & _FLAG_OPTIONAL]
        self._write_optimized_model()
        artifact_copy = opts._config.get("kiln.artifact_filepath")
        if artifact_copy:
            if self._so_path is None:
                with open(artifact_copy, "wb") as f:
                    f.write(self._model_bytes)
            else:
                shutil.copyfile(so_path, artifact_copy)
        if self._profiler:
            end = time.perf_counter_ns()
            loading = ("model_loading_array" if self._model_path is None
                       else "model_loading_uri")
            self._profiler.record(loading, begin, loaded)
            self._profiler.record("session_initialization", loaded, end)

    def _open(self, so_path, recompile):
        """A runtime session on `so_path`; a damaged cache entry is
        compiled again (`recompile()` gives the new path)."""
        opts = self._sess_options
        config = list(opts._config.items())
        if self._profiler:
            # The runtime records kernel events for artifacts compiled with
            # profiling (see _artifact_path).
            config.append(("kiln.enable_profiling", "1"))
        cuda = self._provider_options.get(CUDA_PROVIDER)
        if cuda is not None:
            config.append(("kiln.cuda.device_id", cuda["device_id"]))
            limit = int(cuda["gpu_mem_limit"])
            # ORT's default, SIZE_MAX, means no limit.
            config.append(("kiln.cuda.gpu_mem_limit",
                           str(limit if limit < 1 << 63 else 0)))
        if self._cuda_fallback:
            # A CUDA artifact whose device cannot be used runs its CPU copy
            # (kiln-compile --provider=cuda,cpu), if it carries one.
            config.append(("kiln.cuda.cpu_fallback", "1"))

        def open_session(path):
            return _runtime.Session(path, opts.intra_op_num_threads,
                                    opts.inter_op_num_threads, config)

        # Only a cache entry is ever removed below; an artifact given as
        # bytes has no path to stat.
        before = None
        if self.cache_hit:
            try:
                before = os.stat(so_path)
            except (OSError, ValueError):
                pass
        try:
            return open_session(so_path), so_path
        except Exception as e:  # noqa: BLE001 (re-raised unless damaged)
            # A cache entry damaged on disk (truncated, flipped bytes) is
            # compiled again, not loaded. It is removed only while it is
            # still the file that was opened: another process may have
            # renamed a rebuilt one into place since, and be opening it.
            # Or gone: another process found it damaged and removed it
            # between this one's lookup and its open (it is rebuilding it).
            gone = self.cache_hit and not os.path.exists(so_path)
            if not gone and not (self.cache_hit and
                                 "the artifact is damaged" in str(e)):
                raise
            try:
                now = os.stat(so_path)
                if before is not None and (now.st_dev, now.st_ino) == (
                        before.st_dev, before.st_ino):
                    os.unlink(so_path)
            except OSError:
                pass
            so_path = recompile()
            return open_session(so_path), so_path

    def _warn(self, message):
        if not self._quiet:
            warnings.warn(message, RuntimeWarning, stacklevel=3)

    def _select_providers(self, normalized):
        """CUDA when it comes before the CPU in the list, else the CPU (the
        implicit last fallback); every other provider falls back with a
        warning, as in ORT when a provider cannot start. A CUDA session
        falls back to the CPU only when the CPU is listed too, or nothing is
        (`self._cuda_fallback`): an .onnx is then compiled for the CPU, and
        a CUDA artifact runs its CPU copy if it carries one; otherwise a
        CUDA device that cannot be used is an error (EPFail)."""
        names = [name for name, _ in normalized]
        for name in names:
            if name not in (CPU_PROVIDER, CUDA_PROVIDER) and \
                    name in _KNOWN_PROVIDERS:
                self._warn(
                    f"{name} is not available in Kiln (it compiles for "
                    f"the CPU and CUDA); falling back to {CPU_PROVIDER}."
                )
        options = dict(normalized)
        cpu_options = options.get(CPU_PROVIDER, {})
        cuda_first = CUDA_PROVIDER in names and (
            CPU_PROVIDER not in names
            or names.index(CUDA_PROVIDER) < names.index(CPU_PROVIDER))
        # No list at all is ORT's default: every available provider, the
        # CPU last.
        self._cuda_fallback = CPU_PROVIDER in names or not names
        if cuda_first:
            return [CUDA_PROVIDER, CPU_PROVIDER], {
                CUDA_PROVIDER: _cuda_provider_options(options[CUDA_PROVIDER]),
                CPU_PROVIDER: cpu_options}
        return [CPU_PROVIDER], {CPU_PROVIDER: cpu_options}

    def _cuda_device_archs(self):
        """The architectures to compile for when the session runs on CUDA
        (the device's, or the provider option kiln_cuda_arch: "sm_80,sm_90"),
        () on the CPU. Falls back to the CPU, or raises EPFail, when the
        device cannot be used."""
        cuda = self._provider_options.get(CUDA_PROVIDER)
        if cuda is None:
            return ()
        try:
            chip = _runtime.cuda_device_chip(int(cuda["device_id"]))
        except _errors.EPFail as e:
            if not self._cuda_fallback:
                raise
            self._fall_back_to_cpu(e)
            return ()
        archs = cuda.get("kiln_cuda_arch") or chip
        return tuple(a.strip() for a in archs.split(",") if a.strip())

    def _cuda_tf32(self):
        """Whether the CUDA provider option use_tf32 (ONNX Runtime's name)
        is 1: f32 matmuls may then run on the tensor cores in TF32. Kiln
        keeps TF32 off unless asked."""
        cuda = self._provider_options.get(CUDA_PROVIDER) or {}
        return bool(self._cuda_archs) and \
            str(cuda.get("use_tf32", "0")).strip() == "1"

    def _fall_back_to_cpu(self, error):
        """ORT's fallback when a listed provider cannot start: the session
        goes on with the CPU provider alone."""
        reason = str(error).split(" : ")[-1]
        self._warn(f"{CUDA_PROVIDER} is not available: {reason}; "
                   f"falling back to {CPU_PROVIDER}.")
        self._fell_back = True
        self._providers = [CPU_PROVIDER]
        self._provider_options.pop(CUDA_PROVIDER, None)
        self._cuda_archs = ()

    def _is_artifact_model(self):
        """True for a compiled artifact, given by path or by its bytes."""
        if self._model_path is None:
            return self._model_bytes[:4] == b"\x7fELF"
        return _is_artifact(self._model_path)

    def _model(self):
        """The ONNX model as a ModelProto (with its external data when it
        was given by path), parsed once."""
        if self._model_proto is None:
            onnx = _import_onnx("Reading the model in Python")
            if self._model_path is not None:
                self._model_proto = onnx.load(self._model_path)
            else:
                self._model_proto = onnx.load_from_string(self._model_bytes)
        return self._model_proto

    def _first_artifact_path(self):
        """The artifact for the session's creation. A model with sequence
        inputs is compiled for sequences of one tensor each (the compiler
        needs a length), so that errors in the model surface now, as in
        ORT; runs with other lengths compile their own variant. None when
        a sequence's elements have no rank in the model: the first run's
        feeds give it (see _variant_session)."""
        try:
            return self._artifact_path()
        except Exception as e:  # noqa: BLE001 (re-raised unless a length)
            if _NEEDS_LENGTH not in str(e) and _NEEDS_RANK not in str(e):
                raise
        lengths, unranked = [], set()
        for vi in _graph_inputs(self._model()):
            seq = _sequence_type(vi.type)
            if seq is None:
                continue
            lengths.append((vi.name, 1))
            element = seq.elem_type
            if (element.HasField("tensor_type")
                    and not element.tensor_type.HasField("shape")):
                unranked.add(vi.name)
        self._unranked = frozenset(unranked)
        self._variant = (tuple(sorted(lengths)), (), ())
        if unranked:
            return None
        return self._artifact_path(variant=self._variant)

    def _artifact_path(self, edits=None, variant=None):
        opts = self._sess_options
        path = self._model_path
        if edits is None:
            edits = _ModelEdits(opts)
        if path is not None:
            if not os.path.exists(path):
                raise _errors.make_error(
                    3, f"Load model from {path} failed:Load model {path} "
                    "failed. File doesn't exist")
            if _is_artifact(path):
                if edits:
                    raise _errors.make_error(
                        2, "add_initializer, add_external_initializers and "
                        "add_free_dimension_override_by_denotation change "
                        f"the ONNX model, but {path} is a compiled Kiln "
                        "artifact")
                return path
            with open(path, "rb") as f:
                content = f.read()
        else:
            if self._is_artifact_model():
                if edits:
                    raise _errors.make_error(
                        2, "add_initializer, add_external_initializers and "
                        "add_free_dimension_override_by_denotation change "
                        "the ONNX model, but these bytes are a compiled Kiln "
                        "artifact")
                # The runtime loads artifact bytes from memory.
                return self._model_bytes
            content = self._model_bytes
        compile_path = path
        if edits:
            model = self._model().__class__()
            model.CopyFrom(self._model())
            content = edits.apply(model).SerializeToString()
            # External data is inline now (read by onnx.load).
            compile_path = None
        level = kiln_opt_level(opts.graph_optimization_level)
        target_cpu = opts._config.get("kiln.target_cpu", "native")
        lengths, absent, shapes = (variant if variant is not None
                                   else ((), (), ()))
        so_path, hit = _cache.get_artifact(
            compile_path, content, level, opts._free_dims, target_cpu,
            profile=opts.enable_profiling, sequence_lengths=lengths,
            absent_optionals=absent, input_shapes=shapes,
            cuda_archs=self._cuda_archs, cuda_tf32=self._cuda_tf32())
        self.cache_hit = hit
        if self._verbose:
            print(f"kiln: {'loaded' if hit else 'compiled'} "
                  f"{path or '<bytes>'} -O{level} -> {so_path}")
        return so_path

    def _write_optimized_model(self):
        """ORT writes its optimized graph to optimized_model_filepath. Kiln's
        optimized form is native code, so it writes the ONNX model it
        compiled (after the session options' changes: initializers, dims
        pinned by denotation); the artifact is kept with the config entry
        kiln.artifact_filepath."""
        target = self._sess_options.optimized_model_filepath
        if not target:
            return
        if self._is_artifact_model():
            self._warn(f"optimized_model_filepath: {self._model_path} is a "
                       "compiled artifact, there is no ONNX model to write")
            return
        edits = _ModelEdits(self._sess_options)
        if edits:
            model = self._model().__class__()
            model.CopyFrom(self._model())
            data = edits.apply(model).SerializeToString()
        elif self._model_bytes is not None:
            data = self._model_bytes
        else:
            shutil.copyfile(self._model_path, target)
            return
        with open(target, "wb") as f:
            f.write(data)

    # ----------------------------------------------------------- queries
    def get_inputs(self):
        return list(self._inputs)

    def get_outputs(self):
        return list(self._outputs)

    def _overridable_args(self):
        """NodeArgs of the initializers listed as graph inputs (ORT lets a
        run feed them); none for a compiled artifact."""
        if self._overridable is None:
            if self._is_artifact_model():
                self._overridable = []
            else:
                graph = self._model().graph
                inits = {t.name for t in graph.initializer}
                args = []
                for vi in graph.input:
                    if vi.name not in inits:
                        continue
                    tensor = vi.type.tensor_type
                    shape = []
                    if tensor.HasField("shape"):
                        for d in tensor.shape.dim:
                            if d.HasField("dim_value"):
                                shape.append(d.dim_value)
                            elif d.HasField("dim_param"):
                                shape.append(d.dim_param)
                            else:
                                shape.append(None)
                    args.append(NodeArg(vi.name, tensor.elem_type, shape))
                self._overridable = args
        return self._overridable

    def _overridable_names(self):
        return {a.name for a in self._overridable_args()}

    def get_overridable_initializers(self):
        return list(self._overridable_args())

    def get_modelmeta(self):
        if self._sess is None:  # not compiled yet: read from the model
            model = self._model()
            entries = {
                "producer_name": model.producer_name,
                "graph_name": model.graph.name,
                "domain": model.domain,
                "description": model.doc_string,
                "graph_description": model.graph.doc_string,
                "version": str(model.model_version),
            }
            for prop in model.metadata_props:
                entries["custom." + prop.key] = prop.value
            return ModelMetadata(entries)
        return ModelMetadata(dict(self._sess.metadata()))

    def get_providers(self):
        return list(self._providers)

    def get_provider_options(self):
        return {k: dict(v) for k, v in self._provider_options.items()}

    def get_session_options(self):
        return self._sess_options

    def set_providers(self, providers=None, provider_options=None):
        normalized = _normalize_providers(providers, provider_options)
        fallback = self._cuda_fallback
        chosen, options = self._select_providers(normalized)
        if chosen[0] != self._providers[0]:
            # The artifact is compiled for one device: moving needs a new
            # session (and a compile), which get_providers() must not hide.
            self._cuda_fallback = fallback
            self._warn(
                f"set_providers cannot move a Kiln session from "
                f"{self._providers[0]} to {chosen[0]}; create a new "
                "InferenceSession with these providers.")
            return
        self._providers, self._provider_options = chosen, options

    def disable_fallback(self):
        """ORT's provider fallback switch; Kiln has no fallback to disable."""

    def enable_fallback(self):
        """See disable_fallback."""

    def get_profiling_start_time_ns(self):
        """When profiling started (ns since the epoch), 0 without it."""
        return self._profiler.start_time_ns if self._profiler else 0

    def _op_types(self):
        """ONNX node name -> op type, for the trace's op_name."""
        if self._is_artifact_model():
            return None
        try:
            model = self._model()
        except Exception:  # noqa: BLE001 (no onnx: compiled op names)
            return None
        types = {}

        def walk(graph):
            for node in graph.node:
                if node.name:
                    types[node.name] = node.op_type
                elif node.output:
                    # The compiler names an unnamed node <op type>_<its
                    # first output> (nodeDisplayName).
                    types[f"{node.op_type}_{node.output[0]}"] = node.op_type
                for attr in node.attribute:
                    if attr.HasField("g"):
                        walk(attr.g)
                    for g in attr.graphs:
                        walk(g)

        walk(model.graph)
        return types

    def end_profiling(self):
        """Writes the trace and returns its path; '' without profiling or
        once the trace was written (profiling then stops, as in ORT)."""
        if self._profiler is None:
            return ""
        op_types = self._op_types()
        for sess in self._runtime_sessions():
            self._profiler.record_kernels(sess.kernels(),
                                          sess.take_profile_events(),
                                          op_types)
        path = self._profiler.write()
        self._profiler = None
        self._profiling_ended = True
        return path

    def _runtime_sessions(self):
        sessions = [self._sess] if self._sess is not None else []
        if self._override is not None:
            sessions.append(self._override[0])
        sessions.extend(self._variants.values())
        return sessions

    def io_binding(self):
        """An IOBinding for run_with_iobinding (see kiln._ortvalue)."""
        return IOBinding(self)

    @property
    def artifact_path(self):
        """The compiled .so this session runs, None when it was given as
        bytes (Kiln extension)."""
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
            dtype = (dtype_of_elem(expected) if expected in _KILN_ELEMS
                     else None)
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
        if elem in VIEWED_ELEMS:
            array = array.view(bits_dtype(elem))
        if not array.dtype.isnative:
            array = array.astype(array.dtype.newbyteorder("="))
        if not array.flags.c_contiguous:
            array = np.ascontiguousarray(array)
        return elem, array

    def _output_elem(self, name):
        return self._output_elems.get(name, 0)

    def _override_session(self):
        """The session of the model compiled with its initializers listed as
        graph inputs turned into plain inputs (compiled on first use), and
        the initializers' values to feed when a run does not."""
        if self._override is None:
            edits = _ModelEdits(self._sess_options, demote_initializers=True)
            variant = self._variant
            path = self._artifact_path(edits, variant)
            sess, _ = self._open(path,
                                 lambda: self._artifact_path(edits, variant))
            from onnx import numpy_helper

            names = self._overridable_names()
            model = self._model()
            values = {t.name: t for t in model.graph.initializer
                      if t.name in names}
            replaced = {**self._sess_options._external_initializers,
                        **self._sess_options._initializers}
            defaults = {}
            for name, tensor in values.items():
                if name in replaced:
                    defaults[name] = replaced[name]._array
                else:
                    defaults[name] = numpy_helper.to_array(tensor)
            self._override = (sess, defaults)
        return self._override

    def _tensor_feed(self, name, value, expected, string_bytes):
        """(elem, array) of one tensor of a feed (see _to_array)."""
        if isinstance(value, OrtValue):
            elem, array = value._elem, value._array
            if elem in VIEWED_ELEMS:
                array = array.view(bits_dtype(elem))
        else:
            elem, array = self._to_array(name, value, expected)
        if elem == 8:
            array, buffer = _string_addresses(
                np.asarray(array, dtype=object))
            string_bytes.append(buffer)
        return elem, array

    def _map_feed(self, name, mapping, key_type, expected, string_bytes):
        """("map", keys, values) of a dict, its keys of ORT's `key_type`
        ('int64', 'string') and its values of element type `expected`."""
        if not isinstance(mapping, dict):
            raise RuntimeError(
                f"Input '{name}' is a map: it is fed a dict, not "
                f"{type(mapping).__name__}")
        if key_type == "string":
            for k in mapping:
                if not isinstance(k, str):
                    raise RuntimeError(
                        f"Unexpected key type  {type(k)}, it cannot be linked "
                        f"to C type std::string for input '{name}'.")
            keys = np.array(list(mapping.keys()), dtype=object)
        else:
            for k in mapping:
                if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
                    raise RuntimeError(
                        f"Unexpected key type  {type(k)}, it cannot be linked "
                        f"to C type int64_t for input '{name}'.")
            keys = np.array(list(mapping.keys()), dtype=np.int64)
        dtype = dtype_of_elem(expected) if expected in _KILN_ELEMS else None
        values = np.array(list(mapping.values()), dtype=dtype)
        if expected == 8:
            values = values.astype(object)
        return ("map",
                self._tensor_feed(name, keys.reshape(-1), 0, string_bytes),
                self._tensor_feed(name, values.reshape(-1), expected,
                                  string_bytes))

    def _value_feed(self, name, value, kind, expected, string_bytes):
        """What the runtime takes for a sequence (list), map (dict),
        sequence of maps (list of dicts) or optional (None or its value)
        input; the runtime checks it against the compiled variant."""
        if value is None:
            return None
        if kind.kind == _VALUE_SEQUENCE:
            if not isinstance(value, (list, tuple)):
                # A tensor where a sequence is expected: the runtime says so.
                return self._tensor_feed(name, value, expected, string_bytes)
            return ("seq", [self._tensor_feed(name, v, expected, string_bytes)
                            for v in value])
        key_type = kind.type.split("map(", 1)[-1].split(",", 1)[0]
        if kind.kind == _VALUE_MAP:
            return self._map_feed(name, value, key_type, expected,
                                  string_bytes)
        if kind.kind == _VALUE_SEQUENCE_OF_MAPS:
            if not isinstance(value, (list, tuple)):
                raise RuntimeError(
                    f"Input '{name}' is a sequence of maps: it is fed a list "
                    f"of dicts, not {type(value).__name__}")
            return ("seq", [self._map_feed(name, m, key_type, expected,
                                           string_bytes) for m in value])
        return self._tensor_feed(name, value, expected, string_bytes)

    def _feed_variant(self, feeds):
        """The variant (sequence lengths, absent optionals) the feeds need,
        None when they need the session's own."""
        lengths, absent = dict(self._variant[0]), set(self._variant[1])
        shapes = dict(self._variant[2])
        for name in self._variant_inputs:
            if name not in feeds:
                continue
            value = feeds[name]
            if isinstance(value, OrtValue) and value._type is not None:
                value = value._array
            kind = self._input_kinds[name]
            if kind.flags & _FLAG_OPTIONAL:
                if value is None:
                    # No slots: nothing to give a length or shapes.
                    absent.add(name)
                    lengths.pop(name, None)
                    shapes = {k: v for k, v in shapes.items()
                              if not k.startswith(name + "[")}
                    continue
                absent.discard(name)
            if kind.kind == _VALUE_SEQUENCE and isinstance(value,
                                                           (list, tuple)):
                lengths[name] = len(value)
                if name in self._unranked:
                    shapes = {k: v for k, v in shapes.items()
                              if not k.startswith(name + "[")}
                    for i, e in enumerate(value):
                        shapes[f"{name}[{i}]"] = (-1,) * np.ndim(e)
        variant = (tuple(sorted(lengths.items())), tuple(sorted(absent)),
                   tuple(sorted(shapes.items())))
        if variant == self._variant and self._sess is not None:
            return None
        return variant

    def _variant_session(self, feeds):
        """The runtime session for the feeds' sequence lengths and Nones:
        the session's own, or one compiled for them (once, through the
        cache). A compiled .so has no other variant: its runtime says
        what it was compiled for."""
        if self._sess is not None and (not self._variant_inputs
                                       or self._is_artifact_model()):
            return self._sess  # nothing a feed could change
        with self._variant_lock:  # runs on several threads compile once
            return self._variant_session_locked(feeds)

    def _variant_session_locked(self, feeds):
        variant = self._feed_variant(feeds)
        if variant is None:
            return self._sess
        sess = self._variants.get(variant)
        if sess is None:
            path = self._artifact_path(variant=variant)
            sess, path = self._open(
                path, lambda: self._artifact_path(variant=variant))
            if self._sess is None:
                # The first run of a session that could not compile before
                # it: this variant becomes the session's own.
                self._sess, self._variant = sess, variant
                self._so_path = path if isinstance(path, str) else None
            else:
                self._variants[variant] = sess
        return sess

    def _run_values(self, output_names, feeds, bound=None, run_options=None):
        """Runs with `feeds` (name -> numpy array or OrtValue) and returns
        numpy arrays, one per output name; `bound[i]`, when not None, is
        the OrtValue output i is written into (and returned as), or "cuda"
        for an output allocated on the session's CUDA device (returned as
        a kiln._runtime.DeviceTensor)."""
        begin = time.perf_counter_ns()
        expected = self._input_elems
        sess = self._sess
        if len(feeds) > len(expected) or any(n not in expected
                                              for n in feeds):
            extra = [n for n in feeds if n not in expected]
            if not self._is_artifact_model():
                overridable = self._overridable_names()
                if any(n in overridable for n in extra):
                    sess, defaults = self._override_session()
                    feeds = {**defaults, **feeds}
                    expected = {**expected,
                                **{a.name: a._elem
                                   for a in self._overridable_args()}}
        converted = []
        string_bytes = []  # alive until the run returns
        if self._has_values:
            # Sequences, maps and optionals: taken apart here, and run on
            # the variant compiled for their lengths and Nones.
            if sess is self._sess:
                sess = self._variant_session(feeds)
            values = {}
            for name, value in feeds.items():
                if isinstance(value, OrtValue) and value._type is not None:
                    value = value._array  # a sequence, map or None
                kind = self._input_kinds.get(name)
                if kind is not None and not kind.plain:
                    converted.append((name, self._value_feed(
                        name, value, kind, expected.get(name, 0),
                        string_bytes)))
                else:
                    values[name] = value
            feeds = values
        for name, value in feeds.items():
            if isinstance(value, OrtValue) and value._device is not None:
                # On a CUDA device: the runtime reads it there.
                converted.append((name, ("device", value._device)))
                continue
            if isinstance(value, OrtValue):
                elem, array = value._elem, value._array
                if elem in VIEWED_ELEMS:
                    array = array.view(bits_dtype(elem))
                elif elem == 8:
                    array = np.asarray(array, dtype=object)
            else:
                elem, array = self._to_array(name, value,
                                             expected.get(name, 0))
            if elem == 8:
                array, buffer = _string_addresses(array)
                string_bytes.append(buffer)
            converted.append((name, (elem, array)))
        preallocated = None
        if bound is not None and any(v is not None for v in bound):
            preallocated = []
            for v in bound:
                if v is None or isinstance(v, str):
                    preallocated.append(v)  # allocated by the runtime
                elif v._device is not None:
                    preallocated.append(v._device)
                else:
                    array = v._array.view(np.uint16) if v._elem == 16 else (
                        v._array)
                    preallocated.append((v._elem, array))
        native = run_options._native if run_options is not None else None
        execute = time.perf_counter_ns()
        results = sess.run(list(output_names), converted, preallocated,
                           native)
        done = time.perf_counter_ns()
        del string_bytes
        if not self._converted_outputs:
            output_names = ()  # nothing to convert
        for i, (name, r) in enumerate(zip(output_names, results)):
            if bound is not None and bound[i] is not None:
                continue
            results[i] = _convert_output(r, self._output_elem(name))
        if self._profiler:
            self._profiler.record("SequentialExecutor::Execute", execute,
                                  done)
            self._profiler.record("model_run", begin, time.perf_counter_ns())
        elif self._profiling_ended:
            for s in self._runtime_sessions():
                s.take_profile_events()
        return results

    def run(self, output_names, input_feed, run_options=None):
        """Runs the model; returns a list of numpy arrays, one per output
        in `output_names` (all outputs in model order when None or [])."""
        self._validate_input(list(input_feed.keys()))
        if not output_names:
            output_names = self._output_names
        return self._run_values(output_names, dict(input_feed), None,
                                run_options)

    def run_with_ort_values(self, output_names, input_dict_ort_values,
                            run_options=None):
        """run() with OrtValues in and out."""
        for name, value in input_dict_ort_values.items():
            kind = self._input_kinds.get(name)
            # ORT's Python cannot make OrtValues of sequences, maps or None:
            # those inputs take the list, dict or None run() takes.
            if kind is not None and not kind.plain and isinstance(
                    value, (list, tuple, dict, type(None))):
                continue
            if not isinstance(value, OrtValue):
                raise AttributeError(f"'{type(value).__module__}."
                                     f"{type(value).__name__}' object has no "
                                     "attribute '_get_c_value'")
        self._validate_input(list(input_dict_ort_values.keys()))
        if not output_names:
            output_names = self._output_names
        arrays = self._run_values(output_names, dict(input_dict_ort_values),
                                  None, run_options)
        values = []
        for n, a in zip(output_names, arrays):
            kind = self._output_kinds.get(n)
            if kind is not None and not kind.plain and not isinstance(
                    a, np.ndarray):
                values.append(OrtValue._wrap_value(a, kind.type,
                                                   self._output_elem(n)))
            else:
                values.append(OrtValue._wrap(a, self._output_elem(n)))
        return values

    def run_with_iobinding(self, iobinding, run_options=None):
        """Runs with the inputs and outputs bound in `iobinding`; the
        outputs are then read with iobinding.get_outputs()."""
        iobinding._run(run_options)

    def run_async(self, output_names, input_feed, callback, user_data,
                  run_options=None):
        """Runs on a new thread and calls callback(outputs, user_data,
        error): outputs as run() returns them and '' on success, [] and
        the error's message on failure. Missing inputs raise here, as in
        ORT."""
        self._validate_input(list(input_feed.keys()))
        if not output_names:
            output_names = self._output_names
        feeds = dict(input_feed)
        names = list(output_names)

        def work():
            try:
                outputs = self._run_values(names, feeds, None, run_options)
            except Exception as e:  # noqa: BLE001 (reported to the callback)
                from ._ortvalue import _raw_message

                message = _raw_message(e)
                # ORT's asynchronous path checks output names itself and
                # words it with a space ('Invalid output name: y'); run()
                # words it as the runtime does ('Invalid output name:y').
                prefix = "Invalid output name:"
                if message.startswith(prefix) and not message.startswith(
                        prefix + " "):
                    message = prefix + " " + message[len(prefix):]
                callback([], user_data, message)
                return
            callback(outputs, user_data, "")

        threading.Thread(target=work, name="kiln-run-async",
                         daemon=True).start()
