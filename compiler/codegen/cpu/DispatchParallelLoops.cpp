//===- DispatchParallelLoops.cpp - Outermost parallel loops to the pool ---===//
//
// Each outermost scf.parallel (and scf.for marked `kiln.parallel`, the outer
// tile loops of kiln-tile-and-vectorize) becomes a call
//
//   kiln_parallel_for(begin, end, grain, @body, captures)
//
// where @body(captures, chunkBegin, chunkEnd) is the loop outlined into a
// function of plain C types: the values it uses from above travel in an LLVM
// struct on the caller's stack (memrefs as their LLVM descriptors). The
// artifact defines kiln_parallel_for to call the run context's parallel_for,
// i.e. the session's thread pool.
//
// Loops with too little work stay inline: the grain is the number of
// iterations worth `min-work` estimated operations, so the runtime runs a
// loop whose range is within one grain on the calling thread, and a loop
// whose static size is below it is not outlined at all.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cpu/Passes.h"
#include "compiler/codegen/cpu/UkernelCall.h"

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMTypes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

namespace kiln {
#define GEN_PASS_DEF_DISPATCHPARALLELLOOPS
#include "compiler/codegen/cpu/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

constexpr const char *kParallelForSymbol = "kiln_parallel_for";
/// Loops with fewer (static) iterations than this are not worth splitting:
/// the parallel loops nested in them are dispatched instead.
constexpr int64_t kMinDispatchTrips = 8;
/// Trip count assumed for a loop whose bounds are only known at run time.
constexpr int64_t kUnknownTrips = 32;
/// When every dim of a nest is dispatched, the innermost one is dispatched
/// in blocks of this many iterations, each an inner loop: a body per
/// element would delinearize its index with a division per dim (by a run-
/// time size where dims are symbolic), and LLVM cannot vectorize it.
constexpr int64_t kInnerBlock = 256;

std::optional<int64_t> staticTrips(Value lb, Value ub, Value step) {
  std::optional<int64_t> l = getConstantIntValue(lb),
                         u = getConstantIntValue(ub),
                         s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0)
    return std::nullopt;
  return *u <= *l ? 0 : (*u - *l + *s - 1) / *s;
}

/// The trip count a lowering knows for a loop whose bounds do not say it
/// (`kiln.trip_estimate`: a tree walk's depth).
std::optional<int64_t> tripEstimate(Operation &loop) {
  if (auto trips = loop.getAttrOfType<IntegerAttr>("kiln.trip_estimate"))
    return std::max<int64_t>(1, trips.getInt());
  return std::nullopt;
}

/// Estimated scalar operations of one execution of `region`: ops count 1,
/// nested loops multiply their body by their trip count.
int64_t estimateWork(Region &region) {
  int64_t work = 0;
  for (Block &block : region)
    for (Operation &op : block) {
      int64_t self = 1;
      int64_t trips = 1;
      if (auto loop = dyn_cast<scf::ForOp>(op))
        trips = staticTrips(loop.getLowerBound(), loop.getUpperBound(),
                            loop.getStep())
                    .value_or(kUnknownTrips);
      else if (auto par = dyn_cast<scf::ParallelOp>(op))
        for (unsigned d = 0; d < par.getNumLoops(); ++d)
          trips *= staticTrips(par.getLowerBound()[d], par.getUpperBound()[d],
                               par.getStep()[d])
                       .value_or(kUnknownTrips);
      else if (isa<scf::WhileOp>(op))
        trips = tripEstimate(op).value_or(kUnknownTrips);
      int64_t inner = 0;
      for (Region &r : op.getRegions())
        inner += estimateWork(r);
      work += self + trips * inner;
    }
  return work;
}

/// A marked scf.for without loop-carried values as a 1-D scf.parallel.
scf::ParallelOp toParallel(OpBuilder &b, scf::ForOp loop) {
  b.setInsertionPoint(loop);
  auto par = scf::ParallelOp::create(b, loop.getLoc(), loop.getLowerBound(),
                                     loop.getUpperBound(), loop.getStep());
  Block *body = par.getBody();
  // Move the ops, not the terminators.
  body->getOperations().splice(body->begin(), loop.getBody()->getOperations(),
                               loop.getBody()->begin(),
                               std::prev(loop.getBody()->end()));
  loop.getInductionVar().replaceAllUsesWith(par.getInductionVars()[0]);
  loop.erase();
  return par;
}

