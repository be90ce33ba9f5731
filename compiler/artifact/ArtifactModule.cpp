//===- ArtifactModule.cpp - The ABI globals of an artifact ----------------===//
//
// Emits, as LLVM IR, the structures of runtime/include/kiln/kiln_abi.h. The
// struct layouts below must match that header field by field.
//
//===----------------------------------------------------------------------===//

#include "compiler/artifact/Artifact.h"
#include "compiler/codegen/cpu/Passes.h"
#include "kiln/kiln_abi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"

using namespace mlir;

namespace kiln {

FailureOr<Signature> extractSignature(ModuleOp module) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main)
    return module.emitError("no func.func @main to compile"), failure();
  Signature sig;
  auto describe = [&](Type type, DictionaryAttr attrs,
                      TensorSignature &out) -> LogicalResult {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor || !attrs)
      return main.emitError("graph inputs and outputs must be ranked "
                            "tensors with kiln.* attributes, got ")
             << type;
    out.name = cast<StringAttr>(attrs.get("kiln.name")).str();
    out.elemType = cast<IntegerAttr>(attrs.get("kiln.elem_type")).getInt();
    for (int64_t d : tensor.getShape())
      out.dims.push_back(ShapedType::isDynamic(d) ? -1 : d);
    auto params = dyn_cast_or_null<ArrayAttr>(attrs.get("kiln.dim_params"));
    for (size_t i = 0; i < out.dims.size(); ++i) {
      std::string p;
      if (params && i < params.size() && out.dims[i] < 0)
        p = cast<StringAttr>(params[i]).str();
      out.dimParams.push_back(p);
    }
    return success();
  };
  for (unsigned i = 0; i < main.getNumArguments(); ++i) {
    sig.inputs.emplace_back();
    if (failed(describe(main.getArgumentTypes()[i], main.getArgAttrDict(i),
                        sig.inputs.back())))
      return failure();
  }
  for (unsigned i = 0; i < main.getNumResults(); ++i) {
    sig.outputs.emplace_back();
    if (failed(describe(main.getResultTypes()[i], main.getResultAttrDict(i),
                        sig.outputs.back())))
      return failure();
  }
  if (auto meta = module->getAttrOfType<DictionaryAttr>("kiln.metadata"))
    for (NamedAttribute a : meta)
      if (auto s = dyn_cast<StringAttr>(a.getValue()))
        sig.metadata.emplace_back(a.getName().str(), s.str());
  return sig;
}

namespace {

class ArtifactBuilder {
public:
  ArtifactBuilder(llvm::Module &m)
      : m(m), ctx(m.getContext()), ptr(llvm::PointerType::get(ctx, 0)),
        i32(llvm::Type::getInt32Ty(ctx)), i64(llvm::Type::getInt64Ty(ctx)) {}

  llvm::Constant *cString(const std::string &s) {
    auto *init = llvm::ConstantDataArray::getString(ctx, s, true);
    auto *g = new llvm::GlobalVariable(m, init->getType(), true,
                                       llvm::GlobalValue::PrivateLinkage, init,
                                       ".kiln.str");
    g->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    return g;
  }

  /// Raw bytes (NUL-separated records) as a private constant.
  llvm::Constant *bytes(const std::string &s) {
    auto *init = llvm::ConstantDataArray::getRaw(s, s.size(),
                                                 llvm::Type::getInt8Ty(ctx));
    return new llvm::GlobalVariable(m, init->getType(), true,
                                    llvm::GlobalValue::PrivateLinkage, init,
                                    ".kiln.meta");
  }

  template <typename T>
  llvm::Constant *array(llvm::Type *elem, const std::vector<T> &values,
                        const char *name) {
    auto *type = llvm::ArrayType::get(elem, values.size());
    std::vector<llvm::Constant *> elems(values.begin(), values.end());
    auto *g = new llvm::GlobalVariable(
        m, type, true, llvm::GlobalValue::PrivateLinkage,
        llvm::ConstantArray::get(type, elems), name);
    return g;
  }

  /// kiln_tensor_info_t { ptr name; i32 elem_type; i32 rank; ptr dims;
  ///                      ptr dim_params; }
  llvm::StructType *tensorInfoType() {
    return llvm::StructType::get(ctx, {ptr, i32, i32, ptr, ptr});
  }

