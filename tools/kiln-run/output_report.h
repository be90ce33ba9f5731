//===- output_report.h - Describing and naming kiln-run's outputs -*- C++
//-*-===//
#ifndef KILN_TOOLS_KILN_RUN_OUTPUT_REPORT_H
#define KILN_TOOLS_KILN_RUN_OUTPUT_REPORT_H

#include "host_tensor.h"

#include <string>
#include <vector>

namespace kiln::tools {

/// "z: shape [2, 3], dtype float32\n  [1, 2, 3, 4, 5, 6]" with at most
/// `maxValues` values followed by "..." when there are more.
std::string describeTensor(const std::string &name, const HostTensor &tensor,
                           size_t maxValues);

/// "[2, 3]"
std::string shapeString(const std::vector<int64_t> &shape);

/// A file name for each output: characters outside [A-Za-z0-9._-] become
/// '_', names that are empty or all dots get a placeholder, and duplicates
/// (after sanitizing) are made unique with a numeric suffix.
std::vector<std::string> outputFileNames(const std::vector<std::string> &names);

} // namespace kiln::tools

#endif // KILN_TOOLS_KILN_RUN_OUTPUT_REPORT_H
