//===- MlTreeEnsemble.cpp - onnx to linalg: ai.onnx.ml tree ensembles -----===//
//
// TreeEnsembleClassifier, TreeEnsembleRegressor (ai.onnx.ml opsets 1-3) and
// TreeEnsemble (opset 5) share one flattened form, built at compile time:
//
// - the branch nodes of every tree in constant arrays: feature, threshold,
//   true and false child, mode (only when the nodes' modes differ), missing
//   tracks (only when a node tracks NaN to its true branch) and, for
//   BRANCH_MEMBER, each node's slice of one array of set members;
// - a child or root >= 0 is a branch node, ~leaf (< 0) a leaf;
// - the leaves' weights as a dense [leaves, targets] table, whose empty
//   entries hold the aggregate's identity.
//
// Then three linalg ops: a parallel generic over (row, tree) walks each tree
// in an scf.while to its leaf; a generic over (row, target, tree) reduces
// the leaves' weights (SUM, AVERAGE, MIN, MAX); and a row-wise finalization
// adds base values, post-transforms and picks labels as ONNX Runtime does
// (tree_ensemble_aggregator.h). The (row, tree) walk parallelizes over rows
// at -O1 and above on the session's thread pool (kiln-dispatch-parallel-
// loops), with a grain sized from the deepest tree (`kiln.trip_estimate` on
// the walk), and the reduction is a plain contraction-shaped generic.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/MlCommon.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/ADT/StringSwitch.h"

#include <cmath>
#include <map>

using namespace mlir;
using namespace kiln;
using namespace kiln::ml;
using namespace kiln::onnx_ir;

namespace {

/// TreeEnsemble-5's node modes; the string modes of opsets 1-3 map to them.
enum Mode : int8_t { kLeq, kLt, kGte, kGt, kEq, kNeq, kMember, kLeaf };
enum class Aggregate { Sum, Average, Min, Max };

std::optional<Mode> parseMode(StringRef s) {
  return llvm::StringSwitch<std::optional<Mode>>(s)
      .Case("BRANCH_LEQ", kLeq)
      .Case("BRANCH_LT", kLt)
      .Case("BRANCH_GTE", kGte)
      .Case("BRANCH_GT", kGt)
      .Case("BRANCH_EQ", kEq)
      .Case("BRANCH_NEQ", kNeq)
      .Case("BRANCH_MEMBER", kMember)
      .Case("LEAF", kLeaf)
      .Default(std::nullopt);
}

/// The flattened ensemble (see the file comment).
struct Forest {
  std::vector<double> feature, threshold, trueChild, falseChild, mode,
      missingTrue, memberStart, members;
  std::vector<double> roots;
  int64_t leaves = 0, targets = 0;
  /// Branch nodes on the longest path from a root to a leaf: the most
  /// iterations a walk takes.
  int64_t depth = 0;
  /// (leaf, target, weight) triples.
  std::vector<std::tuple<int64_t, int64_t, double>> weights;

