//===- ArtifactModule.cpp - The ABI globals of an artifact ----------------===//
//
// Emits, as LLVM IR, the structures of runtime/include/kiln/kiln_abi.h. The
// struct layouts below must match that header field by field.
//
//===----------------------------------------------------------------------===//

#include "compiler/artifact/Artifact.h"
#include "compiler/codegen/common/Passes.h"
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
    // Before the conversion (--emit=onnx) a run-time sequence or optional
    // output is still an onnx type: its slot is the int64 scalar address.
    if (!tensor && attrs && type.getDialect().getNamespace() == "onnx")
      tensor =
          RankedTensorType::get({}, IntegerType::get(type.getContext(), 64));
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
  // Sequences, maps and optionals at the edges (EdgeValues.h): each value
  // covers the next `count` slots.
  auto values = [&](const char *attr, size_t numSlots,
                    std::vector<ValueSignature> &out) -> LogicalResult {
    auto list = main->getAttrOfType<ArrayAttr>(attr);
    if (!list)
      return success();
    uint32_t next = 0;
    for (Attribute a : list) {
      auto d = dyn_cast<DictionaryAttr>(a);
      auto name = d ? d.getAs<StringAttr>("name") : nullptr;
      auto type = d ? d.getAs<StringAttr>("type") : nullptr;
      auto kind = d ? d.getAs<IntegerAttr>("kind") : nullptr;
      auto flags = d ? d.getAs<IntegerAttr>("flags") : nullptr;
      auto count = d ? d.getAs<IntegerAttr>("count") : nullptr;
      if (!name || !type || !kind || !flags || !count || count.getInt() < 0)
        return main.emitError() << attr << " has a malformed entry " << a;
      ValueSignature v{name.str(), type.str(), (uint32_t)kind.getInt(),
                       (uint32_t)flags.getInt(), next,
                       (uint32_t)count.getInt()};
      next += v.numSlots;
      out.push_back(std::move(v));
    }
    if (next != numSlots)
      return main.emitError() << attr << " covers " << next
                              << " slots, @main has " << numSlots;
    return success();
  };
  if (failed(values("kiln.input_values", sig.inputs.size(), sig.inputValues)) ||
      failed(values("kiln.output_values", sig.outputs.size(),
                    sig.outputValues)))
    return failure();
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

  /// Raw bytes (NUL-separated records, a whole file) as a private
  /// constant.
  llvm::Constant *bytes(llvm::StringRef s,
                        llvm::StringRef name = ".kiln.meta") {
    auto *init = llvm::ConstantDataArray::getRaw(s, s.size(),
                                                 llvm::Type::getInt8Ty(ctx));
    return new llvm::GlobalVariable(m, init->getType(), true,
                                    llvm::GlobalValue::PrivateLinkage, init,
                                    name);
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

  /// kiln_value_info_t { ptr name, type; i32 kind, flags, first_slot,
  ///                     num_slots; }
  llvm::Constant *valueInfos(const std::vector<ValueSignature> &values) {
    if (values.empty())
      return llvm::ConstantPointerNull::get(ptr);
    auto *type = llvm::StructType::get(ctx, {ptr, ptr, i32, i32, i32, i32});
    std::vector<llvm::Constant *> infos;
    for (const ValueSignature &v : values)
      infos.push_back(llvm::ConstantStruct::get(
          type, {cString(v.name), cString(v.type),
                 llvm::ConstantInt::get(i32, v.kind),
                 llvm::ConstantInt::get(i32, v.flags),
                 llvm::ConstantInt::get(i32, v.firstSlot),
                 llvm::ConstantInt::get(i32, v.numSlots)}));
    return array(type, infos, ".kiln.values");
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
           array(i64, dims, ".kiln.dims"),
           array(ptr, params, ".kiln.params")}));
    }
    return array(tensorInfoType(), infos, ".kiln.tensors");
  }

  llvm::Module &m;
  llvm::LLVMContext &ctx;
  llvm::PointerType *ptr;
  llvm::IntegerType *i32, *i64;
};

/// Field indices of kiln_run_context_t { ptr runtime, alloc, free,
/// parallel_for, kernel_begin, kernel_end; }.
enum RunContextField : unsigned {
  kCtxAlloc = 1,
  kCtxFree = 2,
  kCtxParallelFor = 3,
  kCtxKernelBegin = 4,
  kCtxKernelEnd = 5,
  kCtxFail = 6,
  kCtxLaunch = 7,
  kCtxSync = 8,
  kCtxNumThreads = 9, // an int64_t, the only field that is not a hook
};
static_assert(offsetof(kiln_run_context_t, num_threads) ==
                  kCtxNumThreads * sizeof(void *),
              "kiln_run_context_t changed: update the fields above");

