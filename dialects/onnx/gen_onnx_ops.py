#!/usr/bin/env python3
"""Generates OnnxOps.td, the ODS definition of every ONNX operator of the
default domain and of the ai.onnx.ml domain, from the operator schemas of
the `onnx` Python package.

Why generated: the ONNX schemas are the single source of truth for operator
names, inputs, outputs and attributes; hand-writing ~200 ops would drift.
The output is checked in so the build does not depend on the Python package
and a schema update shows up as a reviewable diff. Regenerate with:

    python3 dialects/onnx/gen_onnx_ops.py td > dialects/onnx/OnnxOps.td
    python3 dialects/onnx/gen_onnx_ops.py table > dialects/onnx/OnnxOpTable.inc

Conventions (see docs/onnx-dialect.md):
  * One op per operator. Operands come from the newest schema; the importer
    rewrites the older forms whose attributes later became inputs (Clip, Slice,
    Pad, Squeeze, Reduce*, Split, Upsample, ...) into the newest form.
  * Attributes are the union over all schema versions, so every version's
    attributes can be carried. An attribute whose name became an input is
    dropped. ONNX defaults become DefaultValuedAttr so accessors return them.
  * An absent optional input is an SSA value of type `none` (onnx.NoValue);
    only a trailing variadic input is variadic. Every declared output is a
    result; outputs a node does not produce get type `none`.
  * GRAPH attributes become regions terminated by onnx.Yield.
  * Operators of the ai.onnx.ml domain are named `onnx.ml.<Op>` (C++ class
    OnnxMl<Op>Op, table key "ml.<Op>"), so they cannot clash with a default
    domain operator of the same name.
"""
import sys
from onnx import defs

# Ops whose C++ side implements extra behaviour. Kept here so the .td stays
# generated; the C++ lives in OnnxOps.cpp / ShapeInference.cpp.
WITH_VERIFIER = {
    "Transpose", "Gemm", "Conv", "MatMul", "Concat", "Gather", "Reshape",
    "Cast", "Softmax", "Flatten", "Split", "If",
}
WITH_FOLDER = set()
# Ops with a C++ shape function (ShapeInference.cpp); the others keep the
# types the importer gave them (from ONNX's own shape inference).
ELEMENTWISE_UNARY = {
    "Abs", "Acos", "Acosh", "Asin", "Asinh", "Atan", "Atanh", "Ceil", "Celu",
    "Cos", "Cosh", "Elu", "Erf", "Exp", "Floor", "Gelu", "HardSigmoid",
    "HardSwish", "Identity", "IsInf", "IsNaN", "LeakyRelu", "Log", "Mish",
    "Neg", "Not", "Reciprocal", "Relu", "Round", "Selu", "Shrink", "Sigmoid",
    "Sign", "Sin", "Sinh", "Softplus", "Softsign", "Sqrt", "Tan", "Tanh",
    "ThresholdedRelu", "Cast", "CastLike", "Clip", "Softmax", "LogSoftmax",
    "Hardmax", "LRN", "BitwiseNot",
}
ELEMENTWISE_BROADCAST = {
    "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Equal", "Less", "LessOrEqual",
    "Greater", "GreaterOrEqual", "And", "Or", "Xor", "BitShift", "BitwiseAnd",
    "BitwiseOr", "BitwiseXor", "PRelu", "Max", "Min", "Sum", "Mean", "Where",
}
WITH_SHAPE_INFERENCE = ELEMENTWISE_UNARY | ELEMENTWISE_BROADCAST | {
    "MatMul", "Gemm", "Transpose", "BatchNormalization",
    "LayerNormalization", "GlobalAveragePool", "GlobalMaxPool", "Shape",
    "Size", "Flatten", "Slice", "Concat", "Reshape", "Unsqueeze", "Squeeze",
    "Gather", "Expand", "ConstantOfShape", "Range", "Conv", "ConvTranspose",
    "ConvInteger", "QLinearConv", "Compress", "MaxUnpool", "NonZero",
    "GatherND", "GatherElements",
} | {
    "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
    "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare",
    "Split", "Scan",
}
# Nondeterministic ops must not be CSE'd or folded.
IMPURE = {
    "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike",
    "Multinomial", "Bernoulli", "Dropout",
}
RENAMED_ATTRS = {"type": "type_proto"}  # `type` would clash with getType().