  int64_t addLeaf() { return leaves++; }
};

/// Sets `f.depth`; fails when a tree has a cycle, which would walk forever.
/// Iterative, so a degenerate tree as deep as it has nodes cannot overflow
/// the compiler's stack.
LogicalResult measureDepth(Forest &f, std::string &why) {
  enum State : int8_t { kNew, kOpen, kDone };
  size_t n = f.feature.size();
  std::vector<State> state(n, kNew);
  std::vector<int64_t> depth(n, 0);
  auto childDepth = [&](double c) { return c < 0 ? 0 : depth[(size_t)c]; };
  for (double root : f.roots) {
    if (root < 0)
      continue;
    SmallVector<int64_t> stack{(int64_t)root};
    while (!stack.empty()) {
      int64_t node = stack.back();
      if (state[node] == kDone) {
        stack.pop_back();
        continue;
      }
      if (state[node] == kOpen) {
        // Both children are done.
        depth[node] = 1 + std::max(childDepth(f.trueChild[node]),
                                   childDepth(f.falseChild[node]));
        state[node] = kDone;
        stack.pop_back();
        continue;
      }
      state[node] = kOpen;
      for (double c : {f.trueChild[node], f.falseChild[node]}) {
        if (c < 0 || state[(size_t)c] == kDone)
          continue;
        if (state[(size_t)c] == kOpen) {
          why = "the nodes of a tree form a cycle (branch node " +
                std::to_string((int64_t)c) +
                " is its own descendant): walking it would never end";
          return failure();
        }
        stack.push_back((int64_t)c);
      }
    }
    f.depth = std::max(f.depth, depth[(size_t)root]);
  }
  return success();
}

/// Builds the forest of the opset 1-3 operators from their node lists and
/// their (tree, node, target, weight) leaf lists. Fails with a reason.
LogicalResult buildLegacyForest(
    Forest &f, ArrayRef<int64_t> treeIds, ArrayRef<int64_t> nodeIds,
    ArrayRef<int64_t> featureIds, ArrayRef<std::string> modes,
    ArrayRef<double> values, ArrayRef<int64_t> trueIds,
    ArrayRef<int64_t> falseIds, ArrayRef<int64_t> missing,
    ArrayRef<int64_t> wTree, ArrayRef<int64_t> wNode, ArrayRef<int64_t> wTarget,
    ArrayRef<double> wValue, std::string &why) {
  size_t n = nodeIds.size();
  for (size_t len : {treeIds.size(), featureIds.size(), modes.size(),
                     values.size(), trueIds.size(), falseIds.size()})
    if (len != n) {
      why = "the nodes_* attributes must all have one entry per node";
      return failure();
    }
  if (!missing.empty() && missing.size() != n) {
    why = "nodes_missing_value_tracks_true must have one entry per node";
    return failure();
  }
  if (wNode.size() != wTree.size() || wTarget.size() != wTree.size() ||
      wValue.size() != wTree.size()) {
    why = "the leaf weight attributes must all have one entry per weight";
    return failure();
  }
  // Positions: (tree, node id) -> index into the lists; branch or leaf.
  std::map<std::pair<int64_t, int64_t>, size_t> position;
  llvm::SetVector<int64_t> trees;
  for (size_t i = 0; i < n; ++i) {
    if (!position.emplace(std::make_pair(treeIds[i], nodeIds[i]), i).second) {
      why = "node " + std::to_string(nodeIds[i]) + " of tree " +
            std::to_string(treeIds[i]) + " is defined twice";
      return failure();
    }
    trees.insert(treeIds[i]);
  }
  std::vector<int64_t> code(n); // >= 0 branch index, < 0 ~leaf.
  for (size_t i = 0; i < n; ++i) {
    std::optional<Mode> m = parseMode(modes[i]);
    if (!m || *m == kMember) {
      why = "unknown node mode '" + modes[i] + "'";
      return failure();
    }
    if (*m == kLeaf) {
      code[i] = ~f.addLeaf();
      continue;
    }
    code[i] = f.feature.size();
    if (featureIds[i] < 0) {
      why = "negative feature id";
      return failure();
    }
    f.feature.push_back(featureIds[i]);
    f.threshold.push_back(values[i]);
    f.mode.push_back(*m);
    f.missingTrue.push_back(missing.empty() ? 0 : missing[i] != 0);
    f.trueChild.push_back(0);
    f.falseChild.push_back(0);
  }
  for (size_t i = 0; i < n; ++i) {
    if (code[i] < 0)
      continue;
    auto child = [&](int64_t id, double &slot) {
      auto it = position.find({treeIds[i], id});
      if (it == position.end()) {
        why = "node " + std::to_string(nodeIds[i]) + " of tree " +
              std::to_string(treeIds[i]) + " has no child node " +
              std::to_string(id);
        return false;
      }
      slot = code[it->second];
      return true;
    };
    if (!child(trueIds[i], f.trueChild[code[i]]) ||
        !child(falseIds[i], f.falseChild[code[i]]))
      return failure();
  }
  // A tree's root is its first node in list order.
  for (int64_t t : trees)
    for (size_t i = 0; i < n; ++i)
      if (treeIds[i] == t) {
        f.roots.push_back(code[i]);
        break;
      }
  for (size_t i = 0; i < wTree.size(); ++i) {
    auto it = position.find({wTree[i], wNode[i]});
    if (it == position.end() || code[it->second] >= 0) {
      why = "a weight refers to node " + std::to_string(wNode[i]) +
            " of tree " + std::to_string(wTree[i]) + ", which is not a leaf";
      return failure();
    }
    if (wTarget[i] < 0 || wTarget[i] >= f.targets) {
      why = "a weight's target or class id " + std::to_string(wTarget[i]) +
            " is out of range";
      return failure();
    }
    f.weights.emplace_back(~code[it->second], wTarget[i], wValue[i]);
  }
  return measureDepth(f, why);
}

/// Builds the forest of TreeEnsemble-5.
LogicalResult buildForest5(OnnxMlTreeEnsembleOp op, Forest &f,
                           std::string &why) {
  SmallVector<int64_t> roots = intsOf(op.getTreeRootsAttr());
  SmallVector<int64_t> feat = intsOf(op.getNodesFeatureidsAttr());
  SmallVector<int64_t> trueIds = intsOf(op.getNodesTruenodeidsAttr());
  SmallVector<int64_t> falseIds = intsOf(op.getNodesFalsenodeidsAttr());
  SmallVector<int64_t> trueLeaf = intsOf(op.getNodesTrueleafsAttr());
  SmallVector<int64_t> falseLeaf = intsOf(op.getNodesFalseleafsAttr());
  SmallVector<int64_t> missing = intsOf(op.getNodesMissingValueTracksTrueAttr());
  SmallVector<int64_t> leafTargets = intsOf(op.getLeafTargetidsAttr());
  SmallVector<double> splits = floatsOf({}, op.getNodesSplitsAttr());
  SmallVector<double> leafWeights = floatsOf({}, op.getLeafWeightsAttr());
  SmallVector<double> members = floatsOf({}, op.getMembershipValuesAttr());
  SmallVector<int64_t> modes;
  if (auto m = dyn_cast_or_null<DenseElementsAttr>(op.getNodesModesAttr()))
    for (const APInt &v : m.getValues<APInt>())
      modes.push_back(v.getZExtValue());
  size_t n = feat.size();
  for (size_t len : {splits.size(), trueIds.size(), falseIds.size(),
                     trueLeaf.size(), falseLeaf.size(), modes.size()})
    if (len != n) {
      why = "the nodes_* attributes must all have one entry per node";
      return failure();
    }
  if (!missing.empty() && missing.size() != n) {
    why = "nodes_missing_value_tracks_true must have one entry per node";
    return failure();
  }
  if (leafTargets.size() != leafWeights.size()) {
    why = "leaf_targetids and leaf_weights differ in length";
    return failure();
  }
  f.leaves = leafWeights.size();
  size_t nextMember = 0;
  for (size_t i = 0; i < n; ++i) {
    if (modes[i] > kMember) {
      why = "unknown node mode " + std::to_string(modes[i]);
      return failure();
    }
    f.feature.push_back(feat[i]);
    f.threshold.push_back(splits[i]);
    f.mode.push_back(modes[i]);
    f.missingTrue.push_back(missing.empty() ? 0 : missing[i] != 0);
    auto child = [&](int64_t id, bool leaf) -> std::optional<double> {
      if (id < 0 || id >= (leaf ? f.leaves : (int64_t)n))
        return std::nullopt;
      return leaf ? ~id : id;
    };
    auto t = child(trueIds[i], trueLeaf[i]);
    auto e = child(falseIds[i], falseLeaf[i]);
    if (!t || !e) {
      why = "node " + std::to_string(i) + " has a child out of range";
      return failure();
    }
    f.trueChild.push_back(*t);
    f.falseChild.push_back(*e);
    // BRANCH_MEMBER nodes take the next NaN-terminated run of
    // membership_values, in node order.
    f.memberStart.push_back(f.members.size());
    if (modes[i] == kMember) {
      while (nextMember < members.size() && !std::isnan(members[nextMember]))
        f.members.push_back(members[nextMember++]);
      ++nextMember;
    }
  }
  f.memberStart.push_back(f.members.size());
  for (int64_t r : roots) {
    if (r < 0 || r >= (int64_t)n) {
      why = "a tree root is out of range";
      return failure();
    }
    f.roots.push_back(r);
  }
  for (size_t i = 0; i < leafWeights.size(); ++i) {
    if (leafTargets[i] < 0 || leafTargets[i] >= f.targets) {
      why = "leaf target id " + std::to_string(leafTargets[i]) +
            " is out of range";
      return failure();
    }
    f.weights.emplace_back(i, leafTargets[i], leafWeights[i]);
  }
  return measureDepth(f, why);
}

/// The [N, trees] leaf (i32) each row reaches in each tree.
Value walkTrees(OpBuilder &b, Location loc, const Forest &f, Value rows,
                Type from, Type ct) {
  Type i32 = b.getI32Type(), i8 = b.getI8Type();
  int64_t nTrees = f.roots.size();
  bool oneMode = llvm::all_equal(f.mode);
  bool anyMissing = llvm::is_contained(f.missingTrue, 1.0);
  bool anyMember = llvm::is_contained(f.mode, (double)kMember);
  // An empty array cannot be a constant of shape [0] read safely: give the
  // arrays of an ensemble without branch nodes one dummy entry.
  auto arr = [&](Type t, const std::vector<double> &v, StringRef name) {
    return constantVector(b, loc, t,
                          v.empty() ? ArrayRef<double>{0.0} : ArrayRef(v),
                          name);
  };
  Value roots = arr(i32, f.roots, "tree_roots");
  Value feature = arr(i32, f.feature, "tree_features");
  Value threshold = arr(ct, f.threshold, "tree_thresholds");
  Value trueChild = arr(i32, f.trueChild, "tree_true");
  Value falseChild = arr(i32, f.falseChild, "tree_false");
  Value mode = oneMode ? Value() : arr(i8, f.mode, "tree_modes");
  Value missing = anyMissing ? arr(i8, f.missingTrue, "tree_missing") : Value();
  Value memberStart =
      anyMember ? arr(i32, f.memberStart, "tree_member_start") : Value();
  Value members = anyMember ? arr(ct, f.members, "tree_members") : Value();
  int64_t firstMode = f.mode.empty() ? kLeq : (int64_t)f.mode[0];

  auto type = RankedTensorType::get(
      {cast<RankedTensorType>(rows.getType()).getDimSize(0), nTrees}, i32);
  SmallVector<OpFoldResult> sizes{tensor::getMixedSize(b, loc, rows, 0),
                                  b.getIndexAttr(nTrees)};
  return generateTensor(
      b, loc, type, sizes, {}, {},
      [&](OpBuilder &nb, Location l, ValueRange ivs, ValueRange) {
        Value root = tensor::ExtractOp::create(nb, l, roots, ivs[1]);
        auto loop = scf::WhileOp::create(
            nb, l, TypeRange{i32}, ValueRange{root},
            [&](OpBuilder &bb, Location bl, ValueRange a) {
              Value branch = arith::CmpIOp::create(
                  bb, bl, arith::CmpIPredicate::sge, a[0],
                  arith::ConstantIntOp::create(bb, bl, i32, 0));
              scf::ConditionOp::create(bb, bl, branch, a);
            },
            [&](OpBuilder &ab, Location al, ValueRange a) {
              Value node = arith::IndexCastOp::create(ab, al, ab.getIndexType(),
                                                      a[0]);
              Value feat = arith::IndexCastOp::create(
                  ab, al, ab.getIndexType(),
                  tensor::ExtractOp::create(ab, al, feature, node));
              Value x = tensor::ExtractOp::create(ab, al, rows,
                                                  ValueRange{ivs[0], feat});
              x = castScalar(ab, al, x, from, ct);
              Value thr = tensor::ExtractOp::create(ab, al, threshold, node);
              auto cmp = [&](int64_t m) -> Value {
                using P = arith::CmpFPredicate;
                P p = m == kLeq ? P::OLE
                      : m == kLt  ? P::OLT
                      : m == kGte ? P::OGE
                      : m == kGt  ? P::OGT
                      : m == kEq  ? P::OEQ
                                  : P::UNE;
                if (m != kMember)
                  return arith::CmpFOp::create(ab, al, p, x, thr);
                // x is one of the node's members.
                Value lo = arith::IndexCastOp::create(
                    ab, al, ab.getIndexType(),
                    tensor::ExtractOp::create(ab, al, memberStart, node));
                Value hi = arith::IndexCastOp::create(
                    ab, al, ab.getIndexType(),
                    tensor::ExtractOp::create(
                        ab, al, memberStart,
                        arith::AddIOp::create(ab, al, node, cIdx(ab, al, 1))
                            .getResult()));
                Value no = arith::ConstantIntOp::create(ab, al, ab.getI1Type(), 0);
                return scf::ForOp::create(
                           ab, al, lo, hi, cIdx(ab, al, 1), no,
                           [&](OpBuilder &fb, Location fl, Value i,
                               ValueRange acc) {
                             Value v = tensor::ExtractOp::create(fb, fl,
                                                                 members, i);
                             Value eq = arith::CmpFOp::create(
                                 fb, fl, P::OEQ, x, v);
                             scf::YieldOp::create(
                                 fb, fl,
                                 ValueRange{
                                     arith::OrIOp::create(fb, fl, acc[0], eq)});
                           })
                    .getResult(0);
              };
              Value cond;
              if (oneMode) {
                cond = cmp(firstMode);
              } else {
                Value m = tensor::ExtractOp::create(ab, al, mode, node);
                cond = cmp(kNeq);
                for (int64_t k : {kEq, kGt, kGte, kLt, kLeq, kMember}) {
                  if (k == kMember && !anyMember)
                    continue;
                  Value is = arith::CmpIOp::create(
                      ab, al, arith::CmpIPredicate::eq, m,
                      arith::ConstantIntOp::create(ab, al, i8, k));
                  cond = arith::SelectOp::create(ab, al, is, cmp(k), cond);
                }
              }
              if (anyMissing) {
                Value nan = arith::CmpFOp::create(
                    ab, al, arith::CmpFPredicate::UNO, x, x);
                Value tracks = arith::CmpIOp::create(
                    ab, al, arith::CmpIPredicate::ne,
                    tensor::ExtractOp::create(ab, al, missing, node),
                    arith::ConstantIntOp::create(ab, al, i8, 0));
                cond = arith::OrIOp::create(
                    ab, al, cond, arith::AndIOp::create(ab, al, nan, tracks));
              }
              Value next = arith::SelectOp::create(
                  ab, al, cond, tensor::ExtractOp::create(ab, al, trueChild, node),
                  tensor::ExtractOp::create(ab, al, falseChild, node));
              scf::YieldOp::create(ab, al, next);
            });
        // kiln-dispatch-parallel-loops sizes its grain from the work of a
        // row: a walk takes at most `depth` steps, not the guess it makes
        // for a loop of unknown trip count.
        loop->setAttr("kiln.trip_estimate", nb.getI64IntegerAttr(f.depth));
        // The leaf number of the final ~leaf.
        return arith::XOrIOp::create(
                   nb, l, loop.getResult(0),
                   arith::ConstantIntOp::create(nb, l, i32, -1))
            .getResult();
      });
}

/// The [N, targets] aggregate of the leaves' weights (empty entries of a
/// MIN/MAX ensemble that no tree reached stay at +-inf).
Value aggregate(OpBuilder &b, Location loc, const Forest &f, Value leaves,
                Aggregate agg, Type acc) {
  MLIRContext *ctx = b.getContext();
  double identity = agg == Aggregate::Min   ? INFINITY
                    : agg == Aggregate::Max ? -INFINITY
                                            : 0.0;
  std::vector<double> table(std::max<int64_t>(f.leaves, 1) * f.targets,
                            identity);
  for (auto [leaf, target, w] : f.weights) {
    double &slot = table[leaf * f.targets + target];
    if (agg == Aggregate::Min)
      slot = std::min(slot, w);
    else if (agg == Aggregate::Max)
      slot = std::max(slot, w);
    else
      slot += w;
  }
  Value weights =
      constantVector(b, loc, acc, table, "leaf_weights",
                     {std::max<int64_t>(f.leaves, 1), f.targets});
  auto type = RankedTensorType::get(
      {cast<RankedTensorType>(leaves.getType()).getDimSize(0), f.targets}, acc);
  Value init = createFilled(
      b, loc, type,
      {tensor::getMixedSize(b, loc, leaves, 0), b.getIndexAttr(f.targets)},
      scalarConstant(b, loc, acc, identity));
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> maps{AffineMap::get(3, 0, {d(0), d(2)}, ctx),
                              AffineMap::get(3, 0, {d(0), d(1)}, ctx)};
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{leaves}, init, maps,
             {utils::IteratorType::parallel, utils::IteratorType::parallel,
              utils::IteratorType::reduction},
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value leaf = arith::IndexCastOp::create(nb, l, nb.getIndexType(),
                                                       args[0]);
               Value target = linalg::IndexOp::create(nb, l, 1);
               Value w = tensor::ExtractOp::create(nb, l, weights,
                                                   ValueRange{leaf, target});
               Value r =
                   agg == Aggregate::Min
                       ? arith::MinimumFOp::create(nb, l, args[1], w).getResult()
                   : agg == Aggregate::Max
                       ? arith::MaximumFOp::create(nb, l, args[1], w).getResult()
                       : arith::AddFOp::create(nb, l, args[1], w).getResult();
               linalg::YieldOp::create(nb, l, r);
             })
      .getResult(0);
}

