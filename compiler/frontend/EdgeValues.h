//===- EdgeValues.h - Sequences, maps and optionals at a model's edges ----===//
//
// The generated code only handles tensors. A graph input or output that is
// a sequence, a map or an optional is compiled as the tensors it holds (its
// slots), and the function @main records, for each graph value, how its
// slots make it up: `kiln.input_values` and `kiln.output_values`, arrays of
// dictionaries {name, type, kind, flags, count} in model order, where kind
// and flags are kiln_abi.h's KILN_VALUE_* and the slots of value i follow
// those of value i - 1. The artifact turns them into kiln_value_info_t
// tables; the runtime builds and takes apart the ONNX values around them.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_FRONTEND_EDGEVALUES_H
#define KILN_COMPILER_FRONTEND_EDGEVALUES_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <cstdint>
#include <string>

namespace onnx {
class TypeProto;
class NodeProto;
} // namespace onnx

namespace kiln {

/// ONNX Runtime's name of a value's type: "tensor(float)",
/// "seq(tensor(int64))", "map(string,tensor(float))",
/// "optional(seq(tensor(float)))".
std::string ortTypeString(const onnx::TypeProto &type);

/// One entry of kiln.input_values / kiln.output_values.
mlir::DictionaryAttr edgeValueAttr(mlir::Builder &b, const std::string &name,
                                   const std::string &type, uint32_t kind,
                                   uint32_t flags, int64_t count);

/// The attribute names on @main.
inline constexpr const char *kInputValuesAttr = "kiln.input_values";
inline constexpr const char *kOutputValuesAttr = "kiln.output_values";

/// A map carried by two tensors: keys [n] and values [n] (an input), or
/// the sequence of maps ZipMap makes: keys [C] and values [N, C].
struct MapSlots {
  mlir::Value keys;
  mlir::Value values;
};

/// ai.onnx.ml operators on maps, imported as default-domain ops over the
/// map's tensors (shapes are refined by kiln-shape-inference). Each returns
/// a null value after emitting an error at `loc`.
///   DictVectorizer: out[0, c] = the value of the key equal to vocabulary
///   entry c, or 0 (ONNX Runtime's [1, C] output).
mlir::Value buildDictVectorizer(mlir::OpBuilder &b, mlir::Location loc,
                                const MapSlots &map,
                                const onnx::NodeProto &node);
///   CastMap: the map's values in key order (DENSE) or at their keys'
///   positions in [0, max_map) (SPARSE), cast to float, int64 or string.
mlir::Value buildCastMap(mlir::OpBuilder &b, mlir::Location loc,
                         const MapSlots &map, const onnx::NodeProto &node);
///   ZipMap: the keys it pairs with each row of `probabilities`.
mlir::Value buildZipMapKeys(mlir::OpBuilder &b, mlir::Location loc,
                            const onnx::NodeProto &node);

} // namespace kiln

#endif // KILN_COMPILER_FRONTEND_EDGEVALUES_H