/// The generated code reaches the run context through a thread-local of the
/// artifact: the allocation functions MLIR's memref lowering calls take no
/// context argument. `entry` sets it on the calling thread and the parallel
/// trampoline on every thread that runs a chunk, so it always names the run
/// the code is working for.
class RunContextAccess {
public:
  RunContextAccess(llvm::Module &m)
      : m(m), ctx(m.getContext()), ptr(llvm::PointerType::get(ctx, 0)),
        i64(llvm::Type::getInt64Ty(ctx)),
        ctxType(contextType(ctx, ptr, i64)) {
    tls = new llvm::GlobalVariable(
        m, ptr, false, llvm::GlobalValue::InternalLinkage,
        llvm::ConstantPointerNull::get(ptr), "kiln_current_run");
    tls->setThreadLocal(true);
  }

  /// kiln_run_context_t: the hooks, then num_threads.
  static llvm::StructType *contextType(llvm::LLVMContext &ctx,
                                       llvm::Type *ptr, llvm::Type *i64) {
    llvm::SmallVector<llvm::Type *> fields(kCtxNumThreads, ptr);
    fields.push_back(i64);
    return llvm::StructType::get(ctx, fields);
  }

  llvm::Value *current(llvm::IRBuilder<> &b) { return b.CreateLoad(ptr, tls); }

  /// Points the thread-local at `run` and returns what it held before.
  llvm::Value *enter(llvm::IRBuilder<> &b, llvm::Value *run) {
    llvm::Value *previous = current(b);
    b.CreateStore(run, tls);
    return previous;
  }
  void leave(llvm::IRBuilder<> &b, llvm::Value *previous) {
    b.CreateStore(previous, tls);
  }

  llvm::Value *hook(llvm::IRBuilder<> &b, llvm::Value *run, unsigned field) {
    return b.CreateLoad(ptr, b.CreateStructGEP(ctxType, run, field));
  }
  llvm::Value *numThreads(llvm::IRBuilder<> &b, llvm::Value *run) {
    return b.CreateLoad(i64, b.CreateStructGEP(ctxType, run, kCtxNumThreads));
  }

  /// The function `name` with internal linkage if the module declares it
  /// (or `always`), ready for a body; null if it already has one or is not
  /// needed.
  llvm::Function *defineIfUsed(const char *name, llvm::FunctionType *type,
                               bool always = false) {
    llvm::Function *f = m.getFunction(name);
    if (!f && !always)
      return nullptr;
    if (!f)
      f = llvm::Function::Create(type, llvm::GlobalValue::InternalLinkage, name,
                                 m);
    if (!f->isDeclaration())
      return nullptr;
    f->setLinkage(llvm::GlobalValue::InternalLinkage);
    return f;
  }

  llvm::Module &m;
  llvm::LLVMContext &ctx;
  llvm::PointerType *ptr;
  llvm::IntegerType *i64;
  llvm::StructType *ctxType;
  llvm::GlobalVariable *tls;
};

/// Gives the allocation functions the memref lowering calls
/// (`use-generic-functions`) bodies that go through the run's hooks.
void defineAllocationHooks(RunContextAccess &rc) {
  llvm::LLVMContext &ctx = rc.ctx;
  auto *ptr = rc.ptr;
  auto *i64 = rc.i64;
  auto *allocType = llvm::FunctionType::get(ptr, {ptr, i64, i64}, false);
  auto *freeHookType =
      llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr, ptr}, false);
  if (auto *f = rc.defineIfUsed("_mlir_memref_to_llvm_alloc",
                                llvm::FunctionType::get(ptr, {i64}, false))) {
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", f));
    llvm::Value *run = rc.current(b);
    llvm::Value *fn = rc.hook(b, run, kCtxAlloc);
    b.CreateRet(b.CreateCall(
        allocType, fn, {run, f->getArg(0), llvm::ConstantInt::get(i64, 64)}));
  }
  if (auto *f =
          rc.defineIfUsed("_mlir_memref_to_llvm_aligned_alloc",
                          llvm::FunctionType::get(ptr, {i64, i64}, false))) {
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", f));
    llvm::Value *run = rc.current(b);
    llvm::Value *fn = rc.hook(b, run, kCtxAlloc);
    // MLIR passes (alignment, size); the hook takes (size, alignment).
    b.CreateRet(b.CreateCall(allocType, fn, {run, f->getArg(1), f->getArg(0)}));
  }
  if (auto *f = rc.defineIfUsed(
          "_mlir_memref_to_llvm_free",
          llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr}, false))) {
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", f));
    llvm::Value *run = rc.current(b);
    llvm::Value *fn = rc.hook(b, run, kCtxFree);
    b.CreateCall(freeHookType, fn, {run, f->getArg(0)});
    b.CreateRetVoid();
  }
}

