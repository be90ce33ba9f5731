//===- random_inputs.h - Generated inputs for kiln-run -------*- C++ -*-===//
#ifndef KILN_TOOLS_KILN_RUN_RANDOM_INPUTS_H
#define KILN_TOOLS_KILN_RUN_RANDOM_INPUTS_H

#include "host_tensor.h"

#include "kiln/kiln.hpp"

#include <map>
#include <random>
#include <string>

namespace kiln::tools {

/// The concrete shape for `info`: fixed dims as declared, dynamic ones from
/// `dims` by dim_param name, else 1.
std::vector<int64_t> concreteShape(const kiln::TensorInfo &info,
                                   const std::map<std::string, int64_t> &dims);

/// Random values: floats uniform in [-1, 1), integers in [0, 10), bools 0/1.
/// Small non-negative integers keep index-like inputs (Gather) in range.
HostTensor randomTensor(const kiln::TensorInfo &info,
                        const std::map<std::string, int64_t> &dims,
                        std::mt19937_64 &rng);

} // namespace kiln::tools

#endif // KILN_TOOLS_KILN_RUN_RANDOM_INPUTS_H
