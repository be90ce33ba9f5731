//===- TileAndVectorize.cpp - Register tiles for the heavy ops ------------===//
//
// linalg.matmul / batch_matmul / conv_2d_nchw_fchw on tensors whose lowering
// configuration is tile_and_vectorize become loops over tiles of the sizes
// the configuration gives, whose body is vector code. Without this the
// pipeline lowers them with convert-linalg-to-loops, i.e. one scalar
// multiply-add per iteration with the accumulator in memory.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/KilnCodegen.h"
#include "compiler/codegen/cpu/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace kiln {
#define GEN_PASS_DEF_TILEANDVECTORIZE
#include "compiler/codegen/cpu/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Marks the linalg ops of the tiled loop nests until they are vectorized.
constexpr const char *kTileMarker = "__kiln_tile__";

bool isHeavyOp(Operation *op) {
  return isa<linalg::MatmulOp, linalg::BatchMatmulOp, linalg::Conv2DNchwFchwOp>(
      op);
}

/// The elementwise op that consumes all of `heavy`'s result, if there is one
/// that can share its tiles: all-parallel, one init, and reading the heavy
/// result with the same (identity) map as it writes its own result, so a tile
/// of the consumer needs exactly the same tile of the heavy op.
linalg::GenericOp getFusableConsumer(linalg::LinalgOp heavy) {
  Value result = heavy->getResult(0);
  if (!result.hasOneUse())
    return nullptr;
  auto consumer = dyn_cast<linalg::GenericOp>(*result.getUsers().begin());
  if (!consumer || consumer.getNumDpsInits() != 1 ||
      consumer.getNumParallelLoops() != consumer.getNumLoops() ||
      consumer->getResult(0).getType() != result.getType())
    return nullptr;
  for (OpOperand &use : result.getUses()) {
    if (consumer.isDpsInit(&use) ||
        !consumer.getMatchingIndexingMap(&use).isIdentity())
      return nullptr;
  }
  if (!consumer.getIndexingMapMatchingResult(consumer->getResult(0))
           .isIdentity())
    return nullptr;
  return consumer;
}

SmallVector<OpFoldResult> toOfrs(MLIRContext *ctx, ArrayRef<int64_t> sizes) {
  Builder b(ctx);
  return llvm::map_to_vector(
      sizes, [&](int64_t s) -> OpFoldResult { return b.getIndexAttr(s); });
}