ODS_ATTR = {
    "INT": ("OnnxI64Attr", lambda d: str(d.i)),
    "FLOAT": ("F32Attr", lambda d: repr(float(d.f)) if d.f == d.f else None),
    "STRING": ("StrAttr", lambda d: '"' + d.s.decode().replace('"', '\\"') + '"'),
    "INTS": ("I64ArrayAttr", lambda d: None),
    "FLOATS": ("F32ArrayAttr", lambda d: None),
    "STRINGS": ("StrArrayAttr", lambda d: None),
    "TENSOR": ("ElementsAttr", lambda d: None),
    "SPARSE_TENSOR": ("AnyAttr", lambda d: None),
    "TYPE_PROTO": ("TypeAttr", lambda d: None),
    "TENSORS": ("ArrayAttr", lambda d: None),
    "GRAPHS": ("ArrayAttr", lambda d: None),
}


def ident(name):
    out = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return out.strip("_") or "arg"


def option(param):
    return str(param.option).split(".")[-1]  # Single / Optional / Variadic


def attr_decl(attr):
    kind = str(attr.type).split(".")[-1]
    ods, default_of = ODS_ATTR[kind]
    if attr.required:
        return ods
    default = None
    if attr.default_value is not None and attr.default_value.name:
        default = default_of(attr.default_value)
    if default is None:
        return f"OptionalAttr<{ods}>"
    return f'DefaultValuedAttr<{ods}, "{default}">' if kind != "STRING" \
        else f"DefaultValuedStrAttr<StrAttr, {default}>"


# The ops' name prefix per domain (see the module docstring).
DOMAINS = {"": "", "ai.onnx.ml": "ml."}


def gen_op(versions):
    latest = versions[-1]
    name = latest.name
    prefix = DOMAINS[latest.domain]
    ins = [(ident(i.name), option(i)) for i in latest.inputs]
    outs = []
    for o in latest.outputs:
        n = ident(o.name)
        if n in {i for i, _ in ins}:
            n += "_out"
        outs.append((n, option(o)))
    # Accessors are camel-cased, so `k` and `K` would both be getK().
    value_names = {n.lower() for n, _ in ins} | {n.lower() for n, _ in outs}

    attrs, regions = {}, []
    for schema in versions:
        for aname, attr in schema.attributes.items():
            kind = str(attr.type).split(".")[-1]
            if kind == "GRAPH":
                if aname not in regions:
                    regions.append(aname)
                continue
            odsname = RENAMED_ATTRS.get(aname, aname)
            if odsname.lower() in value_names:
                continue  # became an input; the importer converts it.
            decl = attr_decl(attr)
            if schema is not latest and not decl.startswith(("Optional", "Default")):
                decl = f"OptionalAttr<{decl}>"  # required only in old versions.
            if schema is latest or odsname not in attrs:
                attrs[odsname] = decl

    traits = []
    if name in IMPURE:
        pass
    elif regions:
        traits.append("RecursiveMemoryEffects")
    else:
        traits.append("Pure")
    interfaces = ['DeclareOpInterfaceMethods<OnnxShapeInference, ["inferShapes"]>'
                  if name in WITH_SHAPE_INFERENCE else "OnnxShapeInference"]

    lines = []
    since = ", ".join(str(v.since_version) for v in versions)
    domain = f" of {latest.domain}" if latest.domain else ""
    lines.append(f"// {name}: opset versions {since}{domain}.")
    tr = ", ".join(traits + interfaces)
    cls = ident(prefix.title().replace(".", "") + name)
    lines.append(f'def Onnx{cls}Op : Onnx_Op<"{prefix}{name}", [{tr}]> {{')
    lines.append(f'  let summary = "ONNX {latest.domain + " " if latest.domain else ""}'
                 f'{name} operator";')
    args = []
    for n, opt in ins:
        args.append(f"Variadic<AnyType>:${n}" if opt == "Variadic" else f"AnyType:${n}")
    for n, decl in attrs.items():
        args.append(f"{decl}:${n}")
    lines.append("  let arguments = (ins" + ("\n    " if args else "") +
                 ",\n    ".join(args) + ");")
    res = [f"Variadic<AnyType>:${n}" if opt == "Variadic" else f"AnyType:${n}"
           for n, opt in outs]
    lines.append("  let results = (outs" + ("\n    " if res else "") +
                 ",\n    ".join(res) + ");")
    if regions:
        lines.append("  let regions = (region " +
                     ", ".join(f"AnyRegion:${r}" for r in regions) + ");")
    else:
        lines.append("  let assemblyFormat = [{\n"
                     "    `(` operands `)` attr-dict `:` functional-type(operands, results)\n  }];")
    if name in WITH_VERIFIER:
        lines.append("  let hasVerifier = 1;")
    if name in WITH_FOLDER:
        lines.append("  let hasFolder = 1;")
    lines.append(f'  let extraClassDeclaration = [{{\n'
                 f'    static constexpr int kSinceVersions[] = {{{since}}};\n  }}];')
    lines.append("}")
    return "\n".join(lines)


