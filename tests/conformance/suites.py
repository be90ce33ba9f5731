"""The ONNX backend test suites the conformance runner knows.

A case is a directory holding model.onnx and test_data_set_*/ with
input_*.pb and reference output_*.pb files.

- `debian`: Debian's libonnx-testdata (ONNX 1.12, opsets up to 17).
- `onnx-pip`: the backend test data of the `onnx` package from PyPI (opsets
  up to the newest). The wheel ships the model folders as data and the node
  cases as Python generators; the node cases are written out once into a
  cache directory keyed by the onnx version, and so are the dummy inputs of
  the `light` models (generated as ONNX's own runner does).
"""
import glob
import os
import shutil
from dataclasses import dataclass

DEBIAN_ROOT = "/usr/share/libonnx-testdata/data"
DEBIAN_FOLDERS = ["node", "pytorch-converted", "pytorch-operator", "simple"]


@dataclass
class Case:
    suite: str
    folder: str
    name: str
    path: str  # the case directory, or None when skipped
    skip_reason: str = ""

    @property
    def key(self):
        return f"{self.suite}/{self.folder}/{self.name}"


def debian_cases():
    cases = []
    for folder in DEBIAN_FOLDERS:
        for d in sorted(glob.glob(os.path.join(DEBIAN_ROOT, folder, "*"))):
            cases.append(Case("debian", folder, os.path.basename(d), d))
    return cases


def _onnx_data_root():
    import onnx
    return os.path.join(os.path.dirname(onnx.__file__), "backend", "test",
                        "data")


def _write_value(path, value, type_proto, name):
    import onnx
    from onnx import numpy_helper
    if type_proto.HasField("sequence_type"):
        proto = numpy_helper.from_list(value, name)
    elif type_proto.HasField("optional_type"):
        proto = numpy_helper.from_optional(value, name)
    elif type_proto.HasField("map_type"):
        proto = numpy_helper.from_dict(value, name)
    elif isinstance(value, onnx.TensorProto):
        proto = value  # float8/int4 data sets are written as protos
    else:
        proto = numpy_helper.from_array(value, name)
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())


def _generate_node_cases(out_dir):
    """Writes ONNX's node test cases (model + data sets) under out_dir."""
    import warnings
    from onnx.backend.test.case import node
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = node.collect_testcases(None)
    for case in cases:
        case_dir = os.path.join(out_dir, case.name)
        os.makedirs(case_dir, exist_ok=True)
        with open(os.path.join(case_dir, "model.onnx"), "wb") as f:
            f.write(case.model.SerializeToString())
        graph = case.model.graph
        for i, (inputs, outputs) in enumerate(case.data_sets):
            ds = os.path.join(case_dir, f"test_data_set_{i}")
            os.makedirs(ds, exist_ok=True)
            for j, value in enumerate(inputs):
                _write_value(os.path.join(ds, f"input_{j}.pb"), value,
                             graph.input[j].type, graph.input[j].name)
            for j, value in enumerate(outputs):
                _write_value(os.path.join(ds, f"output_{j}.pb"), value,
                             graph.output[j].type, graph.output[j].name)


def _prepare_light_case(model_path, out_dir):
    """A light model's case directory: the model, dummy inputs made as ONNX's
    runner makes them (seed 0, not random) and the shipped output."""
    import onnx
    from onnx import numpy_helper
    from onnx.backend.test.runner import Runner
    name = os.path.basename(model_path)[:-len(".onnx")]
    case_dir = os.path.join(out_dir, name)
    ds = os.path.join(case_dir, "test_data_set_0")
    os.makedirs(ds, exist_ok=True)
    shutil.copyfile(model_path, os.path.join(case_dir, "model.onnx"))
    model = onnx.load(model_path, load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    n = 0
    for x in model.graph.input:
        if x.name in inits:
            continue
        value = Runner.generate_dummy_data(x, seed=0, name=name[len("light_"):],
                                           random=False)
        with open(os.path.join(ds, f"input_{n}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(value).SerializeToString())
        n += 1
    out = model_path[:-len(".onnx")] + "_output_0.pb"
    shutil.copyfile(out, os.path.join(ds, "output_0.pb"))
    return name


def pip_cases(cache_root):
    import onnx
    root = _onnx_data_root()
    cache = os.path.join(cache_root, f"onnx-{onnx.__version__}")
    stamp = os.path.join(cache, ".complete")
    if not os.path.exists(stamp):
        shutil.rmtree(cache, ignore_errors=True)
        _generate_node_cases(os.path.join(cache, "node"))
        for m in sorted(glob.glob(os.path.join(root, "light", "*.onnx"))):
            _prepare_light_case(m, os.path.join(cache, "light"))
        open(stamp, "w").close()
    cases = []
    for folder, base in [("node", cache), ("light", cache),
                         ("pytorch-converted", root),
                         ("pytorch-operator", root), ("simple", root)]:
        for d in sorted(glob.glob(os.path.join(base, folder, "*"))):
            if os.path.isdir(d):
                cases.append(Case("onnx-pip", folder, os.path.basename(d), d))
    for d in sorted(glob.glob(os.path.join(root, "real", "*"))):
        cases.append(Case("onnx-pip", "real", os.path.basename(d), None,
                          "model and data are downloaded on demand"))
    return cases


def selected_cases(suite, build_dir, pattern=None, sample=1):
    """The cases of `suite` ("debian", "onnx-pip" or "all") whose key
    matches the regular expression `pattern`, every `sample`th by key: the
    selection --suite, --filter and --sample make in every runner."""
    import re

    cases = []
    if suite in ("debian", "all"):
        cases += debian_cases()
    if suite in ("onnx-pip", "all"):
        cases += pip_cases(os.path.join(build_dir, "conformance-data"))
    if pattern:
        cases = [c for c in cases if re.search(pattern, c.key)]
    if sample > 1:
        cases = sorted(cases, key=lambda c: c.key)[::sample]
    return cases