/// kiln_parallel_for(begin, end, grain, body, captures), which
/// kiln-dispatch-parallel-loops calls, forwards to the run's parallel_for
/// with a trampoline that enters the run on the chunk's thread and calls
/// body(captures, chunkBegin, chunkEnd).
void defineParallelFor(RunContextAccess &rc) {
  llvm::LLVMContext &ctx = rc.ctx;
  auto *ptr = rc.ptr;
  auto *i64 = rc.i64;
  auto *voidTy = llvm::Type::getVoidTy(ctx);
  llvm::Function *f = rc.defineIfUsed(
      "kiln_parallel_for",
      llvm::FunctionType::get(voidTy, {i64, i64, i64, ptr, ptr}, false));
  if (!f)
    return;
  // { body, captures }: the closure the runtime hands back to each chunk.
  auto *closureType = llvm::StructType::get(ctx, {ptr, ptr});
  auto *trampolineType =
      llvm::FunctionType::get(voidTy, {ptr, ptr, i64, i64}, false);
  auto *trampoline =
      llvm::Function::Create(trampolineType, llvm::GlobalValue::InternalLinkage,
                             "kiln_parallel_trampoline", rc.m);
  {
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", trampoline));
    llvm::Value *previous = rc.enter(b, trampoline->getArg(0));
    llvm::Value *closure = trampoline->getArg(1);
    llvm::Value *body =
        b.CreateLoad(ptr, b.CreateStructGEP(closureType, closure, 0));
    llvm::Value *captures =
        b.CreateLoad(ptr, b.CreateStructGEP(closureType, closure, 1));
    b.CreateCall(llvm::FunctionType::get(voidTy, {ptr, i64, i64}, false), body,
                 {captures, trampoline->getArg(2), trampoline->getArg(3)});
    rc.leave(b, previous);
    b.CreateRetVoid();
  }
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", f));
  llvm::Value *closure = b.CreateAlloca(closureType);
  b.CreateStore(f->getArg(3), b.CreateStructGEP(closureType, closure, 0));
  b.CreateStore(f->getArg(4), b.CreateStructGEP(closureType, closure, 1));
  llvm::Value *run = rc.current(b);
  llvm::Value *fn = rc.hook(b, run, kCtxParallelFor);
  b.CreateCall(
      llvm::FunctionType::get(voidTy, {ptr, i64, i64, i64, ptr, ptr}, false),
      fn, {run, f->getArg(0), f->getArg(1), f->getArg(2), trampoline, closure});
  b.CreateRetVoid();
}

/// kiln_num_threads(), which the support library's kernels call to cut
/// their work by thread: the run's num_threads (ABI 7). Returns whether the
/// module uses it.
bool defineNumThreads(RunContextAccess &rc) {
  llvm::Function *f = rc.defineIfUsed(
      "kiln_num_threads", llvm::FunctionType::get(rc.i64, {}, false));
  if (!f)
    return false;
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(rc.ctx, "entry", f));
  b.CreateRet(rc.numThreads(b, rc.current(b)));
  return true;
}

/// kiln_out_of_memory(bytes), which the support library's kernels call when
/// their scratch cannot be allocated, asks the run's alloc hook for `bytes`
/// with bit 63 set: a request that fails without being tried, so the run
/// fails with the size that did (the hook leaves the run, or the chunk of a
/// parallel loop, and does not return; if it does, the kernel aborts).
void defineOutOfMemory(RunContextAccess &rc) {
  llvm::LLVMContext &ctx = rc.ctx;
  auto *voidTy = llvm::Type::getVoidTy(ctx);
  llvm::Function *f = rc.defineIfUsed(
      "kiln_out_of_memory", llvm::FunctionType::get(voidTy, {rc.i64}, false));
  if (!f)
    return;
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", f));
  llvm::Value *run = rc.current(b);
  llvm::Value *fn = rc.hook(b, run, kCtxAlloc);
  llvm::Value *request =
      b.CreateOr(f->getArg(0), llvm::ConstantInt::get(rc.i64, 1ull << 63));
  b.CreateCall(llvm::FunctionType::get(rc.ptr, {rc.ptr, rc.i64, rc.i64}, false),
               fn, {run, request, llvm::ConstantInt::get(rc.i64, 64)});
  b.CreateRetVoid();
}

