//===- SupportArchive.cpp - The embedded support library ------------------===//

#include "compiler/artifact/support/SupportArchive.h"

namespace {
const char kArchive[] = {
#include "SupportArchive.inc"
};
} // namespace

llvm::ArrayRef<char> kiln::supportArchive() {
  return llvm::ArrayRef<char>(kArchive, sizeof(kArchive));
}