/// Which targets some leaf gives a weight (ONNX Runtime's has_score).
SmallVector<bool> targetsWithWeights(const Forest &f) {
  SmallVector<bool> has(f.targets, false);
  for (auto [leaf, target, w] : f.weights)
    has[target] = true;
  return has;
}

/// Regression output: the aggregate per target plus base values, post
/// transformed (ONNX Runtime's TreeAggregator{Sum,Average,Min,Max}).
Value finalizeRegression(OpBuilder &b, Location loc, RankedTensorType resTy,
                         const Forest &f, Value agg, Aggregate kind,
                         ArrayRef<double> base, PostTransform transform) {
  int64_t t = f.targets;
  Type acc = cast<RankedTensorType>(agg.getType()).getElementType();
  return buildRows(
      b, loc, resTy, tensor::getMixedSize(b, loc, agg, 0),
      [&](OpBuilder &nb, Location l, Value row) {
        SmallVector<Value> s;
        for (int64_t j = 0; j < t; ++j) {
          Value v = tensor::ExtractOp::create(nb, l, agg,
                                              ValueRange{row, cIdx(nb, l, j)});
          if (kind == Aggregate::Average)
            v = arith::DivFOp::create(
                nb, l, v, scalarConstant(nb, l, acc, f.roots.size()));
          if (kind == Aggregate::Min || kind == Aggregate::Max) {
            // No tree gave this target a weight: it counts as 0.
            Value none = arith::CmpFOp::create(
                nb, l, arith::CmpFPredicate::OEQ, math::AbsFOp::create(nb, l, v),
                scalarConstant(nb, l, acc, INFINITY));
            v = arith::SelectOp::create(nb, l, none,
                                        scalarConstant(nb, l, acc, 0.0), v);
          }
          // One target adds a single base value; several add theirs when
          // there is one per target.
          if (t == 1 && base.size() == 1)
            v = arith::AddFOp::create(nb, l, v,
                                      scalarConstant(nb, l, acc, base[0]));
          else if (t > 1 && (int64_t)base.size() == t)
            v = arith::AddFOp::create(nb, l, v,
                                      scalarConstant(nb, l, acc, base[j]));
          s.push_back(v);
        }
        // A single target is only ever PROBIT-transformed.
        if (t == 1)
          return transform == PostTransform::Probit
                     ? SmallVector<Value>{probit(nb, l, s[0])}
                     : s;
        return transformScores(nb, l, s, transform, -1);
      });
}