/// kiln_check_failed(ptr message), which the generated code calls when a
/// run-time check fails (Gather indices, Reshape sizes): the run's `fail`
/// hook, which leaves the run.
void defineCheckFailed(RunContextAccess &rc) {
  llvm::LLVMContext &ctx = rc.ctx;
  auto *voidTy = llvm::Type::getVoidTy(ctx);
  llvm::Function *f = rc.defineIfUsed(
      "kiln_check_failed", llvm::FunctionType::get(voidTy, {rc.i64}, false));
  if (!f)
    return;
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", f));
  llvm::Value *run = rc.current(b);
  llvm::Value *fn = rc.hook(b, run, kCtxFail);
  b.CreateCall(llvm::FunctionType::get(voidTy, {rc.ptr, rc.ptr}, false), fn,
               {run, b.CreateIntToPtr(f->getArg(0), rc.ptr)});
  b.CreateRetVoid();
}

/// kiln_kernel_begin/kiln_kernel_end(i32 id), which kiln-instrument-kernels
/// puts around every kernel, call the run's hook of that name when the
/// session profiles; otherwise the hook is NULL and the cost is this check.
void defineKernelHooks(RunContextAccess &rc) {
  llvm::LLVMContext &ctx = rc.ctx;
  auto *voidTy = llvm::Type::getVoidTy(ctx);
  auto *i32 = llvm::Type::getInt32Ty(ctx);
  auto *type = llvm::FunctionType::get(voidTy, {i32}, false);
  auto *hookType = llvm::FunctionType::get(voidTy, {rc.ptr, i32}, false);
  for (auto [name, field] : {std::pair{"kiln_kernel_begin", kCtxKernelBegin},
                             std::pair{"kiln_kernel_end", kCtxKernelEnd}}) {
    llvm::Function *f = rc.defineIfUsed(name, type);
    if (!f)
      continue;
    auto *entry = llvm::BasicBlock::Create(ctx, "entry", f);
    auto *call = llvm::BasicBlock::Create(ctx, "call", f);
    auto *done = llvm::BasicBlock::Create(ctx, "done", f);
    llvm::IRBuilder<> b(entry);
    llvm::Value *run = rc.current(b);
    llvm::Value *fn = rc.hook(b, run, field);
    b.CreateCondBr(b.CreateIsNull(fn), done, call);
    b.SetInsertPoint(call);
    b.CreateCall(hookType, fn, {run, f->getArg(0)});
    b.CreateBr(done);
    b.SetInsertPoint(done);
    b.CreateRetVoid();
  }
}

/// kiln_gpu_launch(i32 kernel, i64 grid x, y, z, i64 block x, y, z,
/// i32 shared bytes, i64 params address) and kiln_gpu_sync(), which
/// kiln-gpu-launch-to-runtime calls in a CUDA artifact's host schedule:
/// the run's launch and sync hooks (ABI 6).
void defineDeviceHooks(RunContextAccess &rc) {
  llvm::LLVMContext &ctx = rc.ctx;
  auto *voidTy = llvm::Type::getVoidTy(ctx);
  auto *i32 = llvm::Type::getInt32Ty(ctx);
  auto *i64 = rc.i64;
  if (llvm::Function *f = rc.defineIfUsed(
          "kiln_gpu_launch",
          llvm::FunctionType::get(
              voidTy, {i32, i64, i64, i64, i64, i64, i64, i32, i64}, false))) {
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", f));
    llvm::Value *run = rc.current(b);
    llvm::Value *fn = rc.hook(b, run, kCtxLaunch);
    llvm::SmallVector<llvm::Value *> args{run};
    for (unsigned i = 0; i < 8; ++i)
      args.push_back(f->getArg(i));
    args.push_back(b.CreateIntToPtr(f->getArg(8), rc.ptr));
    b.CreateCall(llvm::FunctionType::get(voidTy,
                                         {rc.ptr, i32, i64, i64, i64, i64, i64,
                                          i64, i32, rc.ptr},
                                         false),
                 fn, args);
    b.CreateRetVoid();
  }
  if (llvm::Function *f = rc.defineIfUsed(
          "kiln_gpu_sync", llvm::FunctionType::get(voidTy, {}, false))) {
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", f));
    llvm::Value *run = rc.current(b);
    llvm::Value *fn = rc.hook(b, run, kCtxSync);
    b.CreateCall(llvm::FunctionType::get(voidTy, {rc.ptr}, false), fn, {run});
    b.CreateRetVoid();
  }
}