struct DispatchParallelLoopsPass
    : kiln::impl::DispatchParallelLoopsBase<DispatchParallelLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder b(module.getContext());

    // The tile loops of kiln-tile-and-vectorize write disjoint tiles.
    SmallVector<scf::ForOp> marked;
    module.walk([&](scf::ForOp loop) {
      if (loop->hasAttr("kiln.parallel") && loop.getNumResults() == 0)
        marked.push_back(loop);
    });
    for (scf::ForOp loop : marked)
      toParallel(b, loop);

    SmallVector<func::FuncOp> funcs(module.getOps<func::FuncOp>());
    for (func::FuncOp func : funcs) {
      if (func.isDeclaration() || func->hasAttr("kiln.parallel_body"))
        continue;
      SmallVector<scf::ParallelOp> outermost;
      func.walk<WalkOrder::PreOrder>([&](scf::ParallelOp par) {
        collect(par, outermost);
        return WalkResult::skip();
      });
      unsigned counter = 0;
      for (scf::ParallelOp par : outermost)
        if (failed(dispatch(b, module, func, par, counter)))
          return signalPassFailure();
    }
  }

  /// Picks the loops to dispatch in the nest rooted at `par`: `par` itself
  /// unless it has a handful of iterations and parallel loops inside.
  void collect(scf::ParallelOp par, SmallVectorImpl<scf::ParallelOp> &out) {
    if (par.getNumResults() != 0)
      return;
    int64_t trips = totalStaticTrips(par, par.getNumLoops());
    if (trips < kMinDispatchTrips && !isConcurrentRegions(par)) {
      SmallVector<scf::ParallelOp> inner;
      par.getBody()->walk<WalkOrder::PreOrder>([&](scf::ParallelOp nested) {
        inner.push_back(nested);
        return WalkResult::skip();
      });
      if (!inner.empty()) {
        for (scf::ParallelOp nested : inner)
          collect(nested, out);
        return;
      }
    }
    out.push_back(par);
  }

  /// A 1-D loop whose iterations are the cases of an scf.index_switch on
  /// its induction variable (a bidirectional recurrence's two directions):
  /// each is a long serial region, so the loop is dispatched however few
  /// its iterations, and the loops inside stay on the region's thread.
  static bool isConcurrentRegions(scf::ParallelOp par) {
    if (par.getNumLoops() != 1)
      return false;
    Value iv = par.getInductionVars()[0];
    return llvm::any_of(par.getBody()->getOperations(), [&](Operation &op) {
      auto sw = dyn_cast<scf::IndexSwitchOp>(op);
      return sw && sw.getArg() == iv;
    });
  }

  /// Product of the static trip counts of the first `n` dims (unknown ones
  /// count as kUnknownTrips).
  static int64_t totalStaticTrips(scf::ParallelOp par, unsigned n) {
    return tripsOfLeadingDims(par, n, kUnknownTrips);
  }

  /// Product of the trip counts of the first `n` dims, those known only at
  /// run time counting as `unknown`.
  static int64_t tripsOfLeadingDims(scf::ParallelOp par, unsigned n,
                                    int64_t unknown) {
    int64_t total = 1;
    for (unsigned d = 0; d < n; ++d)
      total *= staticTrips(par.getLowerBound()[d], par.getUpperBound()[d],
                           par.getStep()[d])
                   .value_or(unknown);
    return total;
  }

  LogicalResult dispatch(OpBuilder &b, ModuleOp module, func::FuncOp func,
                         scf::ParallelOp par, unsigned &counter);
};

/// How a captured value crosses into the outlined body.
struct Capture {
  Value value;
  Type slotType; // its type in the captures struct
};