/// How a TreeEnsembleClassifier finishes a row (tree_ensemble_aggregator.h):
/// static facts about the ensemble that decide ONNX Runtime's branches.
struct ClassifierPlan {
  /// Class count; labels are indices into a LabelTable.
  int64_t classes = 0;
  int64_t negative = 0, positive = 0;
  SmallVector<double> base;
  SmallVector<bool> has;
  bool binaryCase = false, allPositive = true;
  PostTransform transform = PostTransform::None;
};

/// Returns (label index, scores) of one row from its class sums `s`.
std::pair<Value, SmallVector<Value>>
finalizeClassifierRow(OpBuilder &b, Location l, const ClassifierPlan &p,
                      SmallVector<Value> s) {
  Type f = s[0].getType(), i64 = b.getI64Type();
  int64_t c = p.classes;
  auto k = [&](double v) { return scalarConstant(b, l, f, v); };
  auto label = [&](int64_t v) { return scalarConstant(b, l, i64, v); };
  SmallVector<bool> has(p.has);
  if (c > 2) {
    for (size_t j = 0; j < p.base.size() && j < (size_t)c; ++j) {
      s[j] = has[j] ? arith::AddFOp::create(b, l, s[j], k(p.base[j])).getResult()
                    : k(p.base[j]);
      has[j] = true;
    }
    // The first maximum among the classes with a score.
    Value best, bestLabel = label(0);
    for (int64_t j = 0; j < c; ++j) {
      if (!has[j])
        continue;
      if (!best) {
        best = s[j];
        bestLabel = label(j);
        continue;
      }
      Value gt = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, s[j],
                                       best);
      best = arith::SelectOp::create(b, l, gt, s[j], best);
      bestLabel = arith::SelectOp::create(b, l, gt, label(j), bestLabel);
    }
    return {bestLabel, transformScores(b, l, s, p.transform, -1)};
  }
  // Two classes.
  int addSecond = -1;
  bool keepSecond = true;
  if (p.base.size() == 2) {
    if (has[1]) {
      // ONNX Runtime uses base_values[1] and class 0's sum here.
      s[1] = arith::AddFOp::create(b, l, k(p.base[1]), s[0]);
      s[0] = arith::NegFOp::create(b, l, s[1]);
    } else {
      s[1] = arith::AddFOp::create(b, l, s[1], k(p.base[1]));
      s[0] = arith::AddFOp::create(b, l, s[0], k(p.base[0]));
    }
  } else if (p.base.size() == 1) {
    s[0] = arith::AddFOp::create(b, l, s[0], k(p.base[0]));
    keepSecond = has[1];
  } else if (p.base.empty()) {
    addSecond = 3;
    keepSecond = has[1];
  }
  Value pos = keepSecond && has[1] ? s[1] : has[0] ? s[0] : k(0.0);
  Value lbl;
  if (p.binaryCase) {
    Value gt = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, pos,
                                     k(p.allPositive ? 0.5 : 0.0));
    lbl = arith::SelectOp::create(b, l, gt, label(1), label(0));
    // 0/1 and 2/3 transform a single score alike; only the group matters.
    addSecond = p.allPositive ? 0 : 2;
  } else {
    Value gt = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, pos,
                                     k(0.0));
    // ONNX Runtime's literal labels 1 and 0 (not the class labels).
    lbl = arith::SelectOp::create(b, l, gt, label(p.positive),
                                  label(p.negative));
  }
  if (!keepSecond)
    s.pop_back();
  return {lbl, transformScores(b, l, s, p.transform, addSecond)};
}