/// The device kernels of a CUDA artifact (kiln.device_kernels, from
/// kiln-gpu-launch-to-runtime) as kiln_device_kernel_t[count].
llvm::Constant *deviceKernels(ArtifactBuilder &ab, ModuleOp mlirModule,
                              uint32_t &count,
                              std::vector<std::vector<llvm::Constant *>> &texts) {
  auto kernels = mlirModule->getAttrOfType<ArrayAttr>("kiln.device_kernels");
  count = kernels ? kernels.size() : 0;
  if (!count)
    return llvm::ConstantPointerNull::get(ab.ptr);
  // kiln_device_code_t { ptr chip, text; }
  auto *codeType = llvm::StructType::get(ab.ctx, {ab.ptr, ab.ptr});
  // kiln_device_kernel_t { ptr module, function, params; i32 num_codes;
  //                        ptr codes; }
  auto *kernelType = llvm::StructType::get(
      ab.ctx, {ab.ptr, ab.ptr, ab.ptr, ab.i32, ab.ptr});
  std::vector<llvm::Constant *> entries;
  for (Attribute attr : kernels) {
    auto kernel = cast<DictionaryAttr>(attr);
    std::vector<llvm::Constant *> codes;
    texts.emplace_back();
    for (Attribute c : kernel.getAs<ArrayAttr>("codes")) {
      auto pair = cast<ArrayAttr>(c);
      llvm::Constant *text = ab.cString(cast<StringAttr>(pair[1]).str());
      texts.back().push_back(text);
      codes.push_back(llvm::ConstantStruct::get(
          codeType, {ab.cString(cast<StringAttr>(pair[0]).str()), text}));
    }
    entries.push_back(llvm::ConstantStruct::get(
        kernelType,
        {ab.cString(kernel.getAs<StringAttr>("module").str()),
         ab.cString(kernel.getAs<StringAttr>("function").str()),
         ab.cString(kernel.getAs<StringAttr>("params").str()),
         llvm::ConstantInt::get(ab.i32, codes.size()),
         ab.array(codeType, codes, ".kiln.device_codes")}));
  }
  return ab.array(kernelType, entries, ".kiln.device_kernels");
}

/// The leading words of a host copy (kiln-gpu-host-kernels): the ids, and
/// with them the block and the workgroup memory's descriptor.
constexpr size_t kHostKernelIds = 12, kHostKernelWaitingIds = 18;

