//===- random_inputs.cpp - Generated inputs for kiln-run ------------------===//

#include "random_inputs.h"

#include <cstring>

namespace kiln::tools {

namespace {

template <typename T, typename Gen>
void fill(HostTensor &tensor, Gen generate) {
  const size_t count = tensor.data.size() / sizeof(T);
  for (size_t i = 0; i < count; ++i) {
    T value = generate();
    std::memcpy(&tensor.data[i * sizeof(T)], &value, sizeof(T));
  }
}

} // namespace

std::vector<int64_t> concreteShape(const kiln::TensorInfo &info,
                                   const std::map<std::string, int64_t> &dims) {
  std::vector<int64_t> shape = info.shape;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] >= 0)
      continue;
    const std::string &param =
        d < info.dimParams.size() ? info.dimParams[d] : "";
    auto it = param.empty() ? dims.end() : dims.find(param);
    shape[d] = it == dims.end() ? 1 : it->second;
  }
  return shape;
}

HostTensor randomTensor(const kiln::TensorInfo &info,
                        const std::map<std::string, int64_t> &dims,
                        std::mt19937_64 &rng) {
  HostTensor tensor;
  tensor.elemType = static_cast<int32_t>(info.elementType);
  tensor.shape = concreteShape(info, dims);
  const size_t elemSize = hostElemSize(tensor.elemType);
  if (elemSize == 0)
    throw std::runtime_error("cannot generate values for input '" + info.name +
                             "' of type " + info.type());
  tensor.data.resize(hostDataBytes(tensor.elemType, tensor.elementCount()));

  std::uniform_real_distribution<float> real(-1.f, 1.f);
  std::uniform_int_distribution<int> small(0, 9);
  auto r = [&] { return real(rng); };
  auto i = [&] { return small(rng); };
  using kiln::ElementType;
  switch (info.elementType) {
  case ElementType::Float:
    fill<float>(tensor, r);
    break;
  case ElementType::Double:
    fill<double>(tensor, [&] { return static_cast<double>(r()); });
    break;
  case ElementType::Float16:
    fill<uint16_t>(tensor, [&] { return kiln::Float16::fromFloat(r()); });
    break;
  case ElementType::BFloat16:
    fill<uint16_t>(tensor, [&] { return kiln::BFloat16::fromFloat(r()); });
    break;
  case ElementType::Bool:
    fill<uint8_t>(tensor, [&] { return static_cast<uint8_t>(i() & 1); });
    break;
  case ElementType::Int8:
    fill<int8_t>(tensor, [&] { return static_cast<int8_t>(i()); });
    break;
  case ElementType::UInt8:
    fill<uint8_t>(tensor, [&] { return static_cast<uint8_t>(i()); });
    break;
  case ElementType::Int16:
    fill<int16_t>(tensor, [&] { return static_cast<int16_t>(i()); });
    break;
  case ElementType::UInt16:
    fill<uint16_t>(tensor, [&] { return static_cast<uint16_t>(i()); });
    break;
  case ElementType::Int32:
    fill<int32_t>(tensor, [&] { return static_cast<int32_t>(i()); });
    break;
  case ElementType::UInt32:
    fill<uint32_t>(tensor, [&] { return static_cast<uint32_t>(i()); });
    break;
  case ElementType::Int64:
    fill<int64_t>(tensor, [&] { return static_cast<int64_t>(i()); });
    break;
  case ElementType::UInt64:
    fill<uint64_t>(tensor, [&] { return static_cast<uint64_t>(i()); });
    break;
  default:
    if (hostElemBits(tensor.elemType) <= 8) {
      // float8, float4, int4/int2: small values' bits in every element.
      for (uint8_t &b : tensor.data)
        b = static_cast<uint8_t>(i() * 0x11);
      break;
    }
    throw std::runtime_error("cannot generate values for input '" + info.name +
                             "' of type " + info.type());
  }
  return tensor;
}

} // namespace kiln::tools
