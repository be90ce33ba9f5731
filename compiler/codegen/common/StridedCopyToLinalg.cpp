//===- StridedCopyToLinalg.cpp - Keep copies inside the artifact ----------===//

#include "compiler/codegen/common/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"

namespace kiln {
#define GEN_PASS_DEF_STRIDEDCOPYTOLINALG
#include "compiler/codegen/common/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// Mirrors the memref-to-LLVM lowering of memref.copy: it emits a memcpy
/// only when both sides have the identity layout or a static contiguous
/// shape, and otherwise calls `memrefCopy` from the runner utilities, which
/// artifacts do not link (a strided<[3, 1], offset: ?> view of dynamic
/// size is contiguous but still takes that path).
bool lowersToMemcpy(Value v) {
  auto t = cast<MemRefType>(v.getType());
  return t.getLayout().isIdentity() ||
         memref::isStaticShapeAndContiguousRowMajor(t);
}

struct StridedCopyToLinalgPass
    : kiln::impl::StridedCopyToLinalgBase<StridedCopyToLinalgPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) {
      if (!lowersToMemcpy(copy.getSource()) ||
          !lowersToMemcpy(copy.getTarget()))
        copies.push_back(copy);
    });
    for (memref::CopyOp copy : copies) {
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    }
  }
};
} // namespace