template <typename OpTy>
LogicalResult legacyForest(OpTy op, Forest &f, std::string &why,
                           bool classifier) {
  SmallVector<std::string> modes;
  for (Attribute a :
       op.getNodesModesAttr() ? op.getNodesModesAttr() : ArrayAttr())
    modes.push_back(cast<StringAttr>(a).str());
  SmallVector<double> values =
      floatsOf(op.getNodesValuesAttr(), op.getNodesValuesAsTensorAttr());
  if constexpr (std::is_same_v<OpTy, OnnxMlTreeEnsembleClassifierOp>) {
    return buildLegacyForest(
        f, intsOf(op.getNodesTreeidsAttr()), intsOf(op.getNodesNodeidsAttr()),
        intsOf(op.getNodesFeatureidsAttr()), modes, values,
        intsOf(op.getNodesTruenodeidsAttr()),
        intsOf(op.getNodesFalsenodeidsAttr()),
        intsOf(op.getNodesMissingValueTracksTrueAttr()),
        intsOf(op.getClassTreeidsAttr()), intsOf(op.getClassNodeidsAttr()),
        intsOf(op.getClassIdsAttr()),
        floatsOf(op.getClassWeightsAttr(), op.getClassWeightsAsTensorAttr()),
        why);
  } else {
    return buildLegacyForest(
        f, intsOf(op.getNodesTreeidsAttr()), intsOf(op.getNodesNodeidsAttr()),
        intsOf(op.getNodesFeatureidsAttr()), modes, values,
        intsOf(op.getNodesTruenodeidsAttr()),
        intsOf(op.getNodesFalsenodeidsAttr()),
        intsOf(op.getNodesMissingValueTracksTrueAttr()),
        intsOf(op.getTargetTreeidsAttr()), intsOf(op.getTargetNodeidsAttr()),
        intsOf(op.getTargetIdsAttr()),
        floatsOf(op.getTargetWeightsAttr(), op.getTargetWeightsAsTensorAttr()),
        why);
  }
}

