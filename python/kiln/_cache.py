"""Compiles ONNX models into a cache of Kiln artifacts.

An artifact is stored as ``<cache dir>/<key>.so``, where the key is the
sha256 of everything that changes the generated code: the model bytes, the
Kiln optimization level, free dimension overrides, the target CPU, whether
kernels are instrumented for profiling, the content of the model's external
data files (the weights are compiled into the artifact), and the
compiler (its version and the identity of the ``_compiler`` extension file,
so that rebuilding the compiler during development invalidates old entries).
A hit costs one read and hash of the model plus a dlopen: the compiler, and
with it LLVM, is only imported on a miss.
"""

import functools
import hashlib
import importlib.util
import json
import os
import tempfile

from . import _errors

_KEY_SCHEMA = "kiln-cache-1"


def cache_dir():
    """$KILN_CACHE_DIR, else $XDG_CACHE_HOME/kiln, else ~/.cache/kiln."""
    explicit = os.environ.get("KILN_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    return os.path.join(base, "kiln")


@functools.lru_cache(maxsize=None)
def _host_cpu_identity():
    """What "native" compiles for, read without loading LLVM: the CPU model
    and its feature flags (a different machine sharing the cache directory
    must not pick up code using instructions it lacks)."""
    model, flags = "", ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and not model:
                    model = value.strip()
                elif key == "flags" and not flags:
                    flags = value.strip()
                elif not line.strip() and model:
                    break
    except OSError:
        pass
    import platform

    return f"{platform.machine()}|{model}|{flags}"


@functools.lru_cache(maxsize=None)
def _compiler_identity():
    """Version and file identity of the compiler extension, found without
    importing it (importing loads libLLVM, which a cache hit must not)."""
    spec = importlib.util.find_spec(__package__ + "._compiler")
    if spec is None or not spec.origin:
        return None
    st = os.stat(spec.origin)
    return f"{spec.origin}|{st.st_size}|{st.st_mtime_ns}"


# A TensorProto's external_data entry {key: "location", value: <path>} as
# protobuf writes it: field 1 (length 8) "location", then field 2 and the
# varint length of the path.
_LOCATION_ENTRY = b"\x0a\x08location\x12"


def _external_locations(model_bytes):
    """The external data locations the model's tensors name (found by
    their encoding, without parsing the model: a cache hit must stay a
    read and a hash). A stray match only adds a file to the key."""
    locations = set()
    start = model_bytes.find(_LOCATION_ENTRY)
    while start >= 0:
        i = start + len(_LOCATION_ENTRY)
        length, shift = 0, 0
        while i < len(model_bytes) and shift < 35:
            byte = model_bytes[i]
            length |= (byte & 0x7F) << shift
            i += 1
            shift += 7
            if not byte & 0x80:
                break
        if 0 < length <= 4096 and i + length <= len(model_bytes):
            locations.add(bytes(model_bytes[i:i + length]))
        start = model_bytes.find(_LOCATION_ENTRY, start + 1)
    return sorted(locations)


def _external_data_identity(model_bytes, model_path):
    """Each external data file of the model by its location and the sha256
    of its content (the weights are compiled into the artifact: the same
    model bytes with other weights, in another folder or edited in place,
    is another artifact). A file that cannot be read counts as missing (the
    compile then reports it)."""
    folder = os.path.dirname(os.path.abspath(model_path)) if model_path else os.getcwd()
    identity = []
    for location in _external_locations(model_bytes):
        path = os.path.join(folder, os.fsdecode(location))
        digest = hashlib.sha256()
        try:
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
            identity.append([os.fsdecode(location), digest.hexdigest()])
        except OSError:
            identity.append([os.fsdecode(location), None])
    return identity


def cache_key(model_bytes, opt_level, free_dims, target_cpu, profile=False,
              model_path=None, sequence_lengths=(), absent_optionals=(),
              input_shapes=(), cuda_archs=(), cuda_tf32=False):
    compiler = _compiler_identity()
    cpu = target_cpu if target_cpu not in ("", "native") else (
        "native:" + _host_cpu_identity()
    )
    options = json.dumps(
        {
            "schema": _KEY_SCHEMA,
            "opt_level": opt_level,
            "free_dims": sorted(free_dims.items()),
            "target_cpu": cpu,
            "compiler": compiler,
            # Profiled artifacts call the profiling hooks around every
            # kernel: never hand one to a session that does not profile.
            "profile": bool(profile),
            "external_data": _external_data_identity(model_bytes, model_path),
            # The lengths sequence inputs and the optional inputs compiled
            # for None (kiln-compile --sequence-length/--optional-absent).
            # Keys of models without them stay what they were.
            **({"sequence_lengths": sorted(sequence_lengths)}
               if sequence_lengths else {}),
            **({"absent_optionals": sorted(absent_optionals)}
               if absent_optionals else {}),
            **({"input_shapes": sorted((n, list(s)) for n, s in input_shapes)}
               if input_shapes else {}),
            # CUDA artifacts (the PTX architectures they carry); CPU keys
            # stay what they were.
            **({"cuda_archs": sorted(cuda_archs)} if cuda_archs else {}),
            # TF32 matmuls (provider option use_tf32=1) are other code.
            **({"cuda_tf32": True} if cuda_archs and cuda_tf32 else {}),
        },
        sort_keys=True,
    ).encode()
    h = hashlib.sha256()
    h.update(hashlib.sha256(model_bytes).digest())
    h.update(options)
    return h.hexdigest()


def _import_compiler():
    try:
        from . import _compiler
    except ImportError as e:
        raise _errors.make_error(
            9,
            "this kiln package has no compiler (kiln._compiler: "
            f"{e}); load a compiled .so instead",
        ) from None
    return _compiler


def compile_model(model_path, model_bytes, opt_level, free_dims, target_cpu,
                  out_path, emit="so", profile=False, sequence_lengths=(),
                  absent_optionals=(), input_shapes=(), cuda_archs=(),
                  cuda_tf32=False):
    """Compiles `model_path` (or `model_bytes` when it is None) to
    `out_path`; raises ORT's exception class for the compiler's code.
    `sequence_lengths` [(input, n)] fixes sequence inputs' lengths,
    `absent_optionals` names optional inputs compiled for None,
    `input_shapes` [(name, dims)] gives shapes (-1: dynamic), such as
    those of sequence elements ("x[0]") the model leaves unranked;
    `cuda_archs` (sm_80, ...) compiles for the CUDA provider, `cuda_tf32`
    lets its f32 matmuls run on the tensor cores in TF32."""
    compiler = _import_compiler()
    variant = {}
    if sequence_lengths:
        variant["sequence_lengths"] = sorted(sequence_lengths)
    if absent_optionals:
        variant["absent_optionals"] = sorted(absent_optionals)
    if cuda_archs:
        variant["cuda_archs"] = list(cuda_archs)
        if cuda_tf32:
            variant["cuda_tf32"] = True
    code, message = compiler.compile(
        model_path or "",
        b"" if model_path else model_bytes,
        opt_level,
        target_cpu or "native",
        sorted(free_dims.items()),
        [(n, list(s)) for n, s in input_shapes],
        emit,
        out_path,
        profile=bool(profile),
        **variant,
    )
    if code:
        raise _errors.make_error(code, message)


def _atomic_compile(directory, final, model_path, model_bytes, opt_level,
                    free_dims, target_cpu, profile, variant=None):
    # Compile next to the final name, then rename: concurrent sessions (or
    # processes) on one model never see a half-written artifact.
    fd, tmp = tempfile.mkstemp(prefix=".kiln-", suffix=".so", dir=directory)
    os.close(fd)
    try:
        compile_model(model_path, model_bytes, opt_level, free_dims,
                      target_cpu, tmp, profile=profile, **(variant or {}))
        os.replace(tmp, final)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def get_artifact(model_path, model_bytes, opt_level, free_dims, target_cpu,
                 profile=False, sequence_lengths=(), absent_optionals=(),
                 input_shapes=(), cuda_archs=(), cuda_tf32=False):
    """The cached artifact for the model, compiling it on a miss.

    Returns (path of the .so, True when it came from the cache).
    `model_bytes` is always the model's content (it is what gets hashed);
    `model_path`, when given, is what gets compiled, so that external data
    resolves relative to the model's directory.
    """
    variant = {"sequence_lengths": list(sequence_lengths),
               "absent_optionals": list(absent_optionals),
               "input_shapes": list(input_shapes),
               "cuda_archs": list(cuda_archs),
               "cuda_tf32": bool(cuda_tf32)}
    key = cache_key(model_bytes, opt_level, free_dims, target_cpu, profile,
                    model_path, **variant)
    directory = cache_dir()
    final = os.path.join(directory, key + ".so")
    if os.path.isfile(final):
        return final, True
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:
        directory = tempfile.mkdtemp(prefix="kiln-")
        final = os.path.join(directory, key + ".so")
    _atomic_compile(directory, final, model_path, model_bytes, opt_level,
                    free_dims, target_cpu, profile, variant)
    return final, False