/// With kiln-gpu-host-kernels (kiln-compile --cuda-host-kernels): the
/// exported table `kiln_host_kernels` of {PTX text, host copy, flags}, one
/// per code of every kernel, ending with nulls, through which the tests'
/// fake CUDA driver finds the host copy of the module it is asked to load.
/// Each copy is called through a wrapper taking the launch's parameter
/// pointers and the leading words: void (void **params, const int64_t *ids),
/// the twelve ids, and for a kernel whose threads wait for each other six
/// more (its block in the driver, the descriptor of its workgroup memory),
/// which the entry's flags say (1: run the block's threads as fibers).
/// The text's address is the key, so each text stays an object of its own:
/// kernels whose PTX is the same (fills of buffers of different sizes in
/// whole blocks: NVVM folds their guards away with the known grid size) may
/// have host copies that are not, and a merged text would give all of them
/// one kernel's copy.
void defineHostKernelTable(
    ArtifactBuilder &ab, ModuleOp mlirModule,
    const std::vector<std::vector<llvm::Constant *>> &texts) {
  auto kernels = mlirModule->getAttrOfType<ArrayAttr>("kiln.device_kernels");
  if (!kernels)
    return;
  llvm::Module &m = ab.m;
  // { const char *text; wrapper; uint64_t flags; }
  auto *entryType = llvm::StructType::get(ab.ctx, {ab.ptr, ab.ptr, ab.i64});
  auto *wrapperType = llvm::FunctionType::get(
      llvm::Type::getVoidTy(ab.ctx), {ab.ptr, ab.ptr}, false);
  std::vector<llvm::Constant *> entries;
  for (auto [i, attr] : llvm::enumerate(kernels)) {
    auto kernel = cast<DictionaryAttr>(attr);
    auto module = kernel.getAs<StringAttr>("module");
    llvm::Function *host =
        m.getFunction(("kiln_host_kernel_" + module.getValue()).str());
    // The kernel's parameter words come after the leading ones: 12 ids,
    // or 18 when its threads wait for each other (kiln-gpu-host-kernels).
    size_t numParams = kernel.getAs<StringAttr>("params").size();
    if (!host || host->isDeclaration() || host->arg_size() < numParams)
      continue;
    size_t numLeading = host->arg_size() - numParams;
    if (numLeading != kHostKernelIds && numLeading != kHostKernelWaitingIds)
      continue;
    uint64_t flags = numLeading == kHostKernelWaitingIds ? 1 : 0;
    auto *wrapper = llvm::Function::Create(
        wrapperType, llvm::GlobalValue::InternalLinkage,
        host->getName() + "_packed", m);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ab.ctx, "entry", wrapper));
    std::vector<llvm::Value *> args;
    for (unsigned a = 0; a < host->arg_size(); ++a) {
      llvm::Type *type = host->getArg(a)->getType();
      llvm::Value *at =
          a < numLeading
              ? b.CreateConstGEP1_64(ab.i64, wrapper->getArg(1), a)
              : b.CreateLoad(ab.ptr, b.CreateConstGEP1_64(
                                         ab.ptr, wrapper->getArg(0),
                                         a - numLeading));
      args.push_back(b.CreateLoad(type, at));
    }
    b.CreateCall(host, args);
    b.CreateRetVoid();
    for (llvm::Constant *text : texts[i]) {
      // Without unnamed_addr, neither LLVM (ConstantMerge) nor the linker
      // (mergeable string sections) folds equal texts into one.
      cast<llvm::GlobalVariable>(text)->setUnnamedAddr(
          llvm::GlobalValue::UnnamedAddr::None);
      entries.push_back(llvm::ConstantStruct::get(
          entryType, {text, wrapper, llvm::ConstantInt::get(ab.i64, flags)}));
    }
  }
  if (entries.empty())
    return;
  entries.push_back(llvm::ConstantStruct::get(
      entryType, {llvm::ConstantPointerNull::get(ab.ptr),
                  llvm::ConstantPointerNull::get(ab.ptr),
                  llvm::ConstantInt::get(ab.i64, 0)}));
  auto *type = llvm::ArrayType::get(entryType, entries.size());
  new llvm::GlobalVariable(m, type, true, llvm::GlobalValue::ExternalLinkage,
                           llvm::ConstantArray::get(type, entries),
                           "kiln_host_kernels");
}

/// The constants a CUDA artifact's kernels may read, as
/// kiln_device_constant_t[count]: every memref.global kiln.device_constants
/// names that is still in the module, and the weight blob.
llvm::Constant *deviceConstants(ArtifactBuilder &ab, ModuleOp mlirModule,
                                uint32_t &count) {
  std::vector<std::string> names;
  if (auto list = mlirModule->getAttrOfType<ArrayAttr>("kiln.device_constants"))
    for (Attribute a : list)
      names.push_back(cast<StringAttr>(a).str());
  names.push_back(kWeightsSymbol);
  // { ptr host; i64 size; }
  auto *type = llvm::StructType::get(ab.ctx, {ab.ptr, ab.i64});
  const llvm::DataLayout &layout = ab.m.getDataLayout();
  std::vector<llvm::Constant *> entries;
  for (const std::string &name : names) {
    llvm::GlobalVariable *g = ab.m.getGlobalVariable(name, true);
    if (!g || !g->hasInitializer())
      continue;
    uint64_t size = layout.getTypeAllocSize(g->getValueType());
    if (!size)
      continue;
    entries.push_back(llvm::ConstantStruct::get(
        type, {g, llvm::ConstantInt::get(ab.i64, size)}));
  }
  count = entries.size();
  if (!count)
    return llvm::ConstantPointerNull::get(ab.ptr);
  return ab.array(type, entries, ".kiln.device_constants");
}