/// The rows of X and the type thresholds are compared in (f64 for double
/// inputs, f32 otherwise).
FailureOr<std::pair<Value, Type>> inputRows(ConversionPatternRewriter &rewriter,
                                            Operation *op, Value x,
                                            Type from) {
  Value rows = asRows(rewriter, op->getLoc(), x);
  if (!rows)
    return rewriter.notifyMatchFailure(op, "expected a 1-D or 2-D input");
  if (!isa<FloatType, IntegerType>(from))
    return rewriter.notifyMatchFailure(op, "expected numbers");
  Type ct = from.isF64() ? rewriter.getF64Type() : rewriter.getF32Type();
  return std::make_pair(rows, ct);
}

LogicalResult checkFeatures(ConversionPatternRewriter &rewriter, Operation *op,
                            const Forest &f, Value rows) {
  int64_t width = cast<RankedTensorType>(rows.getType()).getDimSize(1);
  for (double feat : f.feature)
    if (!ShapedType::isDynamic(width) && feat >= width)
      return rewriter.notifyMatchFailure(
          op, "a node reads feature " + std::to_string((int64_t)feat) +
                  " of an input with " + std::to_string(width));
  if (f.roots.empty())
    return rewriter.notifyMatchFailure(op, "the ensemble has no trees");
  return success();
}