def op_structure(versions):
    """(inputs, outputs, attrs, regions) exactly as gen_op declares them."""
    latest = versions[-1]
    ins = "".join(option(i)[0] for i in latest.inputs)
    outs = "".join(option(o)[0] for o in latest.outputs)
    value_names = {ident(i.name).lower() for i in latest.inputs}
    value_names |= {ident(o.name).lower() for o in latest.outputs}
    attrs, regions = [], []
    for schema in versions:
        for aname, attr in schema.attributes.items():
            if str(attr.type).endswith("GRAPH"):
                if aname not in regions:
                    regions.append(aname)
            elif RENAMED_ATTRS.get(aname, aname).lower() not in value_names and \
                    aname not in attrs:
                attrs.append(aname)
    return ins, outs, attrs, regions


def gen_table(by_name):
    print("// One row per onnx op: name, input kinds, output kinds (S single,")
    print("// O optional, V variadic), the ONNX names of its attributes and of")
    print("// its regions (comma-separated), in declaration order. Consumed by")
    print("// the importer.")
    for name in sorted(by_name):
        versions = sorted(by_name[name], key=lambda s: s.since_version)
        ins, outs, attrs, regions = op_structure(versions)
        print(f'KILN_ONNX_OP("{DOMAINS[versions[0].domain]}{versions[0].name}", "{ins}", "{outs}", "{",".join(attrs)}", '
              f'"{",".join(regions)}")')


def main():
    # Keyed (domain, name): the default domain's ops first, then ai.onnx.ml's.
    by_name = {}
    for s in defs.get_all_schemas_with_history():
        if s.domain in DOMAINS:
            key = (list(DOMAINS).index(s.domain), s.name)
            by_name.setdefault(key, []).append(s)
    import onnx
    if len(sys.argv) > 1 and sys.argv[1] == "table":
        print(f"// Generated by dialects/onnx/gen_onnx_ops.py from onnx "
              f"{onnx.__version__}; do not edit.")
        gen_table(by_name)
        return
    print("// Generated by dialects/onnx/gen_onnx_ops.py from onnx "
          f"{onnx.__version__}; do not edit.")
    print("#ifndef KILN_ONNX_OPS_TD\n#define KILN_ONNX_OPS_TD\n")
    print('include "OnnxBase.td"\n')
    for name in sorted(by_name):
        versions = sorted(by_name[name], key=lambda s: s.since_version)
        print(gen_op(versions))
        print()
    print("#endif // KILN_ONNX_OPS_TD")


if __name__ == "__main__":
    main()
