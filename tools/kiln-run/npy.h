//===- npy.h - Reading and writing numpy .npy files ----------*- C++ -*-===//
//
// Supports format versions 1.0-3.0, every numeric dtype Kiln handles (bool,
// int8..uint64, float16/32/64), either byte order, and Fortran-ordered
// arrays (converted to C order). bfloat16, which numpy lacks, is stored as
// the 2-byte void dtype '|V2' holding the raw bits (view it with
// ml_dtypes.bfloat16).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TOOLS_KILN_RUN_NPY_H
#define KILN_TOOLS_KILN_RUN_NPY_H

#include "host_tensor.h"

#include <iosfwd>
#include <string>

namespace kiln::tools {

/// Throws FileFormatError with a message naming `path`.
HostTensor readNpy(const std::string &path);
/// `what` names the source in error messages.
HostTensor readNpy(std::istream &in, const std::string &what);

/// Throws std::runtime_error when the file cannot be written.
void writeNpy(const std::string &path, const HostTensor &tensor);
void writeNpy(std::ostream &out, const HostTensor &tensor);

/// The .npy dtype descriptor for an element type ("<f4", "|b1", "|V2").
std::string npyDescr(int32_t elemType);

} // namespace kiln::tools

#endif // KILN_TOOLS_KILN_RUN_NPY_H