struct TreeEnsembleRegressorLowering
    : OpConversionPattern<OnnxMlTreeEnsembleRegressorOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMlTreeEnsembleRegressorOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resTy = resultTypeOf(*this, op);
    if (!resTy || resTy.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "expected a 2-D result");
    std::optional<PostTransform> transform =
        parsePostTransform(op.getPostTransform());
    if (!transform)
      return rewriter.notifyMatchFailure(op, "unknown post_transform");
    auto agg = llvm::StringSwitch<std::optional<Aggregate>>(
                   op.getAggregateFunction())
                   .Case("SUM", Aggregate::Sum)
                   .Case("AVERAGE", Aggregate::Average)
                   .Case("MIN", Aggregate::Min)
                   .Case("MAX", Aggregate::Max)
                   .Default(std::nullopt);
    if (!agg)
      return rewriter.notifyMatchFailure(op, "unknown aggregate_function");
    Forest f;
    f.targets = op.getNTargets().value_or(1);
    std::string why;
    if (f.targets <= 0)
      return rewriter.notifyMatchFailure(op, "n_targets must be positive");
    if (failed(legacyForest(op, f, why, false)))
      return rewriter.notifyMatchFailure(op, why);
    auto in = inputRows(rewriter, op, adaptor.getX(),
                        cast<ShapedType>(op.getX().getType()).getElementType());
    if (failed(in) || failed(checkFeatures(rewriter, op, f, in->first)))
      return failure();
    Type from = cast<ShapedType>(op.getX().getType()).getElementType();
    Value leaves = walkTrees(rewriter, loc, f, in->first, from, in->second);
    Type acc = resTy.getElementType();
    Value sums = aggregate(rewriter, loc, f, leaves, *agg, acc);
    Value y = finalizeRegression(
        rewriter, loc, resTy, f, sums, *agg,
        floatsOf(op.getBaseValuesAttr(), op.getBaseValuesAsTensorAttr()),
        *transform);
    rewriter.replaceOp(op, y);
    return success();
  }
};