  llvm::Constant *tensorInfos(const std::vector<TensorSignature> &sigs) {
    std::vector<llvm::Constant *> infos;
    for (const TensorSignature &s : sigs) {
      std::vector<llvm::Constant *> dims, params;
      for (int64_t d : s.dims)
        dims.push_back(llvm::ConstantInt::get(i64, d));
      for (const std::string &p : s.dimParams)
        params.push_back(cString(p));
      infos.push_back(llvm::ConstantStruct::get(
          tensorInfoType(),
          {cString(s.name), llvm::ConstantInt::get(i32, s.elemType),
           llvm::ConstantInt::get(i32, s.dims.size()),
           array(i64, dims, ".kiln.dims"), array(ptr, params, ".kiln.params")}));
    }
    return array(tensorInfoType(), infos, ".kiln.tensors");
  }

  llvm::Module &m;
  llvm::LLVMContext &ctx;
  llvm::PointerType *ptr;
  llvm::IntegerType *i32, *i64;
};

/// Gives the allocation functions the memref lowering calls
/// (`use-generic-functions`) bodies that go through the runtime's hooks.
void defineAllocationHooks(llvm::Module &m, llvm::GlobalVariable *hooks) {
  llvm::LLVMContext &ctx = m.getContext();
  auto *ptr = llvm::PointerType::get(ctx, 0);
  auto *i64 = llvm::Type::getInt64Ty(ctx);
  auto *hooksType = hooks->getValueType();
  auto *allocType = llvm::FunctionType::get(ptr, {i64, i64}, false);
  auto *freeType =
      llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr}, false);

  auto define = [&](const char *name, llvm::FunctionType *type) {
    llvm::Function *f = m.getFunction(name);
    if (!f)
      f = llvm::Function::Create(type, llvm::GlobalValue::InternalLinkage,
                                 name, m);
    if (!f->isDeclaration())
      return (llvm::Function *)nullptr;
    f->setLinkage(llvm::GlobalValue::InternalLinkage);
    return f;
  };
  auto hookField = [&](llvm::IRBuilder<> &b, unsigned idx) {
    llvm::Value *slot = b.CreateStructGEP(hooksType, hooks, idx);
    return b.CreateLoad(ptr, slot);
  };
  if (auto *f = define("_mlir_memref_to_llvm_alloc",
                       llvm::FunctionType::get(ptr, {i64}, false))) {
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", f));
    llvm::Value *fn = hookField(b, 0);
    b.CreateRet(b.CreateCall(allocType, fn,
                             {f->getArg(0), llvm::ConstantInt::get(i64, 64)}));
  }
  if (auto *f = define("_mlir_memref_to_llvm_aligned_alloc",
                       llvm::FunctionType::get(ptr, {i64, i64}, false))) {
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", f));
    llvm::Value *fn = hookField(b, 0);
    // MLIR passes (alignment, size); the hook takes (size, alignment).
    b.CreateRet(b.CreateCall(allocType, fn, {f->getArg(1), f->getArg(0)}));
  }
  if (auto *f = define("_mlir_memref_to_llvm_free", freeType)) {
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", f));
    llvm::Value *fn = hookField(b, 1);
    b.CreateCall(freeType, fn, {f->getArg(0)});
    b.CreateRetVoid();
  }
}

/// void entry(void **args): calls _mlir_ciface_main(args[0], args[1], ...).
llvm::Function *defineEntry(llvm::Module &m, std::string &error) {
  llvm::Function *ciface = m.getFunction("_mlir_ciface_main");
  if (!ciface) {
    error = "the lowered module has no _mlir_ciface_main";
    return nullptr;
  }
  llvm::LLVMContext &ctx = m.getContext();
  auto *ptr = llvm::PointerType::get(ctx, 0);
  auto *type =
      llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr}, false);
  auto *entry = llvm::Function::Create(type, llvm::GlobalValue::InternalLinkage,
                                       "kiln_entry", m);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
  std::vector<llvm::Value *> args;
  for (unsigned i = 0; i < ciface->arg_size(); ++i) {
    llvm::Value *slot = b.CreateConstGEP1_64(ptr, entry->getArg(0), i);
    args.push_back(b.CreateLoad(ptr, slot));
  }
  b.CreateCall(ciface, args);
  b.CreateRetVoid();
  return entry;
}

