//===- OnnxBase.td - The onnx dialect and its op base class -*- tablegen -*-===//
//
// Hand-written part of the dialect: the dialect itself, the op base class,
// the shape inference interface and the few ops that are not ONNX operators.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_ONNX_BASE_TD
#define KILN_ONNX_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinTypes.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "OnnxInterfaces.td"

def Onnx_Dialect : Dialect {
  let name = "onnx";
  let summary = "The ONNX operator set, one op per operator";
  let description = [{
    Ops mirror the ONNX operators of the default domain. Tensors are builtin
    ranked tensors whose `?` dims are ONNX's symbolic dims; absent optional
    inputs are values of type `none`. ONNX sequences and optionals inside a
    model are `!onnx.Seq<...>` and `!onnx.Opt<...>` until they are resolved
    at compile time.
  }];
  let cppNamespace = "::kiln::onnx_ir";
  let hasConstantMaterializer = 0;
  let useDefaultTypePrinterParser = 1;
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

class Onnx_Type<string name, string typeMnemonic>
    : TypeDef<Onnx_Dialect, name> {
  let mnemonic = typeMnemonic;
}

def Onnx_SeqType : Onnx_Type<"Seq", "Seq"> {
  let summary = "An ONNX sequence of tensors";
  let description = [{
    ONNX's `seq(tensor(T))`: an ordered list of tensors of one element type
    whose shapes may differ. `elementType` is the type every element has in
    common (dims that differ are `?`, an unknown rank is unranked). Kiln
    resolves sequences at compile time where it can
    (`kiln-resolve-sequences`); those only the run can decide reach the
    conversion to linalg, which makes them the address of a run-time
    sequence (`tensor<i64>`, docs/architecture.md).

    Example: `!onnx.Seq<tensor<?x3x4xf32>>`
  }];
  let parameters = (ins "::mlir::TensorType":$elementType);
  let assemblyFormat = "`<` $elementType `>`";
  let genVerifyDecl = 1;
}

def Onnx_OptType : Onnx_Type<"Opt", "Opt"> {
  let summary = "An ONNX optional value";
  let description = [{
    ONNX's `optional(T)` for a tensor or a sequence of tensors: either a
    value of type `elementType` or nothing. Like sequences, optionals are
    resolved at compile time where they can be, run-time values otherwise.

    Example: `!onnx.Opt<tensor<2xf32>>`, `!onnx.Opt<!onnx.Seq<tensor<f32>>>`
  }];
  let parameters = (ins "::mlir::Type":$elementType);
  let assemblyFormat = "`<` $elementType `>`";
  let genVerifyDecl = 1;
}

def Onnx_StringType : Onnx_Type<"String", "String"> {
  let summary = "The element type of ONNX string tensors";
  let description = [{
    ONNX's `tensor(string)` is `tensor<...x!onnx.String>`. The conversion to
    linalg maps the element to `i64`: a string tensor is an array of
    pointers to NUL-terminated UTF-8 strings, so data movement ops work on
    it unchanged (see docs/architecture.md, "String tensors").
  }];
}

// ONNX INT attributes are signed (axis = -1); I64Attr would return uint64_t.
def OnnxI64Attr : TypedSignlessIntegerAttrBase<I64, "int64_t",
                                               "64-bit signed integer attribute"> {
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

class Onnx_Op<string mnemonic, list<Trait> traits = []>
    : Op<Onnx_Dialect, mnemonic, traits>;

def OnnxNoValueOp : Onnx_Op<"NoValue", [Pure]> {
  let summary = "An absent optional input";
  let results = (outs NoneType:$none);
  let assemblyFormat = "attr-dict";
}

def OnnxYieldOp : Onnx_Op<"Yield", [Pure, ReturnLike, Terminator]> {
  let summary = "Returns the outputs of a subgraph (If/Loop/Scan body)";
  let arguments = (ins Variadic<AnyType>:$operands);
  let assemblyFormat = "attr-dict ($operands^ `:` type($operands))?";
}

#endif // KILN_ONNX_BASE_TD
