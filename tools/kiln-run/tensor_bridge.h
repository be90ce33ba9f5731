//===- tensor_bridge.h - HostTensor <-> kiln::Tensor ---------*- C++ -*-===//
#ifndef KILN_TOOLS_KILN_RUN_TENSOR_BRIDGE_H
#define KILN_TOOLS_KILN_RUN_TENSOR_BRIDGE_H

#include "host_tensor.h"

#include "kiln/kiln.hpp"

namespace kiln::tools {

/// Copies into a runtime-owned (64-byte aligned) tensor: file buffers carry
/// no alignment guarantee and generated code may want one.
kiln::Tensor toKilnTensor(const HostTensor &host);

HostTensor toHostTensor(const kiln::Tensor &tensor);

} // namespace kiln::tools

#endif // KILN_TOOLS_KILN_RUN_TENSOR_BRIDGE_H