/// Gives the weight blob declared by kiln-externalize-weights its bytes.
LogicalResult defineWeights(llvm::Module &m, ModuleOp mlirModule,
                            std::string &error) {
  llvm::GlobalVariable *g = m.getGlobalVariable(kWeightsSymbol, true);
  auto entries = mlirModule->getAttrOfType<ArrayAttr>(kWeightsAttr);
  if (!g || !entries)
    return success();
  uint64_t total = g->getValueType()->getArrayNumElements();
  std::string data(total, '\0');
  for (Attribute e : entries) {
    auto pair = cast<ArrayAttr>(e);
    int64_t offset = cast<IntegerAttr>(pair[0]).getInt();
    auto blob = cast<DenseResourceElementsAttr>(pair[1]).getRawHandle().getBlob();
    if (!blob) {
      error = "a weight blob was released before emission";
      return failure();
    }
    ArrayRef<char> bytes = blob->getData();
    if (offset + bytes.size() > total) {
      error = "weight blob layout is inconsistent";
      return failure();
    }
    std::memcpy(data.data() + offset, bytes.data(), bytes.size());
  }
  auto *init = llvm::ConstantDataArray::getRaw(data, total,
                                               llvm::Type::getInt8Ty(m.getContext()));
  g->setInitializer(init);
  g->setConstant(true);
  g->setLinkage(llvm::GlobalValue::InternalLinkage);
  g->setAlignment(llvm::Align(64));
  return success();
}

std::string encodeMetadata(const Signature &sig) {
  std::string out;
  for (auto &[k, v] : sig.metadata) {
    out += k;
    out.push_back('\0');
    out += v;
    out.push_back('\0');
  }
  out.push_back('\0');
  out.push_back('\0');
  return out;
}

} // namespace

LogicalResult finalizeArtifactModule(llvm::Module &m, ModuleOp mlirModule,
                                     const Signature &sig, uint32_t provider,
                                     std::string &error) {
  if (failed(defineWeights(m, mlirModule, error)))
    return failure();
  ArtifactBuilder ab(m);
  auto *hooksType = llvm::StructType::get(ab.ctx, {ab.ptr, ab.ptr});
  auto *hooks = new llvm::GlobalVariable(
      m, hooksType, false, llvm::GlobalValue::InternalLinkage,
      llvm::ConstantAggregateZero::get(hooksType), "kiln_hooks");
  defineAllocationHooks(m, hooks);
  llvm::Function *entry = defineEntry(m, error);
  if (!entry)
    return failure();

  // kiln_artifact_t { i32 abi_version, provider, num_inputs, num_outputs;
  //                   ptr inputs, outputs, entry, hooks, metadata,
  //                   compiler_version; }
  auto *artifactType = llvm::StructType::get(
      ab.ctx, {ab.i32, ab.i32, ab.i32, ab.i32, ab.ptr, ab.ptr, ab.ptr, ab.ptr,
               ab.ptr, ab.ptr});
  llvm::Constant *fields[] = {
      llvm::ConstantInt::get(ab.i32, KILN_ABI_VERSION),
      llvm::ConstantInt::get(ab.i32, provider),
      llvm::ConstantInt::get(ab.i32, sig.inputs.size()),
      llvm::ConstantInt::get(ab.i32, sig.outputs.size()),
      ab.tensorInfos(sig.inputs),
      ab.tensorInfos(sig.outputs),
      entry,
      hooks,
      ab.bytes(encodeMetadata(sig)),
      ab.cString(KILN_COMPILER_VERSION)};
  new llvm::GlobalVariable(m, artifactType, true,
                           llvm::GlobalValue::ExternalLinkage,
                           llvm::ConstantStruct::get(artifactType, fields),
                           KILN_ARTIFACT_SYMBOL);

  // Only the descriptor is exported; the rest may be inlined and dropped.
  for (llvm::Function &f : m)
    if (!f.isDeclaration())
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
  return success();
}

} // namespace kiln