struct TileAndVectorizePass
    : kiln::impl::TileAndVectorizeBase<TileAndVectorizePass> {
  using Base::Base;

  /// Tiles `heavy` (through its consumer if it has one) and returns the
  /// loops created, outermost first, or an empty list if tiling failed.
  SmallVector<scf::ForOp> tileHeavyOp(RewriterBase &rewriter,
                                      linalg::LinalgOp heavy) {
    auto config = kiln::codegen::getLoweringConfig(heavy);
    SmallVector<int64_t> parallel(config.getParallelTiles());
    SmallVector<int64_t> reduction(config.getReductionTiles());
    linalg::GenericOp consumer = getFusableConsumer(heavy);
    auto root = consumer ? cast<TilingInterface>(consumer.getOperation())
                         : cast<TilingInterface>(heavy.getOperation());
    // The consumer's loops are the heavy op's output dims, which are its
    // parallel loops in order for every op handled here.
    SmallVector<int64_t> rootSizes = llvm::to_vector(parallel);
    if (consumer)
      rootSizes.resize(consumer.getNumLoops());

    scf::SCFTileAndFuseOptions options;
    options.setTilingOptions(
        scf::SCFTilingOptions().setTileSizes(toOfrs(&getContext(), rootSizes)));
    // Fuse only the heavy op and the fill of its accumulator: a fused
    // tensor.pad or transpose would be recomputed per tile, and a
    // dynamically shaped one would also block vectorization.
    Operation *heavyOp = heavy.getOperation();
    Value acc = heavy.getDpsInits()[0];
    options.setFusionControlFn(
        [&](tensor::ExtractSliceOp, OpResult producer, bool)
            -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
          Operation *op = producer.getOwner();
          if (op == heavyOp ||
              (isa<linalg::FillOp>(op) && op->getResult(0) == acc))
            return scf::SCFTileAndFuseOptions::ControlFnResult{};
          return std::nullopt;
        });
    rewriter.setInsertionPoint(root);
    FailureOr<scf::SCFTileAndFuseResult> tiled =
        scf::tileConsumerAndFuseProducersUsingSCF(rewriter, root, options);
    if (failed(tiled))
      return {};
    for (auto [orig, repl] : tiled->replacements)
      rewriter.replaceAllUsesWith(orig, repl);

    // The tile loops of the parallel dims write disjoint tiles:
    // kiln-dispatch-parallel-loops may run their iterations on threads.
    SmallVector<scf::ForOp> loops;
    for (LoopLikeOpInterface loop : tiled->loops) {
      loops.push_back(cast<scf::ForOp>(loop.getOperation()));
      loop->setAttr("kiln.parallel", UnitAttr::get(&getContext()));
    }

    // Find the tile of the heavy op among the fused ops and tile its
    // reduction dims. Tiling the fill along with the parallel dims first
    // keeps it out of the reduction loop, where it would reset the
    // accumulator on every step.
    linalg::LinalgOp heavyTile;
    for (Operation *op : tiled->tiledAndFusedOps)
      if (op->getName() == heavyOp->getName())
        heavyTile = cast<linalg::LinalgOp>(op);
    if (!heavyTile)
      return loops;
    rewriter.setInsertionPoint(heavyTile);
    FailureOr<scf::SCFTilingResult> reduced = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(heavyTile.getOperation()),
        scf::SCFTilingOptions().setTileSizes(toOfrs(&getContext(), reduction)));
    if (failed(reduced))
      return loops;
    rewriter.replaceOp(heavyTile, reduced->replacements);
    for (LoopLikeOpInterface loop : reduced->loops)
      loops.push_back(cast<scf::ForOp>(loop.getOperation()));
    return loops;
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);

    SmallVector<linalg::LinalgOp> heavyOps;
    WalkResult walk = func.walk([&](linalg::LinalgOp op) {
      auto config = kiln::codegen::getLoweringConfig(
          op, kiln::codegen::Strategy::tile_and_vectorize);
      if (!config)
        return WalkResult::advance();
      if (!isHeavyOp(op) || !op.hasPureTensorSemantics()) {
        op->emitOpError("has the tile_and_vectorize strategy but is not a "
                        "linalg.matmul, batch_matmul or conv_2d_nchw_fchw "
                        "on tensors");
        return WalkResult::interrupt();
      }
      if (config.getParallelTiles().size() != op.getNumLoops()) {
        op->emitOpError() << "has tile sizes for "
                          << config.getParallelTiles().size()
                          << " loops, but it has " << op.getNumLoops();
        return WalkResult::interrupt();
      }
      heavyOps.push_back(op);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    if (heavyOps.empty())
      return;

    // Tiles are marked rather than tracked by handle: the canonicalization
    // below may replace both the loops and the ops in them.
    for (linalg::LinalgOp heavy : heavyOps) {
      SmallVector<scf::ForOp> loops = tileHeavyOp(rewriter, heavy);
      if (loops.empty())
        continue;
      // Peel innermost first so that the remainder of an outer loop holds
      // already-peeled copies of the inner ones. The main loops then have
      // static tiles; remainders are static too when the bounds are.
      SmallVector<scf::ForOp> nests = {loops.front()};
      for (scf::ForOp loop : llvm::reverse(loops)) {
        scf::ForOp partial;
        rewriter.setInsertionPoint(loop);
        if (succeeded(
                scf::peelForLoopAndSimplifyBounds(rewriter, loop, partial)) &&
            loop == loops.front())
          nests.push_back(partial);
      }
      for (scf::ForOp nest : nests)
        nest.walk([&](linalg::LinalgOp op) {
          op->setAttr(kTileMarker, UnitAttr::get(ctx));
        });
    }

    // Fold the affine.min tile sizes of the peeled loops and the
    // tensor.casts tiling put around them, so the main tiles get static
    // types.
    if (failed(applyPatternsGreedily(func, getCanonicalizationPatterns())))
      return signalPassFailure();

    // Static conv tiles have unit oh/kh: make them 1-D convolutions, the
    // only rank linalg::vectorize handles.
    SmallVector<linalg::Conv2DNchwFchwOp> convs;
    func.walk([&](linalg::Conv2DNchwFchwOp op) {
      if (op->hasAttr(kTileMarker) && !op.hasDynamicShape())
        convs.push_back(op);
    });
    PatternRewriter patternRewriter(ctx);
    linalg::DownscaleSizeOneWindowed2DConvolution<linalg::Conv2DNchwFchwOp,
                                                  linalg::Conv1DNcwFcwOp>
        downscale(ctx);
    for (linalg::Conv2DNchwFchwOp conv : convs) {
      patternRewriter.setInsertionPoint(conv);
      FailureOr<linalg::Conv1DNcwFcwOp> conv1d =
          downscale.returningMatchAndRewrite(conv, patternRewriter);
      if (succeeded(conv1d))
        (*conv1d)->setAttr(kTileMarker, UnitAttr::get(ctx));
    }

    // Vectorize the static tiles; dynamic ones stay linalg (scalar loops).
    SmallVector<linalg::LinalgOp> toVectorize;
    func.walk([&](linalg::LinalgOp op) {
      if (!op->hasAttr(kTileMarker))
        return;
      op->removeAttr(kTileMarker);
      if (op.hasPureTensorSemantics() && !op.hasDynamicShape() &&
          succeeded(linalg::vectorizeOpPrecondition(op)))
        toVectorize.push_back(op);
    });
    for (linalg::LinalgOp op : toVectorize) {
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::VectorizationResult> result = linalg::vectorize(
          rewriter, op, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
          /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
          /*assumeDynamicDimsMatchVecSizes=*/false,
          /*createNamedContraction=*/true);
      if (succeeded(result))
        rewriter.replaceOp(op, result->replacements);
    }

    // Clean up the vector IR so the accumulator reads/writes of the tile
    // meet across the extract_slice/insert_slice of the loop iter_args.
    {
      RewritePatternSet patterns(ctx);
      addCanonicalizationPatterns(patterns);
      vector::populateVectorReductionToContractPatterns(patterns);
      vector::populateSinkVectorOpsPatterns(patterns);
      tensor::populateFoldTensorSubsetIntoVectorTransferPatterns(patterns);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }

    // Keep the accumulator in registers across the reduction loop: the
    // read/write pair of the output tile is loop-invariant.
    func.walk([&](scf::ForOp loop) {
      hoistLoopInvariantSubsets(rewriter,
                                cast<LoopLikeOpInterface>(loop.getOperation()));
    });

    if (!lowerVectors)
      return;
    // Contractions to outer products to vector.fma: one broadcast of an
    // lhs element times one row of rhs per FMA, no horizontal reductions.
    RewritePatternSet patterns(ctx);
    vector::populateVectorContractLoweringPatterns(
        patterns, vector::VectorContractLowering::OuterProduct);
    vector::populateVectorOuterProductLoweringPatterns(patterns);
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::populateVectorTransposeLoweringPatterns(
        patterns, vector::VectorTransposeLowering::EltWise);
    vector::populateVectorBroadcastLoweringPatterns(patterns);
    vector::populateVectorMultiReductionLoweringPatterns(
        patterns, vector::VectorMultiReductionLowering::InnerParallel);
    vector::populateVectorShapeCastLoweringPatterns(patterns);
    vector::populateVectorMaskOpLoweringPatterns(patterns);
    vector::TransferReadOp::getCanonicalizationPatterns(patterns, ctx);
    vector::TransferWriteOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(func, std::move(patterns))))
      return signalPassFailure();
  }

  /// The patterns of the canonicalize pass (every loaded dialect and op).
  void addCanonicalizationPatterns(RewritePatternSet &patterns) {
    MLIRContext *ctx = patterns.getContext();
    for (Dialect *dialect : ctx->getLoadedDialects())
      dialect->getCanonicalizationPatterns(patterns);
    for (RegisteredOperationName op : ctx->getRegisteredOperations())
      op.getCanonicalizationPatterns(patterns, ctx);
  }

  FrozenRewritePatternSet getCanonicalizationPatterns() {
    RewritePatternSet patterns(&getContext());
    addCanonicalizationPatterns(patterns);
    return FrozenRewritePatternSet(std::move(patterns));
  }
};

} // namespace
