//===- Passes.td - Graph passes on the onnx dialect --------*- tablegen -*-===//

#ifndef KILN_TRANSFORMS_PASSES_TD
#define KILN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def OnnxShapeInferencePass
    : Pass<"kiln-shape-inference", "mlir::func::FuncOp"> {
  let summary = "Refine onnx result types from operand types";
  let description = [{
    Visits ops in order and asks each op's OnnxShapeInference interface for
    better result types (fixed dims where there were `?`, ranked where the
    type was unranked). Then ranks travel backwards where only the users
    know them: an unranked result read by a shape-preserving op (unary
    elementwise, casts, softmax-like, normalizations) whose result is
    ranked takes that shape (a reduction over run-time axes followed by a
    Log that is a graph output of declared rank), and the forward walk
    repeats. The function's result types follow its return.
  }];
}

def OnnxConstantFoldingPass
    : Pass<"kiln-fold-constants", "mlir::func::FuncOp"> {
  let summary = "Evaluate onnx ops whose inputs are small constants";
  let description = [{
    Replaces Shape/Size of static tensors, and Cast, Reshape, Squeeze,
    Unsqueeze, Flatten, Identity, Concat, Gather, Slice, ConstantOfShape,
    Range, Add/Sub/Mul/Div/Equal whose inputs are small constants (at most
    1024 elements) by onnx.Constant. This removes the shape arithmetic
    exporters emit around reshapes. Weights are never evaluated. Each op's
    type is refined (OnnxShapeInference) just before it is considered, so
    one walk folds whole chains. An If whose condition folds to a constant
    is replaced by the branch it takes (the other may not even type-check
    for these shapes), and the walk repeats, at most 8 times, while Ifs are
    inlined.
  }];
  let options = [
    Option<"integerOnly", "integer-only", "bool", /*default=*/"false",
           "Only fold ops with integer results (shape arithmetic); used "
           "at DISABLE_ALL, where types must still be resolved">
  ];
}

def OnnxSimplifyGraphPass
    : Pass<"kiln-simplify-graph", "mlir::func::FuncOp"> {
  let summary = "Remove redundant onnx nodes (BASIC)";
  let description = [{
    Exact rewrites only, so results are bit-identical:
    - Identity, Cast to the type its input has, and Dropout in inference
      (no training_mode or a false one,
      mask unused), forward their input;
    - Reshape of a Reshape reshapes the original input (when the outer
      shape needs no copied `0` dims), a Reshape to the input's own static
      shape disappears;
    - Transpose of a Transpose becomes one Transpose with the composed
      permutation, and an identity permutation disappears.
  }];
  let options = [
    Option<"removeDropout", "remove-dropout", "bool", /*default=*/"true",
           "Forward the input of inference Dropout (ratio is ignored at "
           "inference, as ONNX specifies)">
  ];
}

def OnnxFoldIntoConvPass
    : Pass<"kiln-fold-into-conv", "mlir::func::FuncOp"> {
  let summary = "Fold BatchNormalization, Add and Mul of constants into Conv";
  let description = [{
    When a Conv's weights and bias are constants and its only user is an
    inference BatchNormalization with constant parameters, the
    normalization is folded into new weights and bias:
    W' = W * s, B' = (B - mean) * s + beta with s = scale / sqrt(var + eps),
    computed in double and rounded once. With `fold-elementwise`, an Add of
    a per-channel constant joins the bias and a Mul by a per-channel constant
    scales weights and bias. These change rounding only (the products are
    formed once on the weights instead of per output element): results
    stay within a few ulps of the unfused graph, well inside the 1e-4
    relative tolerance Kiln tests against ONNX Runtime with (which folds the
    same way).
  }];
  let options = [
    Option<"foldElementwise", "fold-elementwise", "bool", /*default=*/"true",
           "Also fold per-channel Add/Mul of constants after a Conv">
  ];
}

def OnnxFoldScalePass : Pass<"kiln-fold-scale", "mlir::func::FuncOp"> {
  let summary = "Fold a scalar factor into the constants its operand is "
                "computed from";
  let description = [{
    Mul(x, c) or Div(x, c) with c a scalar float constant disappears when x
    is computed linearly from constants: through single-use Transpose,
    Reshape, Squeeze, Unsqueeze, Flatten and Identity, into one side of a
    MatMul or Mul, the dividend of a Div, both sides of an Add or Sub, or a
    Gemm's alpha and beta. The constants reached are replaced by scaled
    copies (computed in double, rounded once; a constant with other users
    is copied only up to 4096 elements). Attention's scale of its scores
    then goes into the query or key projection's weights and bias. f32 and
    f64 only; results change by rounding only.
  }];
}

def OnnxFuseGeluPass : Pass<"kiln-fuse-gelu", "mlir::func::FuncOp"> {
  let summary = "Fuse the exporters' GELU subgraphs into onnx.Gelu (EXTENDED)";
  let description = [{
    Matches x * 0.5 * (1 + erf(x / sqrt(2))) (with x * (1/sqrt(2)) too, and
    the three factors multiplied in any order) into
    onnx.Gelu {approximate = "none"}, and, with `tanh-form`,
    0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))) (x^3 as Pow or
    as products) into onnx.Gelu {approximate = "tanh"}. Constants must match
    within `tolerance` (relative); intermediate values must have no other
    users.
  }];
  let options = [
    Option<"tanhForm", "tanh-form", "bool", /*default=*/"true",
           "Also fuse the tanh approximation">,
    Option<"tolerance", "tolerance", "double", /*default=*/"1e-4",
           "Relative tolerance on the pattern's constants">
  ];
}

