//===- SupportArchive.h - The generated code's C support library -*- C++ -*-=//
//
// The static archive built from kiln_strings.c at Kiln build time. Linking it
// after a model object resolves the kiln_str_* functions the generated code
// calls (compiler/conversion/StringOps.cpp); lld takes only the members an
// artifact references, so artifacts without strings are unchanged.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_ARTIFACT_SUPPORT_SUPPORTARCHIVE_H
#define KILN_COMPILER_ARTIFACT_SUPPORT_SUPPORTARCHIVE_H

#include "llvm/ADT/ArrayRef.h"

namespace kiln {

/// The bytes of the support library's `.a` archive.
llvm::ArrayRef<char> supportArchive();

} // namespace kiln

#endif