struct TreeEnsembleLowering : OpConversionPattern<OnnxMlTreeEnsembleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMlTreeEnsembleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resTy = resultTypeOf(*this, op);
    if (!resTy || resTy.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "expected a 2-D result");
    std::optional<PostTransform> transform =
        postTransformFromInt(op.getPostTransform());
    if (!transform)
      return rewriter.notifyMatchFailure(op, "unknown post_transform");
    // 0 AVERAGE, 1 SUM, 2 MIN, 3 MAX.
    int64_t a = op.getAggregateFunction();
    if (a < 0 || a > 3)
      return rewriter.notifyMatchFailure(op, "unknown aggregate_function");
    Aggregate agg = a == 0   ? Aggregate::Average
                    : a == 1 ? Aggregate::Sum
                    : a == 2 ? Aggregate::Min
                             : Aggregate::Max;
    Forest f;
    f.targets = op.getNTargets().value_or(0);
    if (f.targets <= 0)
      return rewriter.notifyMatchFailure(op, "n_targets must be positive");
    std::string why;
    if (failed(buildForest5(op, f, why)))
      return rewriter.notifyMatchFailure(op, why);
    Type from = cast<ShapedType>(op.getX().getType()).getElementType();
    auto in = inputRows(rewriter, op, adaptor.getX(), from);
    if (failed(in) || failed(checkFeatures(rewriter, op, f, in->first)))
      return failure();
    Value leaves = walkTrees(rewriter, loc, f, in->first, from, in->second);
    Value sums = aggregate(rewriter, loc, f, leaves, agg, resTy.getElementType());
    Value y =
        finalizeRegression(rewriter, loc, resTy, f, sums, agg, {}, *transform);
    rewriter.replaceOp(op, y);
    return success();
  }
};

struct TreeEnsembleClassifierLowering
    : OpConversionPattern<OnnxMlTreeEnsembleClassifierOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMlTreeEnsembleClassifierOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto labelTy = resultTypeOf(*this, op, 0);
    auto scoreTy = resultTypeOf(*this, op, 1);
    if (!isClassifierResult(labelTy, scoreTy))
      return rewriter.notifyMatchFailure(
          op, "expected [N] labels and [N, C] scores of known C");
    LabelTable labels(intsOf(op.getClasslabelsInt64sAttr()),
                      stringsOf(op.getClasslabelsStringsAttr()));
    ClassifierPlan plan;
    plan.classes = labels.size();
    plan.negative = labels.negative();
    plan.positive = labels.positive();
    if (plan.classes < 2)
      return rewriter.notifyMatchFailure(op, "expected two or more classes");
    std::optional<PostTransform> transform =
        parsePostTransform(op.getPostTransform());
    if (!transform)
      return rewriter.notifyMatchFailure(op, "unknown post_transform");
    plan.transform = *transform;
    plan.base =
        floatsOf(op.getBaseValuesAttr(), op.getBaseValuesAsTensorAttr());
    Forest f;
    f.targets = plan.classes;
    std::string why;
    if (failed(legacyForest(op, f, why, true)))
      return rewriter.notifyMatchFailure(op, why);
    plan.has = targetsWithWeights(f);
    llvm::SmallSet<int64_t, 4> classes;
    for (auto [leaf, target, w] : f.weights) {
      classes.insert(target);
      plan.allPositive &= w >= 0;
    }
    plan.binaryCase = f.targets == 2 && classes.size() == 1;
    if (scoreTy.getDimSize(1) != f.targets)
      return rewriter.notifyMatchFailure(op, "unexpected score columns");

    Type from = cast<ShapedType>(op.getX().getType()).getElementType();
    auto in = inputRows(rewriter, op, adaptor.getX(), from);
    if (failed(in) || failed(checkFeatures(rewriter, op, f, in->first)))
      return failure();
    Value leaves = walkTrees(rewriter, loc, f, in->first, from, in->second);
    Type acc = scoreTy.getElementType();
    Value sums = aggregate(rewriter, loc, f, leaves, Aggregate::Sum, acc);
    OpFoldResult n = tensor::getMixedSize(rewriter, loc, sums, 0);
    auto rowSums = [&](OpBuilder &b, Location l, Value row) {
      SmallVector<Value> s;
      for (int64_t j = 0; j < f.targets; ++j)
        s.push_back(tensor::ExtractOp::create(b, l, sums,
                                              ValueRange{row, cIdx(b, l, j)}));
      return s;
    };
    labels.materialize(rewriter, loc);
    Value y = buildRows(rewriter, loc, labelTy, n,
                        [&](OpBuilder &b, Location l, Value row) {
                          return SmallVector<Value>{labels.at(
                              b, l,
                              finalizeClassifierRow(b, l, plan,
                                                    rowSums(b, l, row))
                                  .first)};
                        });
    Value z = buildRows(rewriter, loc, scoreTy, n,
                        [&](OpBuilder &b, Location l, Value row) {
                          return finalizeClassifierRow(b, l, plan,
                                                       rowSums(b, l, row))
                              .second;
                        });
    rewriter.replaceOp(op, {y, z});
    return success();
  }
};

} // namespace

void kiln::populateMlTreeEnsemblePatterns(TypeConverter &tc,
                                          RewritePatternSet &patterns) {
  patterns.add<TreeEnsembleRegressorLowering, TreeEnsembleLowering,
               TreeEnsembleClassifierLowering>(tc, patterns.getContext());
}