def OnnxFuseLayerNormPass
    : Pass<"kiln-fuse-layer-norm", "mlir::func::FuncOp"> {
  let summary = "Fuse the decomposed layer normalization into "
                "onnx.LayerNormalization (EXTENDED)";
  let description = [{
    Matches ReduceMean, Sub, Pow 2 (or Mul by itself), ReduceMean, Add eps,
    Sqrt, Div, then an optional Mul by a scale and an optional Add of a bias,
    where both reductions run over the same trailing axes with keepdims.
    The scale and bias may vary only along the normalized axes. A missing
    scale becomes a constant of ones.
  }];
}

def OnnxFuseAttentionPass
    : Pass<"kiln-fuse-attention", "mlir::func::FuncOp"> {
  let summary = "Fuse scaled dot-product attention into kiln.attention "
                "(EXTENDED, CPU)";
  let description = [{
    Matches MatMul(Softmax(s, axis = -1), V) where s is MatMul(Q, K^T),
    optionally times or divided by a scalar constant, then optionally plus
    an f32 mask or Where(i1 mask, s, scalar fill), over rank-4 f32 tensors
    whose intermediates have no other users, into one kiln.attention. Q, K
    and V are read through the Transposes that split their heads and the
    result is written through the one that merges them, where those keep
    the feature dim last. The CPU lowers the op to one kernel
    (kiln-attention-ukernel); other providers do not run this pass.
  }];
  let dependentDialects = ["kiln::codegen::KilnCodegenDialect"];
}

def OnnxFuseGemmPass : Pass<"kiln-fuse-gemm", "mlir::func::FuncOp"> {
  let summary = "MatMul + Add into Gemm, Transposes into transA/transB "
                "(EXTENDED)";
  let description = [{
    A 2-D MatMul whose only user adds a bias of rank <= 2 that broadcasts to
    the product becomes Gemm(A, B, C). With `fold-transpose`, a 2-D
    Transpose feeding a Gemm (or a 2-D MatMul, which then becomes a Gemm)
    flips transA/transB instead of being materialized. A Gemm with transB
    and a constant B gets B transposed here, once, so that the GEMM kernel
    packs it from rows at run time.
  }];
  let options = [
    Option<"foldTranspose", "fold-transpose", "bool", /*default=*/"true",
           "Fold 2-D Transposes into transA/transB">
  ];
}

def OnnxUnifyIfRanksPass : Pass<"kiln-unify-if-ranks", "mlir::func::FuncOp"> {
  let summary = "Give If results whose branches return different ranks one "
                "rank where every user broadcasts it";
  let description = [{
    ONNX lets an If's branches return tensors of different ranks (AffineGrid's
    function body returns a step as a scalar in one branch and as a [1]
    tensor in the other), and Kiln fixes ranks at compile time. When every
    user of such a result reads it through numpy broadcasting against an
    operand of at least the highest branch rank (Add, Mul, Where, ... ;
    PRelu's slope, Expand's input to a shape of at least that length), or
    reads only its element type (CastLike's target_type), the lower-ranked
    branches return their value with leading unit dims (an Unsqueeze before
    the yield): broadcasting prepends exactly those dims, so every user
    computes the same values. The If's result takes the join of the branch
    types and the users are re-typed. An If result of different branch ranks
    that is a graph output is an error: its rank would depend on the
    condition. Other users (a Reshape, a Shape, ...) leave the If as it is;
    its lowering reports the run-time rank.
  }];
}

def OnnxResolveSequencesPass
    : Pass<"kiln-resolve-sequences", "mlir::func::FuncOp"> {
  let summary = "Resolve ONNX sequences and optionals at compile time";
  let description = [{
    Evaluates sequence and optional ops symbolically: a sequence is the list
    of tensor values it holds, an optional the value it holds or nothing.
    SequenceEmpty/Construct/Insert/Erase edit the list (constant positions,
    negative ones counted from the back, Insert without a position appends,
    Erase without one drops the last); SequenceAt becomes the element
    (tensor.cast when the declared type is less precise); SequenceLength a
    constant; SplitToSequence onnx.Split (+ Squeeze for keepdims = 0) along
    a dim of static size, or by a 1-D split of static length; into a
    number of pieces only the run knows (a run-time scalar split, a split
    list of run-time length, a dim of run-time size) its SequenceLength and
    pieces at constant positions are computed here, and the op itself is
    kept for the run where the whole sequence is needed;
    ConcatFromSequence onnx.Concat (+ Unsqueeze for new_axis);
    Optional/OptionalHasElement/OptionalGetElement are resolved when the
    optional is built in the model. Anything else (run-time positions,
    sequences crossing If/Loop/Scan subgraphs, SequenceMap) is an error
    naming the node. Afterwards no sequence or optional value remains;
    types refined by resolution are propagated by shape inference.
  }];
  let dependentDialects = ["mlir::tensor::TensorDialect"];
}

#endif // KILN_TRANSFORMS_PASSES_TD
