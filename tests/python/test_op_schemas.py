"""The onnx dialect covers every operator and version of the `onnx` package.

dialects/onnx/OnnxOps.td and OnnxOpTable.inc are generated from the schemas
of the `onnx` package (dialects/onnx/gen_onnx_ops.py) and checked in. These
tests fail when they drift from the generator, when an operator of the
default domain or of ai.onnx.ml has no op, or when one of its versions (up
to the newest opset, 28 for onnx 1.23) is missing from the op's
kSinceVersions, which the importer checks a node's opset against.
"""

import os
import re
import subprocess
import sys
import unittest

import onnx
from onnx import defs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
GEN = os.path.join(ROOT, "dialects", "onnx", "gen_onnx_ops.py")
TD = os.path.join(ROOT, "dialects", "onnx", "OnnxOps.td")
TABLE = os.path.join(ROOT, "dialects", "onnx", "OnnxOpTable.inc")
# The onnx version the checked-in files were generated from (cmake/
# KilnOnnx.cmake pins the frontend's library to the same release).
PINNED = "1.23.2"

OP_RE = re.compile(r'^def Onnx\w+Op : Onnx_Op<"([\w.]+)"', re.M)
SINCE_RE = re.compile(r"kSinceVersions\[\] = \{([0-9, ]*)\}")


def _dialect_versions():
    """{op name as in the .td ('Add', 'ml.ZipMap'): set of since-versions}."""
    with open(TD) as f:
        text = f.read()
    ops = {}
    starts = [(m.start(), m.group(1)) for m in OP_RE.finditer(text)]
    for i, (start, name) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        m = SINCE_RE.search(text, start, end)
        ops[name] = ({int(v) for v in m.group(1).split(",") if v.strip()}
                     if m else set())
    return ops


def _schema_versions():
    """The same from the onnx package, default domain and ai.onnx.ml."""
    want = {}
    for s in defs.get_all_schemas_with_history():
        if s.domain == "":
            name = s.name
        elif s.domain == "ai.onnx.ml":
            name = "ml." + s.name
        else:
            continue
        want.setdefault(name, set()).add(s.since_version)
    return want


@unittest.skipIf(onnx.__version__ != PINNED,
                 f"the dialect is generated from onnx {PINNED}, "
                 f"this is {onnx.__version__}")
class OpSchemaTest(unittest.TestCase):
    def test_newest_opset(self):
        self.assertEqual(defs.onnx_opset_version(), 28)

    def test_generated_files_are_current(self):
        for kind, path in (("td", TD), ("table", TABLE)):
            out = subprocess.run([sys.executable, GEN, kind], check=True,
                                 capture_output=True, text=True).stdout
            with open(path) as f:
                self.assertTrue(out == f.read(),
                                f"{os.path.basename(path)} differs from "
                                f"`gen_onnx_ops.py {kind}`: regenerate it")

    def test_every_operator_and_version(self):
        have, want = _dialect_versions(), _schema_versions()
        missing_ops = sorted(set(want) - set(have))
        self.assertEqual(missing_ops, [], "operators without an op")
        missing = {name: sorted(v - have[name]) for name, v in want.items()
                   if v - have[name]}
        self.assertEqual(missing, {}, "versions missing from kSinceVersions")
        self.assertEqual(max(max(v) for v in have.values()), 28)
        # 203 default-domain operators and 19 of ai.onnx.ml
        # (docs/onnx-dialect.md).
        self.assertEqual(len([n for n in have if not n.startswith("ml.")]),
                         203)
        self.assertEqual(len([n for n in have if n.startswith("ml.")]), 19)

    def test_ml_operators_of_the_issue(self):
        # Issue 11's list of ai.onnx.ml operators.
        listed = ("LinearClassifier LinearRegressor TreeEnsembleClassifier "
                  "TreeEnsembleRegressor TreeEnsemble SVMClassifier "
                  "SVMRegressor Scaler Normalizer Binarizer Imputer "
                  "OneHotEncoder LabelEncoder ArrayFeatureExtractor "
                  "FeatureVectorizer CategoryMapper DictVectorizer CastMap "
                  "ZipMap").split()
        have = _dialect_versions()
        self.assertEqual([op for op in listed if "ml." + op not in have], [])


if __name__ == "__main__":
    unittest.main()
