//===- OnnxDialect.cpp - The onnx dialect ---------------------------------===//

#include "dialects/onnx/OnnxDialect.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace kiln::onnx_ir;

#include "dialects/onnx/OnnxDialect.cpp.inc"
#include "dialects/onnx/OnnxInterfaces.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/onnx/OnnxTypes.cpp.inc"

// ONNX sequences hold tensors only (Kiln has no maps, and sequences of
// sequences have no operator that could resolve them).
LogicalResult SeqType::verify(function_ref<InFlightDiagnostic()> emitError,
                              TensorType elementType) {
  if (!elementType)
    return emitError() << "sequence element type must be a tensor";
  return success();
}

// ONNX optionals wrap a tensor or a sequence of tensors, never another
// optional.
LogicalResult OptType::verify(function_ref<InFlightDiagnostic()> emitError,
                              Type elementType) {
  if (!isa_and_nonnull<TensorType, SeqType>(elementType))
    return emitError() << "optional element type must be a tensor or a "
                          "sequence, got "
                       << elementType;
  return success();
}

void OnnxDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/onnx/OnnxOps.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/onnx/OnnxTypes.cpp.inc"
      >();
}

namespace kiln::onnx_ir {

// The values are ONNX's TensorProto.DataType.
Type onnxElementType(MLIRContext *ctx, int64_t dataType) {
  Builder b(ctx);
  auto u = [&](unsigned w) {
    return IntegerType::get(ctx, w, IntegerType::Unsigned);
  };
  // clang-format off
  switch (dataType) {
  case 1: return b.getF32Type();                   // FLOAT
  case 2: return u(8);                             // UINT8
  case 3: return b.getIntegerType(8);              // INT8
  case 4: return u(16);                            // UINT16
  case 5: return b.getIntegerType(16);             // INT16
  case 6: return b.getI32Type();                   // INT32
  case 7: return b.getI64Type();                   // INT64
  case 8: return StringType::get(ctx);             // STRING
  case 9: return b.getI1Type();                    // BOOL
  case 10: return b.getF16Type();                  // FLOAT16
  case 11: return b.getF64Type();                  // DOUBLE
  case 12: return u(32);                           // UINT32
  case 13: return u(64);                           // UINT64
  case 16: return b.getBF16Type();                 // BFLOAT16
  case 17: return b.getType<Float8E4M3FNType>();   // FLOAT8E4M3FN
  case 18: return b.getType<Float8E4M3FNUZType>(); // FLOAT8E4M3FNUZ
  case 19: return b.getType<Float8E5M2Type>();     // FLOAT8E5M2
  case 20: return b.getType<Float8E5M2FNUZType>(); // FLOAT8E5M2FNUZ
  case 21: return u(4);                            // UINT4
  case 22: return b.getIntegerType(4);             // INT4
  case 23: return b.getType<Float4E2M1FNType>();   // FLOAT4E2M1
  case 24: return b.getType<Float8E8M0FNUType>();  // FLOAT8E8M0
  case 25: return u(2);                            // UINT2
  case 26: return b.getIntegerType(2);             // INT2
  default: return {};
  }
  // clang-format on
}

int64_t onnxDataTypeOf(Type type) {
  for (int64_t dataType = 1; dataType <= 26; ++dataType)
    if (Type t = onnxElementType(type.getContext(), dataType); t == type)
      return dataType;
  return 0;
}

bool isMiniFloatType(Type type) {
  return isa<Float8E4M3FNType, Float8E4M3FNUZType, Float8E5M2Type,
             Float8E5M2FNUZType, Float8E8M0FNUType, Float4E2M1FNType>(type);
}

bool isByteStoredType(Type type) {
  if (auto i = dyn_cast<IntegerType>(type))
    return i.getWidth() == 2 || i.getWidth() == 4;
  return isMiniFloatType(type);
}

} // namespace kiln::onnx_ir