LogicalResult DispatchParallelLoopsPass::dispatch(OpBuilder &b, ModuleOp module,
                                                  func::FuncOp func,
                                                  scf::ParallelOp par,
                                                  unsigned &counter) {
  MLIRContext *ctx = module.getContext();
  Location loc = par.getLoc();
  unsigned numLoops = par.getNumLoops();

  // Dispatch the leading dims until there are enough iterations to share;
  // the others stay a loop inside each iteration. A dim known only at run
  // time counts as one iteration here: a symbolic batch is 1 more often
  // than not, and dispatching it alone would leave every thread but one
  // idle. A symbolic innermost dim stays an inner loop when the dims
  // before it may have enough iterations, so that the iterations are rows
  // rather than elements to delinearize one by one.
  unsigned numDispatched = 1;
  while (numDispatched < numLoops &&
         tripsOfLeadingDims(par, numDispatched, /*unknown=*/1) <
             kMinDispatchTrips)
    ++numDispatched;
  if (numDispatched == numLoops && numLoops > 1 &&
      !staticTrips(par.getLowerBound()[numLoops - 1],
                   par.getUpperBound()[numLoops - 1],
                   par.getStep()[numLoops - 1]) &&
      totalStaticTrips(par, numLoops - 1) >= kMinDispatchTrips)
    --numDispatched;

  // With every dim dispatched, the innermost goes in blocks (kInnerBlock).
  unsigned innermost = numLoops - 1;
  bool blocked = numLoops > 1 && numDispatched == numLoops;
  std::optional<int64_t> innermostTrips =
      staticTrips(par.getLowerBound()[innermost],
                  par.getUpperBound()[innermost], par.getStep()[innermost]);
  int64_t block = innermostTrips ? std::min(*innermostTrips, kInnerBlock)
                                 : kInnerBlock;
  block = std::max<int64_t>(block, 1);
  // Trip count of dispatched dim d: blocks for a blocked innermost one.
  auto dispatchedTripsOf = [&](unsigned d) -> std::optional<int64_t> {
    std::optional<int64_t> trips = staticTrips(
        par.getLowerBound()[d], par.getUpperBound()[d], par.getStep()[d]);
    if (blocked && d == innermost && trips)
      return (*trips + block - 1) / block;
    return trips;
  };

  // Work: per dispatched iteration, and in total when known. The inner
  // dims known only at run time count kUnknownTrips here; the grain is
  // then computed at the call from their sizes (below).
  int64_t staticInner = std::max<int64_t>(
      1, (blocked ? block : 1) * estimateWork(par.getRegion()));
  SmallVector<unsigned> symbolicInner;
  for (unsigned d = numDispatched; d < numLoops; ++d) {
    std::optional<int64_t> trips = staticTrips(
        par.getLowerBound()[d], par.getUpperBound()[d], par.getStep()[d]);
    if (trips)
      staticInner *= *trips;
    else
      symbolicInner.push_back(d);
  }
  int64_t perIteration = staticInner;
  for (size_t i = 0; i < symbolicInner.size(); ++i)
    perIteration *= kUnknownTrips;
  bool allStatic = true;
  int64_t dispatchedTrips = 1;
  for (unsigned d = 0; d < numDispatched; ++d) {
    std::optional<int64_t> trips = dispatchedTripsOf(d);
    allStatic &= trips.has_value();
    dispatchedTrips *= trips.value_or(kUnknownTrips);
  }
  if (allStatic && dispatchedTrips * perIteration < minWork)
    return success();
  int64_t grain =
      std::max<int64_t>(1, (minWork + perIteration - 1) / perIteration);

  // Values from above: constants are cloned into the body, the rest is
  // passed in the captures struct.
  SetVector<Value> above;
  getUsedValuesDefinedAbove(par.getRegion(), par.getRegion(), above);
  for (unsigned d = 0; d < numLoops; ++d) {
    above.insert(par.getLowerBound()[d]);
    above.insert(par.getUpperBound()[d]);
    above.insert(par.getStep()[d]);
  }
  LLVMTypeConverter converter(ctx);
  SmallVector<Operation *> constants;
  SmallVector<Capture> captures;
  for (Value v : above) {
    Operation *def = v.getDefiningOp();
    if (def && def->getNumResults() == 1 && matchPattern(def, m_Constant())) {
      constants.push_back(def);
      continue;
    }
    Type t = v.getType();
    Type slot;
    if (isa<MemRefType>(t))
      slot = converter.convertType(t);
    else if (isa<IndexType>(t))
      slot = IntegerType::get(ctx, 64);
    else if (LLVM::isCompatibleType(t))
      slot = t;
    if (!slot || !LLVM::isCompatibleType(slot))
      return success(); // Not something we can pass: leave the loop serial.
    captures.push_back({v, slot});
  }

  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  auto i64 = IntegerType::get(ctx, 64);
  auto indexType = IndexType::get(ctx);
  SmallVector<Type> slotTypes;
  for (const Capture &c : captures)
    slotTypes.push_back(c.slotType);
  auto structType = LLVM::LLVMStructType::getLiteral(ctx, slotTypes);

  // The outlined body: (captures, begin, end) over the linearized
  // dispatched dims.
  std::string name =
      (func.getSymName() + "_parallel_" + Twine(counter++)).str();
  b.setInsertionPoint(func);
  auto bodyType = FunctionType::get(ctx, {ptrType, i64, i64}, {});
  auto body = func::FuncOp::create(b, loc, name, bodyType);
  body.setPrivate();
  body->setAttr("kiln.parallel_body", UnitAttr::get(ctx));
  SymbolTable(module).insert(body);
  name = body.getSymName().str();
  {
    Block *entry = body.addEntryBlock();
    b.setInsertionPointToStart(entry);
    IRMapping map;
    for (Operation *c : constants)
      map.map(c->getResult(0), b.clone(*c)->getResult(0));
    if (!captures.empty()) {
      Value packed =
          LLVM::LoadOp::create(b, loc, structType, entry->getArgument(0));
      for (auto [i, c] : llvm::enumerate(captures)) {
        Value slot = LLVM::ExtractValueOp::create(b, loc, packed, i);
        Value v = slot;
        if (isa<MemRefType>(c.value.getType()))
          v = UnrealizedConversionCastOp::create(b, loc, c.value.getType(),
                                                 slot)
                  .getResult(0);
        else if (isa<IndexType>(c.value.getType()))
          v = arith::IndexCastOp::create(b, loc, indexType, slot);
        map.map(c.value, v);
      }
    }
    // Bounds of the dispatched dims, cloned from the caller's values.
    auto lookup = [&](Value v) { return map.lookupOrDefault(v); };
    Value begin =
        arith::IndexCastOp::create(b, loc, indexType, entry->getArgument(1));
    Value end =
        arith::IndexCastOp::create(b, loc, indexType, entry->getArgument(2));
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto linear = scf::ForOp::create(b, loc, begin, end, one);
    b.setInsertionPointToStart(linear.getBody());
    // Delinearize, innermost dispatched dim fastest; dims of one trip are
    // index 0 and need no division.
    Value rest = linear.getInductionVar();
    auto leadingUnitDims = [&](int d) {
      for (int o = 0; o < d; ++o)
        if (staticTrips(par.getLowerBound()[o], par.getUpperBound()[o],
                        par.getStep()[o]) != std::optional<int64_t>(1))
          return false;
      return true;
    };
    SmallVector<Value> ivs(numLoops);
    Value blockEnd; // the blocked innermost dim's end, after ivs[innermost]
    for (int d = numDispatched - 1; d >= 0; --d) {
      Value lb = lookup(par.getLowerBound()[d]);
      Value step = lookup(par.getStep()[d]);
      std::optional<int64_t> trips = dispatchedTripsOf(d);
      bool isBlocked = blocked && unsigned(d) == innermost;
      Value index;
      if (trips && *trips == 1) {
        index = arith::ConstantIndexOp::create(b, loc, 0);
      } else if (leadingUnitDims(d)) {
        // The dims before it have one iteration: nothing left to divide.
        index = rest;
      } else {
        Value ub = lookup(par.getUpperBound()[d]);
        Value span = arith::SubIOp::create(b, loc, ub, lb);
        Value n = arith::CeilDivUIOp::create(b, loc, span, step);
        if (isBlocked)
          n = arith::CeilDivUIOp::create(
              b, loc, n, arith::ConstantIndexOp::create(b, loc, block));
        index = arith::RemUIOp::create(b, loc, rest, n);
        rest = arith::DivUIOp::create(b, loc, rest, n);
      }
      if (isBlocked) {
        // Iterations [index * block, min((index + 1) * block, trips)).
        Value stride = arith::MulIOp::create(
            b, loc, step, arith::ConstantIndexOp::create(b, loc, block));
        Value lo = arith::AddIOp::create(
            b, loc, lb, arith::MulIOp::create(b, loc, index, stride));
        blockEnd = arith::MinSIOp::create(
            b, loc, lookup(par.getUpperBound()[d]),
            arith::AddIOp::create(b, loc, lo, stride));
        ivs[d] = lo;
        continue;
      }
      ivs[d] = arith::AddIOp::create(
          b, loc, lb, arith::MulIOp::create(b, loc, index, step));
    }
    auto cloneBody = [&](OpBuilder &nb) {
      for (Operation &op : par.getBody()->without_terminator())
        nb.clone(op, map);
    };
    for (unsigned d = 0; d < numDispatched; ++d)
      map.map(par.getInductionVars()[d], ivs[d]);
    if (blocked) {
      // The block of the innermost dim: a plain loop LLVM can vectorize.
      auto inner = scf::ForOp::create(b, loc, ivs[innermost], blockEnd,
                                      lookup(par.getStep()[innermost]));
      map.map(par.getInductionVars()[innermost], inner.getInductionVar());
      OpBuilder ib = OpBuilder::atBlockBegin(inner.getBody());
      cloneBody(ib);
    } else if (numDispatched == numLoops) {
      cloneBody(b);
    } else {
      SmallVector<Value> lbs, ubs, steps;
      for (unsigned d = numDispatched; d < numLoops; ++d) {
        lbs.push_back(lookup(par.getLowerBound()[d]));
        ubs.push_back(lookup(par.getUpperBound()[d]));
        steps.push_back(lookup(par.getStep()[d]));
      }
      auto inner = scf::ParallelOp::create(b, loc, lbs, ubs, steps);
      for (unsigned d = numDispatched; d < numLoops; ++d)
        map.map(par.getInductionVars()[d],
                inner.getInductionVars()[d - numDispatched]);
      OpBuilder ib = OpBuilder::atBlockBegin(inner.getBody());
      cloneBody(ib);
    }
    b.setInsertionPointToEnd(entry);
    func::ReturnOp::create(b, loc);
  }

  // The call site: pack the captures and hand the range to the runtime.
  kiln::declareParallelFor(module);
  Value capturesPtr;
  if (captures.empty()) {
    b.setInsertionPoint(par);
    capturesPtr = LLVM::ZeroOp::create(b, loc, ptrType);
  } else {
    // One slot per loop in the entry block, so loops inside serial loops do
    // not grow the stack.
    b.setInsertionPointToStart(&func.getBody().front());
    Value count = LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(1));
    capturesPtr = LLVM::AllocaOp::create(b, loc, ptrType, structType, count);
    b.setInsertionPoint(par);
    Value packed = LLVM::PoisonOp::create(b, loc, structType);
    for (auto [i, c] : llvm::enumerate(captures)) {
      Value v = c.value;
      if (isa<MemRefType>(v.getType()))
        v = UnrealizedConversionCastOp::create(b, loc, c.slotType, v)
                .getResult(0);
      else if (isa<IndexType>(v.getType()))
        v = arith::IndexCastOp::create(b, loc, i64, v);
      packed = LLVM::InsertValueOp::create(b, loc, packed, v, i);
    }
    LLVM::StoreOp::create(b, loc, packed, capturesPtr);
  }
  b.setInsertionPoint(par);
  // Dim d's iterations in this run; an empty range (ub < lb) has none.
  auto runTripsOf = [&](unsigned d) -> Value {
    Value span = arith::SubIOp::create(b, loc, par.getUpperBound()[d],
                                       par.getLowerBound()[d]);
    Value n = arith::CeilDivUIOp::create(b, loc, span, par.getStep()[d]);
    Value empty =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                              par.getUpperBound()[d], par.getLowerBound()[d]);
    return arith::SelectOp::create(
        b, loc, empty, arith::ConstantIndexOp::create(b, loc, 0), n);
  };
  Value trips = arith::ConstantIndexOp::create(b, loc, 1);
  for (unsigned d = 0; d < numDispatched; ++d) {
    Value n = runTripsOf(d);
    if (blocked && d == innermost)
      n = arith::CeilDivUIOp::create(
          b, loc, n, arith::ConstantIndexOp::create(b, loc, block));
    trips = arith::MulIOp::create(b, loc, trips, n);
  }
  Value begin = LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(0));
  Value end = arith::IndexCastOp::create(b, loc, i64, trips);
  Value grainValue;
  if (symbolicInner.empty()) {
    grainValue =
        LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(grain));
  } else {
    // ceil(min-work / work per iteration) with the inner dims' sizes of
    // this run: a decoder step's cache of 511 keys copied by Concat, four
    // heads of 32704 floats each, counted 32 floats a head at compile
    // time, ran inline on one thread.
    Value work = arith::ConstantIndexOp::create(b, loc, staticInner);
    for (unsigned d : symbolicInner)
      work = arith::MulIOp::create(b, loc, work, runTripsOf(d));
    work = arith::MaxUIOp::create(b, loc, work,
                                  arith::ConstantIndexOp::create(b, loc, 1));
    Value runGrain = arith::CeilDivUIOp::create(
        b, loc, arith::ConstantIndexOp::create(b, loc, minWork), work);
    grainValue = arith::IndexCastOp::create(b, loc, i64, runGrain);
  }
  Value fn = func::ConstantOp::create(b, loc, bodyType, name);
  Value fnPtr =
      UnrealizedConversionCastOp::create(b, loc, ptrType, fn).getResult(0);
  func::CallOp::create(b, loc, kParallelForSymbol, TypeRange{},
                       ValueRange{begin, end, grainValue, fnPtr, capturesPtr});
  par.erase();
  return success();
}

} // namespace
