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


def load_value(path, declared=0):
    """The array in a .pb file, or a reason it is not a plain tensor.
    `declared` is the element type the model gives the value."""
    import onnx
    from onnx import numpy_helper
    with open(path, "rb") as f:
        data = f.read()
    t = onnx.TensorProto()
    try:
        t.ParseFromString(data)
    except Exception:  # noqa: BLE001 - not a tensor: handled below
        t.data_type = 0
    if t.data_type != 0:
        array = numpy_helper.to_array(t)
        # Old data sets store 16-bit and 8-bit floats as their raw bits
        # (bfloat16 as uint16); the model's declared type says what they are.
        wanted = _ML_DTYPES.get(declared or t.data_type)
        if (wanted is not None and array.dtype.kind in "iu"
                and array.itemsize == np.dtype(wanted).itemsize):
            array = array.view(wanted)
        return array, None
    return None, "the data set holds a sequence, map or optional value"


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


def run_case(kiln, compiler, case_dir, dynamic, opt_level,
             inputs_dynamic=False):
    import onnx
    model_path = os.path.join(case_dir, "model.onnx")
    model = onnx.load(model_path, load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    inputs = [(i.name, i.type.tensor_type.elem_type)
              for i in model.graph.input if i.name not in inits]
    outputs = [(o.name, o.type.tensor_type.elem_type)
               for o in model.graph.output]
    values = not is_random(model)
    with tempfile.TemporaryDirectory() as tmp:
        so = os.path.join(tmp, "model.so")
        if inputs_dynamic:
            rewritten = os.path.join(tmp, "model.onnx")
            symbolic_inputs(model_path, rewritten)
            model_path = rewritten
        code, message = compiler.compile(model_path, b"", opt_level, "native",
                                         [], [], "so", so,
                                         all_dynamic=dynamic)
        if code:
            return "compile: " + first_line(message)
        # The artifact must load in a process that links only libc: the
        # Python process may define helpers (from LLVM, libgcc_s) that a
        # user's process does not.
        why = loadcheck(so)
        if why:
            return "loadcheck: " + why
        try:
            # One thread per case: the runner's workers are the parallelism.
            options = kiln.SessionOptions()
            options.intra_op_num_threads = 1
            sess = kiln.InferenceSession(so, options)
        except Exception as e:  # noqa: BLE001 - reported as the reason
            return f"load: {e}"
        sets = sorted(glob.glob(os.path.join(case_dir, "test_data_set_*")))
        for ds in sets:
            tag = os.path.basename(ds)
            feeds = {}
            for i, (name, elem) in enumerate(inputs):
                p = os.path.join(ds, f"input_{i}.pb")
                if not os.path.exists(p):
                    continue
                value, why = load_value(p, elem)
                if why:
                    return f"{tag}: input {name}: {why}"
                feeds[name] = value
            try:
                results = sess.run(None, feeds)
            except Exception as e:  # noqa: BLE001 - reported as the reason
                return f"{tag}: run: {first_line(str(e))}"
            for i, (name, elem) in enumerate(outputs):
                p = os.path.join(ds, f"output_{i}.pb")
                if not os.path.exists(p):
                    continue
                expected, why = load_value(p, elem)
                if why:
                    return f"{tag}: output {name}: {why}"
                why = compare(results[i], expected, values=values)
                if why:
                    return f"{tag}: output {name}: {why}"
    return None


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
            why = run_case(kiln, _compiler, req["path"], req["dynamic"],
                           req["opt_level"], req.get("inputs_dynamic", False))
        except Exception as e:  # noqa: BLE001 - a harness error is a result
            why = f"harness: {type(e).__name__}: {e}"
        print(json.dumps({"reason": why}), flush=True)


if __name__ == "__main__":
    main()
