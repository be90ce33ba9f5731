"""Compiles and runs one conformance case inside this process.

Run as a child of run_conformance.py: it reads one JSON request per line on
stdin and answers with one JSON line on stdout. A crash of the compiler or
of generated code kills only this process; the parent reports the case and
starts a new worker.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "models"))
from kiln_harness import compare  # noqa: E402

# Ops whose values are implementation-defined: only shapes and dtypes are
# compared for them.
RANDOM_OPS = {"RandomUniform", "RandomNormal", "RandomUniformLike",
              "RandomNormalLike", "Bernoulli", "Multinomial"}


def _graphs(graph):
    yield graph
    for node in graph.node:
        for attr in node.attribute:
            if attr.HasField("g"):
                yield from _graphs(attr.g)
            for g in attr.graphs:
                yield from _graphs(g)


def is_random(model):
    for g in _graphs(model.graph):
        for node in g.node:
            if node.op_type in RANDOM_OPS:
                return True
            # Dropout is random when its training_mode input is given.
            if (node.op_type == "Dropout" and len(node.input) > 2
                    and node.input[2]):
                return True
    return False


def _ml_dtypes():
    import onnx
    try:
        import ml_dtypes
    except ImportError:
        return {}
    return {onnx.TensorProto.BFLOAT16: ml_dtypes.bfloat16,
            onnx.TensorProto.FLOAT8E4M3FN: ml_dtypes.float8_e4m3fn,
            onnx.TensorProto.FLOAT8E5M2: ml_dtypes.float8_e5m2}


_ML_DTYPES = {}


def _tensor_array(t, declared=0):
    from onnx import numpy_helper
    array = numpy_helper.to_array(t)
    # Old data sets store 16-bit and 8-bit floats as their raw bits
    # (bfloat16 as uint16); the model's declared type says what they are.
    wanted = _ML_DTYPES.get(declared or t.data_type)
    if (wanted is not None and array.dtype.kind in "iu"
            and array.itemsize == np.dtype(wanted).itemsize):
        array = array.view(wanted)
    return array


def _elem_type(type_proto):
    """The tensor element type inside a (sequence/optional of) tensor type."""
    kind = type_proto.WhichOneof("value")
    if kind == "tensor_type":
        return type_proto.tensor_type.elem_type
    if kind == "sequence_type":
        return _elem_type(type_proto.sequence_type.elem_type)
    if kind == "optional_type":
        return _elem_type(type_proto.optional_type.elem_type)
    return 0


def _from_proto(proto, declared):
    """A TensorProto, SequenceProto, MapProto or OptionalProto as the Python
    value ONNX Runtime takes and returns: an array, a list, a dict or
    None."""
    import onnx
    if isinstance(proto, onnx.TensorProto):
        return _tensor_array(proto, declared)
    if isinstance(proto, onnx.SequenceProto):
        if proto.elem_type == onnx.SequenceProto.TENSOR:
            return [_tensor_array(t, declared) for t in proto.tensor_values]
        if proto.elem_type == onnx.SequenceProto.MAP:
            return [_from_proto(m, declared) for m in proto.map_values]
        if proto.elem_type == onnx.SequenceProto.SEQUENCE:
            return [_from_proto(q, declared) for q in proto.sequence_values]
        return []
    if isinstance(proto, onnx.MapProto):
        from onnx import numpy_helper
        return numpy_helper.to_dict(proto)
    if isinstance(proto, onnx.OptionalProto):
        if proto.elem_type == onnx.OptionalProto.TENSOR:
            return _tensor_array(proto.tensor_value, declared)
        if proto.elem_type == onnx.OptionalProto.SEQUENCE:
            return _from_proto(proto.sequence_value, declared)
        return None
    raise TypeError(type(proto))


def load_value(path, type_proto=None):
    """The value in a .pb file, read as the model's declared type says
    (a tensor when it says nothing)."""
    import onnx
    with open(path, "rb") as f:
        data = f.read()
    kind = type_proto.WhichOneof("value") if type_proto is not None else None
    proto = {"sequence_type": onnx.SequenceProto,
             "map_type": onnx.MapProto,
             "optional_type": onnx.OptionalProto}.get(kind, onnx.TensorProto)()
    declared = _elem_type(type_proto) if type_proto is not None else 0
    try:
        proto.ParseFromString(data)
    except Exception as e:  # noqa: BLE001 - reported as the reason
        return None, f"unreadable {type(proto).__name__}: {e}"
    return _from_proto(proto, declared), None


def variant_options(model, feeds):
    """What kiln._compiler.compile needs to compile `model` for `feeds`: the
    length of each sequence input, the shapes of elements whose rank the
    model leaves open, the optional inputs fed None."""
    lengths, shapes, absent = [], [], []
    for vi in model.graph.input:
        if vi.name not in feeds:
            continue
        t = vi.type
        value = feeds[vi.name]
        if t.WhichOneof("value") == "optional_type":
            if value is None:
                absent.append(vi.name)
                continue
            t = t.optional_type.elem_type
        if t.WhichOneof("value") != "sequence_type":
            continue
        lengths.append((vi.name, len(value)))
        elem = t.sequence_type.elem_type.tensor_type
        if not elem.HasField("shape"):
            for i, e in enumerate(value):
                shapes.append((f"{vi.name}[{i}]", [-1] * np.ndim(e)))
    return lengths, shapes, absent


def compare_value(got, expected, values):
    """compare() over lists, dicts and None as well as arrays."""
    if expected is None or got is None:
        return None if got is expected else f"got {got!r}, expected {expected!r}"
    if isinstance(expected, list):
        if not isinstance(got, list):
            return (f"got a {type(got).__name__}, expected a list of "
                    f"{len(expected)}")
        if len(got) != len(expected):
            return f"got a list of {len(got)}, expected {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            why = compare_value(g, e, values)
            if why:
                return f"[{i}]: {why}"
        return None
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            return f"got {got!r}, expected the keys {sorted(expected)}"
        for k in expected:
            why = compare(np.asarray(got[k]), np.asarray(expected[k]),
                          values=values)
            if why:
                return f"[{k!r}]: {why}"
        return None
    return compare(got, expected, values=values)


def first_line(message):
    lines = [l for l in message.strip().splitlines() if l.strip()]
    for l in lines:
        if "error:" in l:
            return l[l.index("error:") + len("error:"):].strip()
    return lines[-1].strip() if lines else "?"


_LOADCHECK = []


def loadcheck(so):
    """None if `so` loads with RTLD_NOW in a bare process, else why not."""
    proc = subprocess.run([_LOADCHECK[0], so], capture_output=True, text=True)
    if proc.returncode == 0:
        return None
    return first_line(proc.stdout + proc.stderr)


def symbolic_inputs(model_path, out_path):
    """The model with every input dim symbolic ("<input>_d<i>") and its
    declared outputs as written (the `inputs` mode)."""
    import onnx
    model = onnx.load(model_path)
    inits = {i.name for i in model.graph.initializer}
    for vi in model.graph.input:
        if vi.name in inits or not vi.type.HasField("tensor_type"):
            continue
        for i, dim in enumerate(vi.type.tensor_type.shape.dim):
            if dim.HasField("dim_value"):
                dim.dim_param = f"{vi.name}_d{i}"
    onnx.save(model, out_path)


def load_data_set(ds, values, kind):
    """{index: (name, value)} of the `kind` ("input" or "output") files of
    data set `ds` that exist, for the graph's `values` ([(name, type)]);
    or a reason why one cannot be read."""
    loaded = {}
    for i, (name, type_proto) in enumerate(values):
        p = os.path.join(ds, f"{kind}_{i}.pb")
        if not os.path.exists(p):
            continue
        value, why = load_value(p, type_proto)
        if why:
            return f"{os.path.basename(ds)}: {kind} {name}: {why}"
        loaded[i] = (name, value)
    return loaded


def run_case(kiln, compiler, case_dir, dynamic, opt_level,
             inputs_dynamic=False, runs=1):
    import onnx
    model_path = os.path.join(case_dir, "model.onnx")
    model = onnx.load(model_path, load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    inputs = [(i.name, i.type) for i in model.graph.input
              if i.name not in inits]
    outputs = [(o.name, o.type) for o in model.graph.output]
    values = not is_random(model)
    sets = sorted(glob.glob(os.path.join(case_dir, "test_data_set_*")))
    feeds_of = {}
    for ds in sets:
        loaded = load_data_set(ds, inputs, "input")
        if isinstance(loaded, str):
            return loaded
        feeds_of[ds] = dict(loaded.values())
    with tempfile.TemporaryDirectory() as tmp:
        if inputs_dynamic:
            rewritten = os.path.join(tmp, "model.onnx")
            symbolic_inputs(model_path, rewritten)
            model_path = rewritten
        # Sequence lengths and absent optionals are fixed at compile time:
        # one artifact per combination the data sets feed (one without any).
        sessions = {}

        def session_for(feeds):
            lengths, shapes, absent = variant_options(model, feeds)
            key = repr((lengths, shapes, absent))
            if key in sessions:
                return sessions[key], None
            so = os.path.join(tmp, f"model{len(sessions)}.so")
            code, message = compiler.compile(
                model_path, b"", opt_level, "native", [], shapes, "so", so,
                all_dynamic=dynamic, sequence_lengths=lengths,
                absent_optionals=absent)
            if code:
                return None, "compile: " + first_line(message)
            # The artifact must load in a process that links only libc: the
            # Python process may define helpers (from LLVM, libgcc_s) that a
            # user's process does not.
            why = loadcheck(so)
            if why:
                return None, "loadcheck: " + why
            try:
                # One thread per case: the runner's workers are the
                # parallelism.
                options = kiln.SessionOptions()
                options.intra_op_num_threads = 1
                sess = kiln.InferenceSession(so, options)
            except Exception as e:  # noqa: BLE001 - reported as the reason
                return None, f"load: {e}"
            sessions[key] = sess
            return sess, None

        if not sets:
            _, why = session_for({})
            return why
        for ds in sets:
            tag = os.path.basename(ds)
            feeds = feeds_of[ds]
            sess, why = session_for(feeds)
            if why:
                return why
            expected = load_data_set(ds, outputs, "output")
            if isinstance(expected, str):
                return expected
            # Later runs of a session find in its arena what earlier ones
            # left: each is compared with the references.
            for run in range(runs):
                which = f"{tag}: run {run + 1}" if run else tag
                try:
                    results = sess.run(None, feeds)
                except Exception as e:  # noqa: BLE001 - reported as the reason
                    return f"{which}: run: {first_line(str(e))}"
                for i, (name, value) in expected.items():
                    why = compare_value(results[i], value, values)
                    if why:
                        return f"{which}: output {name}: {why}"
    return None


class CudaCompiler:
    """kiln._compiler's compile() through `kiln-compile --provider=cuda`:
    with `--cuda-emulate` (arch None) the CUDA provider's GPU schedule as a
    CPU artifact; else a CUDA artifact with PTX for `arch` ("sm_90"), which
    the runtime runs on the GPU."""

    def __init__(self, build_dir, arch=None, host_kernels=False,
                 block_reduction_min=None, tile_min=None, tf32=False):
        self.kiln_compile = os.path.join(build_dir, "bin", "kiln-compile")
        self.target = ([f"--cuda-arch={arch}"] if arch
                       else ["--cuda-emulate"])
        if host_kernels:
            self.target.append("--cuda-host-kernels")
        if block_reduction_min is not None:
            self.target.append(
                f"--cuda-block-reduction-min={block_reduction_min}")
        if tile_min is not None:
            self.target.append(f"--cuda-tile-min={tile_min}")
        if tf32:
            self.target.append("--cuda-tf32")

    def compile(self, model_path, model_bytes, opt_level, mcpu, mattr, shapes,
                emit, out, all_dynamic=False, sequence_lengths=(),
                absent_optionals=()):
        cmd = [self.kiln_compile, "--provider=cuda", *self.target,
               f"-O{opt_level}", f"--emit={emit}", model_path, "-o", out]
        if all_dynamic:
            cmd.append("--all-dynamic")
        cmd += [f"--sequence-length={name}={n}"
                for name, n in sequence_lengths]
        cmd += [f"--optional-absent={name}" for name in absent_optionals]
        cmd += [f"--shape={name}=" + "x".join("?" if d < 0 else str(d)
                                              for d in dims)
                for name, dims in shapes]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        return proc.returncode, proc.stderr + proc.stdout


def main():
    build_dir = sys.argv[1]
    sys.path.insert(0, os.path.join(build_dir, "python"))
    import kiln
    from kiln import _compiler
    _LOADCHECK.append(os.path.join(build_dir, "bin", "kiln-loadcheck"))
    _ML_DTYPES.update(_ml_dtypes())
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if req.get("cuda_arch"):
                compiler = CudaCompiler(build_dir, req["cuda_arch"],
                                        req.get("cuda_host_kernels"),
                                        req.get("cuda_block_reduction_min"),
                                        req.get("cuda_tile_min"),
                                        req.get("cuda_tf32"))
            elif req.get("cuda_emulate"):
                compiler = CudaCompiler(build_dir)
            else:
                compiler = _compiler
            # A CUDA session runs every data set twice: its arena's blocks
            # are device memory that earlier runs wrote.
            why = run_case(kiln, compiler, req["path"], req["dynamic"],
                           req["opt_level"], req.get("inputs_dynamic", False),
                           runs=2 if req.get("cuda_arch") else 1)
        except Exception as e:  # noqa: BLE001 - a harness error is a result
            why = f"harness: {type(e).__name__}: {e}"
        print(json.dumps({"reason": why}), flush=True)


if __name__ == "__main__":
    main()
