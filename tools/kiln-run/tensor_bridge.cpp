//===- tensor_bridge.cpp - HostTensor <-> kiln::Tensor --------------------===//

#include "tensor_bridge.h"

#include <cstring>

namespace kiln::tools {

kiln::Tensor toKilnTensor(const HostTensor &host) {
  kiln::Tensor tensor = kiln::Tensor::zeros(
      static_cast<kiln::ElementType>(host.elemType), host.shape);
  if (tensor.byteSize() != host.data.size())
    throw std::runtime_error(
        "tensor data holds " + std::to_string(host.data.size()) +
        " bytes, the shape needs " + std::to_string(tensor.byteSize()));
  if (!host.data.empty())
    std::memcpy(tensor.rawData(), host.data.data(), host.data.size());
  return tensor;
}

HostTensor toHostTensor(const kiln::Tensor &tensor) {
  HostTensor host;
  host.elemType = static_cast<int32_t>(tensor.elementType());
  host.shape = tensor.shape();
  const auto *bytes = static_cast<const uint8_t *>(tensor.rawData());
  host.data.assign(bytes, bytes + tensor.byteSize());
  return host;
}

} // namespace kiln::tools
