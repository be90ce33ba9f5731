//===- GraphUtils.cpp - Helpers shared by the graph passes ----------------===//

#include "compiler/transforms/GraphUtils.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace kiln::onnx_ir;

namespace kiln {

/// Constants at or below this size are dense attributes, like the
/// importer's, so constant folding can read them.
constexpr int64_t kInlineConstantLimit = 1024;

static ElementsAttr constantAttr(Value v) {
  auto c = v ? v.getDefiningOp<OnnxConstantOp>() : nullptr;
  if (!c || !c.getValueAttr())
    return {};
  return c.getValueAttr();
}

std::optional<FloatConstant> readFloatConstant(Value v) {
  ElementsAttr attr = constantAttr(v);
  auto type = v ? dyn_cast<RankedTensorType>(v.getType()) : nullptr;
  if (!attr || !type || !type.hasStaticShape() ||
      !(type.getElementType().isF32() || type.getElementType().isF64()))
    return std::nullopt;
  FloatConstant out{type, {}};
  if (auto dense = dyn_cast<DenseFPElementsAttr>(attr)) {
    for (const APFloat &f : dense.getValues<APFloat>()) {
      APFloat d = f;
      bool lost;
      d.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
      out.values.push_back(d.convertToDouble());
    }
    return out;
  }
  auto res = dyn_cast<DenseResourceElementsAttr>(attr);
  if (!res)
    return std::nullopt;
  ArrayRef<char> data = res.getData();
  int64_t n = type.getNumElements();
  bool f32 = type.getElementType().isF32();
  if ((int64_t)data.size() < n * (f32 ? 4 : 8))
    return std::nullopt; // The blob is not loaded.
  out.values.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    if (f32) {
      float f;
      std::memcpy(&f, data.data() + i * 4, 4);
      out.values.push_back(f);
    } else {
      double d;
      std::memcpy(&d, data.data() + i * 8, 8);
      out.values.push_back(d);
    }
  }
  return out;
}

std::optional<double> getSplatFloat(Value v) {
  auto dense = dyn_cast_or_null<DenseFPElementsAttr>(constantAttr(v));
  if (!dense || dense.getNumElements() == 0)
    return std::nullopt;
  if (!dense.isSplat() && dense.getNumElements() != 1)
    return std::nullopt;
  return (*dense.getValues<APFloat>().begin()).convertToDouble();
}

bool isSplatFloat(Value v, double expected, double relTol) {
  std::optional<double> got = getSplatFloat(v);
  return got && std::abs(*got - expected) <= relTol * std::abs(expected);
}

std::optional<SmallVector<int64_t>> readIntConstant(Value v) {
  auto dense = dyn_cast_or_null<DenseIntElementsAttr>(constantAttr(v));
  if (!dense)
    return std::nullopt;
  SmallVector<int64_t> out;
  for (const APInt &i : dense.getValues<APInt>())
    out.push_back(i.getSExtValue());
  return out;
}

Value createFloatConstant(OpBuilder &b, Location loc, RankedTensorType type,
                          ArrayRef<double> values, StringRef blobName) {
  bool f32 = type.getElementType().isF32();
  ElementsAttr attr;
  if (type.getNumElements() <= kInlineConstantLimit) {
    SmallVector<APFloat> v;
    for (double d : values)
      v.push_back(f32 ? APFloat((float)d) : APFloat(d));
    attr = DenseElementsAttr::get(type, v);
  } else {
    SmallVector<char> bytes(values.size() * (f32 ? 4 : 8));
    for (auto [i, d] : llvm::enumerate(values)) {
      if (f32) {
        float f = d;
        std::memcpy(bytes.data() + i * 4, &f, 4);
      } else {
        std::memcpy(bytes.data() + i * 8, &d, 8);
      }
    }
    // Same layout as the importer's weights (64-byte aligned blobs), so the
    // codegen externalizes the new weights like the old ones.
    attr = DenseResourceElementsAttr::get(
        type, blobName,
        HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, /*align=*/64));
  }
  return OnnxConstantOp::create(b, loc, TypeRange{type}, ValueRange{},
                                {b.getNamedAttr("value", attr)})
      .getResult();
}

LogicalResult refineTypesInOrder(func::FuncOp func) {
  bool failed = false;
  func.walk([&](OnnxShapeInference op) {
    // inferShapes fails both when nothing changes and on conflicts; only
    // conflicts emit a diagnostic, which the handler counts.
    ScopedDiagnosticHandler handler(func.getContext(), [&](Diagnostic &d) {
      failed |= d.getSeverity() == DiagnosticSeverity::Error;
      return mlir::failure(); // Let the diagnostic propagate to the user.
    });
    (void)op.inferShapes();
  });
  if (failed)
    return mlir::failure();
  auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
  func.setFunctionType(FunctionType::get(
      func.getContext(), func.getArgumentTypes(), ret.getOperandTypes()));
  return mlir::success();
}

} // namespace kiln