/// The kernel names kiln-instrument-kernels listed, as `const char *[n]`;
/// each name is followed, after its NUL, by the kernel's op name and a NUL.
llvm::Constant *kernelNames(ArtifactBuilder &ab, ModuleOp mlirModule,
                            uint32_t &count) {
  auto names = mlirModule->getAttrOfType<ArrayAttr>("kiln.kernels");
  auto ops = mlirModule->getAttrOfType<ArrayAttr>("kiln.kernel_ops");
  count = names ? names.size() : 0;
  if (!count)
    return llvm::ConstantPointerNull::get(ab.ptr);
  std::vector<llvm::Constant *> entries;
  for (uint32_t i = 0; i < count; ++i) {
    std::string record = cast<StringAttr>(names[i]).str();
    record.push_back('\0');
    if (ops && i < ops.size())
      record += cast<StringAttr>(ops[i]).str();
    record.push_back('\0');
    entries.push_back(ab.bytes(record));
  }
  return ab.array(ab.ptr, entries, ".kiln.kernels");
}

/// void entry(void **args, kiln_run_context_t *ctx): enters the run and
/// calls _mlir_ciface_main(args[0], args[1], ...).
llvm::Function *defineEntry(RunContextAccess &rc, std::string &error) {
  llvm::Module &m = rc.m;
  llvm::Function *ciface = m.getFunction("_mlir_ciface_main");
  if (!ciface) {
    error = "the lowered module has no _mlir_ciface_main";
    return nullptr;
  }
  llvm::LLVMContext &ctx = m.getContext();
  auto *ptr = rc.ptr;
  auto *type =
      llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr, ptr}, false);
  auto *entry = llvm::Function::Create(type, llvm::GlobalValue::InternalLinkage,
                                       "kiln_entry", m);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
  llvm::Value *previous = rc.enter(b, entry->getArg(1));
  std::vector<llvm::Value *> args;
  for (unsigned i = 0; i < ciface->arg_size(); ++i) {
    llvm::Value *slot = b.CreateConstGEP1_64(ptr, entry->getArg(0), i);
    args.push_back(b.CreateLoad(ptr, slot));
  }
  b.CreateCall(ciface, args);
  rc.leave(b, previous);
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
    auto blob =
        cast<DenseResourceElementsAttr>(pair[1]).getRawHandle().getBlob();
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
  auto *init = llvm::ConstantDataArray::getRaw(
      data, total, llvm::Type::getInt8Ty(m.getContext()));
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
                                     const std::string &cpuName,
                                     const std::string &cpuFeatures,
                                     std::string &error,
                                     llvm::StringRef cpuFallback) {
  if (!cpuFallback.empty() && provider != KILN_PROVIDER_CUDA) {
    error = "only a CUDA artifact carries a CPU copy of its model";
    return failure();
  }
  if (failed(defineWeights(m, mlirModule, error)))
    return failure();
  ArtifactBuilder ab(m);
  RunContextAccess rc(m);
  defineAllocationHooks(rc);
  defineParallelFor(rc);
  defineOutOfMemory(rc);
  bool readsNumThreads = defineNumThreads(rc);
  defineCheckFailed(rc);
  defineKernelHooks(rc);
  defineDeviceHooks(rc);
  llvm::Function *entry = defineEntry(rc, error);
  if (!entry)
    return failure();

  uint32_t numKernels = 0;
  llvm::Constant *kernelTable = kernelNames(ab, mlirModule, numKernels);
  uint32_t numDeviceKernels = 0, numDeviceConstants = 0;
  llvm::Constant *deviceKernelTable = llvm::ConstantPointerNull::get(ab.ptr);
  llvm::Constant *deviceConstantTable = deviceKernelTable;
  if (provider == KILN_PROVIDER_CUDA) {
    std::vector<std::vector<llvm::Constant *>> texts;
    deviceKernelTable =
        deviceKernels(ab, mlirModule, numDeviceKernels, texts);
    deviceConstantTable = deviceConstants(ab, mlirModule, numDeviceConstants);
    defineHostKernelTable(ab, mlirModule, texts);
  }

  // kiln_artifact_t { i32 abi_version, provider, num_inputs, num_outputs;
  //                   ptr inputs, outputs, entry, kernel_names, metadata,
  //                   compiler_version; i32 num_kernels; ptr cpu_name,
  //                   cpu_features; i32 num_input_values,
  //                   num_output_values; ptr input_values, output_values;
  //                   i32 struct_size, features, num_device_kernels,
  //                   num_device_constants; ptr device_kernels,
  //                   device_constants, cpu_fallback;
  //                   i64 cpu_fallback_size; }
  static_assert(sizeof(kiln_artifact_t) == 160 &&
                    offsetof(kiln_artifact_t, cpu_fallback_size) == 152,
                "kiln_artifact_t changed: update the struct below");
  auto *artifactType = llvm::StructType::get(
      ab.ctx, {ab.i32, ab.i32, ab.i32, ab.i32, ab.ptr, ab.ptr, ab.ptr, ab.ptr,
               ab.ptr, ab.ptr, ab.i32, ab.ptr, ab.ptr, ab.i32, ab.i32, ab.ptr,
               ab.ptr, ab.i32, ab.i32, ab.i32, ab.i32, ab.ptr, ab.ptr, ab.ptr,
               ab.i64});
  // ABI 5 only adds run-time outputs, 6 device code and 7 the run
  // context's num_threads: artifacts without them stay 4, which older
  // runtimes open (they read no further than the value tables).
  uint32_t abiVersion = 4;
  for (const ValueSignature &v : sig.outputValues)
    if (v.flags & KILN_VALUE_FLAG_RUNTIME)
      abiVersion = 5;
  uint32_t features = 0;
  if (provider == KILN_PROVIDER_CUDA) {
    abiVersion = 6;
    features |= KILN_ARTIFACT_FEATURE_DEVICE_CODE;
  }
  // 7 adds the run context's num_threads, which older runtimes do not set.
  if (readsNumThreads)
    abiVersion = 7;
  llvm::Constant *cpuCopy = llvm::ConstantPointerNull::get(ab.ptr);
  if (!cpuFallback.empty()) {
    features |= KILN_ARTIFACT_FEATURE_CPU_FALLBACK;
    cpuCopy = ab.bytes(cpuFallback, ".kiln.cpu_copy");
  }
  llvm::Constant *fields[] = {
      llvm::ConstantInt::get(ab.i32, abiVersion),
      llvm::ConstantInt::get(ab.i32, provider),
      llvm::ConstantInt::get(ab.i32, sig.inputs.size()),
      llvm::ConstantInt::get(ab.i32, sig.outputs.size()),
      ab.tensorInfos(sig.inputs),
      ab.tensorInfos(sig.outputs),
      entry,
      kernelTable,
      ab.bytes(encodeMetadata(sig)),
      ab.cString(KILN_COMPILER_VERSION),
      llvm::ConstantInt::get(ab.i32, numKernels),
      ab.cString(cpuName),
      ab.cString(cpuFeatures),
      llvm::ConstantInt::get(ab.i32, sig.inputValues.size()),
      llvm::ConstantInt::get(ab.i32, sig.outputValues.size()),
      ab.valueInfos(sig.inputValues),
      ab.valueInfos(sig.outputValues),
      llvm::ConstantInt::get(ab.i32, sizeof(kiln_artifact_t)),
      llvm::ConstantInt::get(ab.i32, features),
      llvm::ConstantInt::get(ab.i32, numDeviceKernels),
      llvm::ConstantInt::get(ab.i32, numDeviceConstants),
      deviceKernelTable,
      deviceConstantTable,
      cpuCopy,
      llvm::ConstantInt::get(ab.i64, cpuFallback.size())};
  new llvm::GlobalVariable(
      m, artifactType, true, llvm::GlobalValue::ExternalLinkage,
      llvm::ConstantStruct::get(artifactType, fields), KILN_ARTIFACT_SYMBOL);

  // Only the descriptor is exported; the rest may be inlined and dropped.
  for (llvm::Function &f : m)
    if (!f.isDeclaration())
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
  // The support library's kernels call kiln_parallel_for,
  // kiln_num_threads and kiln_out_of_memory: they stay visible to the
  // linker, but hidden, so the artifact still exports only its descriptor.
  for (const char *name :
       {"kiln_parallel_for", "kiln_num_threads", "kiln_out_of_memory"})
    if (llvm::Function *f = m.getFunction(name); f && !f->isDeclaration()) {
      f->setLinkage(llvm::GlobalValue::ExternalLinkage);
      f->setVisibility(llvm::GlobalValue::HiddenVisibility);
    }
  return success();
}

} // namespace kiln
