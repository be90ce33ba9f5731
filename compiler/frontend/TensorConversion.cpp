//===- TensorConversion.cpp - ONNX TensorProto to MLIR attributes ---------===//

#include "compiler/frontend/TensorConversion.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <onnx/onnx_pb.h>

#include <cstring>

using namespace mlir;

namespace kiln {

Type onnxElementType(MLIRContext *ctx, int dataType, std::string &error) {
  Type type = onnx_ir::onnxElementType(ctx, dataType);
  if (!type)
    error = "element type " + std::to_string(dataType) + " is not supported";
  return type;
}

namespace {
/// Copies the typed repeated field of `t` into little-endian bytes of the
/// element type (ONNX stores small ints, bool and 16-bit floats widened in
/// int32_data).
bool typedFieldBytes(const onnx::TensorProto &t, unsigned elemBytes,
                     int64_t n, std::vector<char> &bytes) {
  bytes.assign(n * elemBytes, 0);
  auto put = [&](int64_t i, uint64_t bits) {
    std::memcpy(bytes.data() + i * elemBytes, &bits, elemBytes);
  };
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    if (t.float_data_size() != n) return false;
    std::memcpy(bytes.data(), t.float_data().data(), n * 4);
    return true;
  case onnx::TensorProto::DOUBLE:
    if (t.double_data_size() != n) return false;
    std::memcpy(bytes.data(), t.double_data().data(), n * 8);
    return true;
  case onnx::TensorProto::INT64:
    if (t.int64_data_size() != n) return false;
    std::memcpy(bytes.data(), t.int64_data().data(), n * 8);
    return true;
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    if (t.uint64_data_size() != n) return false;
    for (int64_t i = 0; i < n; ++i)
      put(i, t.uint64_data(i));
    return true;
  default:
    if (t.int32_data_size() != n) return false;
    for (int64_t i = 0; i < n; ++i)
      put(i, static_cast<uint64_t>(static_cast<int64_t>(t.int32_data(i))));
    return true;
  }
}
/// The 4- and 2-bit types: ONNX packs them two or four to a byte, low bits
/// first, in raw_data or one packed byte per int32_data entry (ONNX's text
/// parser writes one element per entry instead: both are read). The attribute
/// holds one element per byte (its storage for sub-byte types), in the low
/// bits as APInt writes them. Always a DenseElementsAttr: the conversion
/// rewrites its elements into bytes, which a blob would need copied anyway.
ElementsAttr packedTensorToAttr(const onnx::TensorProto &t,
                                RankedTensorType type, unsigned bits,
                                int64_t n, std::string &error) {
  const int64_t perByte = 8 / bits;
  const int64_t packedBytes = (n + perByte - 1) / perByte;
  std::string packed;
  if (t.has_raw_data()) {
    packed = t.raw_data();
  } else if (t.int32_data_size() != packedBytes &&
             t.int32_data_size() == n) {
    // ONNX's text parser writes one element per entry, unpacked.
    for (int64_t i = 0; i < n; i += perByte) {
      unsigned byte = 0;
      for (int64_t j = 0; j < perByte && i + j < n; ++j)
        byte |= (static_cast<unsigned>(t.int32_data(i + j)) & ((1u << bits) - 1))
                << (j * bits);
      packed.push_back(static_cast<char>(byte));
    }
  } else {
    for (int32_t v : t.int32_data())
      packed.push_back(static_cast<char>(v));
  }
  if (static_cast<int64_t>(packed.size()) != packedBytes) {
    error = "tensor '" + t.name() + "' has " + std::to_string(packed.size()) +
            " bytes of packed " + std::to_string(bits) + "-bit data, " +
            "expected " + std::to_string(packedBytes);
    return {};
  }
  std::vector<char> bytes(n);
  const unsigned mask = (1u << bits) - 1;
  for (int64_t i = 0; i < n; ++i)
    bytes[i] = static_cast<char>(
        (static_cast<uint8_t>(packed[i / perByte]) >> ((i % perByte) * bits)) &
        mask);
  return DenseElementsAttr::getFromRawBuffer(type, bytes);
}

} // namespace

ElementsAttr tensorProtoToAttr(MLIRContext *ctx, const onnx::TensorProto &t,
                               std::string &error) {
  Type elem = onnxElementType(ctx, t.data_type(), error);
  if (!elem)
    return {};
  SmallVector<int64_t> dims(t.dims().begin(), t.dims().end());
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) {
      error = "negative dim in tensor '" + t.name() + "'";
      return {};
    }
    n *= d;
  }
  auto type = RankedTensorType::get(dims, elem);
  if (isa<onnx_ir::StringType>(elem)) {
    // Strings are never in raw_data; the attribute owns copies of them.
    if (t.string_data_size() != n) {
      error = "tensor '" + t.name() + "' holds the wrong number of strings "
              "for its dims";
      return {};
    }
    SmallVector<StringRef> strings(t.string_data().begin(),
                                   t.string_data().end());
    return DenseStringElementsAttr::get(type, strings);
  }
  unsigned bits = elem.getIntOrFloatBitWidth();
  if (bits < 8 && !elem.isInteger(1))
    return packedTensorToAttr(t, type, bits, n, error);
  unsigned elemBytes = elem.isInteger(1) ? 1 : bits / 8;

  std::vector<char> owned;
  ArrayRef<char> bytes;
  if (t.has_raw_data()) {
    if (static_cast<int64_t>(t.raw_data().size()) != n * elemBytes) {
      error = "tensor '" + t.name() + "' has " +
              std::to_string(t.raw_data().size()) + " bytes of data, " +
              "expected " + std::to_string(n * elemBytes);
      return {};
    }
    bytes = ArrayRef<char>(t.raw_data().data(), t.raw_data().size());
  } else {
    if (!typedFieldBytes(t, elemBytes, n, owned)) {
      error = "tensor '" + t.name() + "' holds the wrong number of values "
              "for its dims";
      return {};
    }
    bytes = owned;
  }

  if (elem.isInteger(1)) {
    SmallVector<bool> values;
    for (char c : bytes)
      values.push_back(c != 0);
    return DenseElementsAttr::get(type, values);
  }
  if (n <= kInlineConstantLimit)
    return DenseElementsAttr::getFromRawBuffer(type, bytes);
  std::string name = t.name().empty() ? "weight" : t.name();
  return DenseResourceElementsAttr::get(
      type, name,
      HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, /*align=*/64));
}

} // namespace kiln
