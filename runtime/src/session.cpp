//===- session.cpp - kiln_session: loading and running --------------------===//

#include "session.h"
#include "onnx_compile.h"

#include "alloc_hooks.h"
#include "artifact_bytes.h"
#include "elem_type.h"
#include "input_validation.h"
#include "kiln_internal.h"
#include "memref.h"
#include "status.h"
#include "string_values.h"
#include "value.h"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <unistd.h>

using namespace kiln::rt;

kiln_session::kiln_session(std::unique_ptr<LoadedArtifact> loadedArtifact,
                           kiln_session_options sessionOptions)
    : loaded(std::move(loadedArtifact)), options(std::move(sessionOptions)),
      signature(loaded->artifact()),
      checkSymbolicDims(options.configOr(kConfigCheckSymbolicDims, "1") != "0"),
      threads(options.intraOpNumThreads) {
  if (options.configOr(kConfigEnableProfiling, "0") == "1")
    profiler = std::make_unique<Profiler>(artifact());
  // "key\0value\0key\0value\0\0"
  if (const char *p = artifact().metadata) {
    while (*p) {
      const char *key = p;
      p += std::strlen(p) + 1;
      const char *value = p;
      p += std::strlen(p) + 1;
      metadata.emplace_back(key, value);
    }
  }
}

namespace {

/// Ends the arena's run on every path out of kiln_session::run, so blocks
/// are returned even when copying the outputs fails.
struct EndRunGuard {
  Arena &arena;
  ~EndRunGuard() { arena.endRun(); }
};

std::string shapeString(const int64_t *dims, size_t rank) {
  // ORT's TensorShape printing: {2,3}
  std::string out = "{";
  for (size_t d = 0; d < rank; ++d) {
    if (d)
      out += ",";
    out += std::to_string(dims[d]);
  }
  return out + "}";
}

void checkProducedOutput(const kiln_tensor_info_t &info,
                         const DescriptorView &view) {
  bool empty = false;
  for (int32_t d = 0; d < view.rank(); ++d) {
    if (view.sizes()[d] < 0)
      fail(KILN_ENGINE_ERROR, std::string("the artifact produced output ") +
                                  info.name + " with negative size " +
                                  std::to_string(view.sizes()[d]));
    empty |= view.sizes()[d] == 0;
  }
  if (!empty && !view.aligned())
    fail(KILN_ENGINE_ERROR, std::string("the artifact produced output ") +
                                info.name + " without a buffer");
}

void checkPreallocatedShape(const kiln_value &value,
                            const DescriptorView &view) {
  size_t rank = static_cast<size_t>(view.rank());
  bool same = value.shape.size() == rank &&
              std::equal(value.shape.begin(), value.shape.end(), view.sizes());
  if (same)
    return;
  // ORT's text for a preallocated output of the wrong shape.
  fail(KILN_FAIL,
       "Shape mismatch attempting to re-use buffer. " +
           shapeString(value.shape.data(), value.shape.size()) +
           " != " + shapeString(view.sizes(), rank) +
           ". Validate usage of dim_value (values should be > 0) and "
           "dim_param (all values with the same string should equate to the "
           "same size) in shapes in the model.");
}

/// Outputs at least this big are handed over from the arena, not copied.
constexpr size_t kAdoptMinBytes = 4096;

size_t denseBytes(const DescriptorView &view, size_t elemSize) {
  size_t bytes = elemSize;
  for (int32_t d = 0; d < view.rank(); ++d)
    bytes *= static_cast<size_t>(view.sizes()[d]);
  return bytes;
}

} // namespace

void kiln_session::run(const char *const *inputNames,
                       const kiln_value *const *inputs, size_t numFeeds,
                       const char *const *outputNames, size_t numRequested,
                       kiln_value **outputs) {
  RunContextPool::Lease ctx(contexts);
  validateFeeds(signature, inputNames, inputs, numFeeds, checkSymbolicDims,
                ctx->byInput);
  checkStringInputs(signature, ctx->byInput);
  resolveOutputs(signature, outputNames, numRequested, ctx->outputIndices);
  if (!outputs)
    fail(KILN_INVALID_ARGUMENT, "outputs must not be NULL");
  for (size_t o = 0; o < numRequested; ++o)
    if (outputs[o]) {
      validatePreallocatedOutputType(signature, ctx->outputIndices[o],
                                     *outputs[o]);
      rejectPreallocatedString(*outputs[o]);
    }

  // args[0] -> result block, args[1 + i] -> descriptor of input i.
  const uint32_t numInputs = signature.numInputs;
  const uint32_t numOutputs = signature.numOutputs;
  size_t inputWords = 0;
  for (uint32_t i = 0; i < numInputs; ++i)
    inputWords += descriptorWords(signature.inputs[i].rank);
  ctx->inputWords.resize(inputWords);
  ctx->args.resize(1 + numInputs);
  size_t pos = 0;
  ctx->unpackedInputs.resize(numInputs);
  for (uint32_t i = 0; i < numInputs; ++i) {
    const kiln_value &input = *ctx->byInput[i];
    writeInputDescriptor(&ctx->inputWords[pos], input);
    if (isPackedElemType(input.elemType)) {
      // The artifact takes one byte per element (kiln_elem_types.def).
      std::vector<uint8_t> &bytes = ctx->unpackedInputs[i];
      bytes.resize(static_cast<size_t>(input.elementCount) + 1);
      unpackElements(input.elemType, input.data,
                     static_cast<size_t>(input.elementCount), bytes.data());
      auto word = static_cast<int64_t>(reinterpret_cast<uintptr_t>(
          bytes.data()));
      ctx->inputWords[pos] = ctx->inputWords[pos + 1] = word;
    }
    ctx->args[1 + i] = &ctx->inputWords[pos];
    pos += descriptorWords(signature.inputs[i].rank);
  }
  ctx->resultOffsets.resize(numOutputs);
  size_t resultWords = 0;
  for (uint32_t k = 0; k < numOutputs; ++k) {
    ctx->resultOffsets[k] = resultWords;
    resultWords += descriptorWords(signature.outputs[k].rank);
  }
  ctx->resultWords.assign(resultWords, 0);
  ctx->args[0] = ctx->resultWords.data();

  EndRunGuard endRun{ctx->arena};
  bindRunContext(*ctx, threads);
  if (profiler)
    profiler->beginRun(*ctx);
  const bool allocated = callEntry(*ctx, artifact().entry, ctx->args.data());
  if (profiler)
    profiler->endRun(*ctx);
  if (!allocated)
    fail(KILN_FAIL, "Failed to allocate memory for requested buffer of size " +
                        std::to_string(ctx->failedBytes.load()) +
                        " (a tensor the model computes: out of memory, or a "
                        "shape no machine can hold)");

  // Copy out every requested output before publishing any, so that a failure
  // leaves the caller's NULL slots untouched.
  std::vector<std::unique_ptr<kiln_value>> created(numRequested);
  for (size_t o = 0; o < numRequested; ++o) {
    uint32_t k = ctx->outputIndices[o];
    const kiln_tensor_info_t &info = signature.outputs[k];
    DescriptorView view(&ctx->resultWords[ctx->resultOffsets[k]], info.rank);
    checkProducedOutput(info, view);
    kiln_value *dst = outputs[o];
    if (dst) {
      checkPreallocatedShape(*dst, view);
    } else {
      // An output that is a whole dense block of the run's arena leaves the
      // run as it is, without a copy: the arena takes a new block in its
      // slot when a later run needs one. (Small ones are copied: the same
      // one allocation either way.)
      size_t elemSize = elemTypeSize(info.elem_type);
      if (info.elem_type != KILN_ELEM_STRING &&
          !isPackedElemType(info.elem_type) && view.offset() == 0 &&
          view.aligned() == view.allocated() && isDenseRowMajor(view) &&
          denseBytes(view, elemSize) >= kAdoptMinBytes) {
        uint64_t blockSize = 0, blockAlignment = 0;
        if (void *block = ctx->arena.detach(view.allocated(), blockSize,
                                            blockAlignment)) {
          try {
            created[o].reset(adoptTensor(info.elem_type, view.sizes(),
                                         static_cast<size_t>(info.rank),
                                         block));
          } catch (...) {
            std::free(block);
            throw;
          }
          // Released, the block goes back for the next run's output.
          created[o]->recycler = ctx->arena.recycler();
          created[o]->blockSize = blockSize;
          created[o]->blockAlignment = blockAlignment;
          continue;
        }
      }
      created[o].reset(createOwningTensor(info.elem_type, view.sizes(),
                                          static_cast<size_t>(info.rank),
                                          /*zeroFill=*/false));
      dst = created[o].get();
    }
    if (isPackedElemType(info.elem_type)) {
      // One byte per element in the artifact, packed in the value.
      size_t count = static_cast<size_t>(dst->elementCount);
      std::vector<uint8_t> bytes(count + 1);
      copyToDense(view, 1, bytes.data());
      packElements(info.elem_type, bytes.data(), count, dst->data);
    } else {
      copyToDense(view, elemTypeSize(info.elem_type), dst->data);
    }
    // Strings point into the arena, which is reset when the run ends.
    if (info.elem_type == KILN_ELEM_STRING)
      ownStrings(*dst);
  }
  for (size_t o = 0; o < numRequested; ++o)
    if (!outputs[o])
      outputs[o] = created[o].release();
}

namespace {

const kiln_session &requireSession(const kiln_session *session) {
  if (!session)
    fail(KILN_INVALID_ARGUMENT, "session is NULL");
  return *session;
}

template <typename T> T &requireOut(T *out) {
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  return *out;
}

const kiln_tensor_info_t &inputInfo(const kiln_session *session, size_t index) {
  const IoSignature &sig = requireSession(session).signature;
  if (index >= sig.numInputs)
    fail(KILN_INVALID_ARGUMENT, "input index " + std::to_string(index) +
                                    " is out of range (the model has " +
                                    std::to_string(sig.numInputs) + " inputs)");
  return sig.inputs[index];
}

const kiln_tensor_info_t &outputInfo(const kiln_session *session,
                                     size_t index) {
  const IoSignature &sig = requireSession(session).signature;
  if (index >= sig.numOutputs)
    fail(KILN_INVALID_ARGUMENT, "output index " + std::to_string(index) +
                                    " is out of range (the model has " +
                                    std::to_string(sig.numOutputs) +
                                    " outputs)");
  return sig.outputs[index];
}

// An artifact may leave dim_params NULL; callers always get `rank` strings
// (the loader caps ranks at 1024).
const char *const *dimParamsOf(const kiln_tensor_info_t &info) {
  if (info.dim_params)
    return info.dim_params;
  static const std::vector<const char *> empties(1024, "");
  return empties.data();
}

} // namespace

extern "C" {

kiln_status *kiln_session_create(const char *so_path,
                                 const kiln_session_options *options,
                                 kiln_session **out) {
  KILN_API_BEGIN
  requireOut(out) = nullptr;
  if (!so_path)
    fail(KILN_INVALID_ARGUMENT, "model path is NULL");
  kiln_session_options opts = options ? *options : kiln_session_options();
  // An .onnx model is compiled (through the compiler library, cached) and
  // its artifact opened; anything else is opened as an artifact.
  std::string artifact = artifactForModel(so_path, opts);
  std::unique_ptr<LoadedArtifact> loaded;
  try {
    loaded = LoadedArtifact::load(artifact);
  } catch (const KilnError &e) {
    if (artifact == so_path || e.code() != KILN_INVALID_GRAPH)
      throw;
    // A damaged cache entry is rebuilt, not loaded.
    ::unlink(artifact.c_str());
    loaded = LoadedArtifact::load(artifactForModel(so_path, opts));
  }
  *out = new kiln_session(std::move(loaded), opts);
  KILN_API_END
}

kiln_status *kiln_session_create_from_bytes(const void *data, size_t size,
                                            const kiln_session_options *options,
                                            kiln_session **out) {
  KILN_API_BEGIN
  requireOut(out) = nullptr;
  auto loaded = loadArtifactFromBytes(data, size);
  *out = new kiln_session(std::move(loaded),
                          options ? *options : kiln_session_options());
  KILN_API_END
}

kiln_status *kiln_session_create_from_artifact(
    const kiln_artifact_t *artifact, const char *name,
    const kiln_session_options *options, kiln_session **out) {
  KILN_API_BEGIN
  requireOut(out) = nullptr;
  std::string label = std::string("linked-in model '") +
                      (name && *name ? name : "?") + "'";
  auto loaded = LoadedArtifact::fromDescriptor(artifact, label);
  *out = new kiln_session(std::move(loaded),
                          options ? *options : kiln_session_options());
  KILN_API_END
}

void kiln_session_release(kiln_session *session) { delete session; }

kiln_status *kiln_session_get_input_count(const kiln_session *session,
                                          size_t *out) {
  KILN_API_BEGIN
  requireOut(out) = requireSession(session).signature.numInputs;
  KILN_API_END
}

kiln_status *kiln_session_get_output_count(const kiln_session *session,
                                           size_t *out) {
  KILN_API_BEGIN
  requireOut(out) = requireSession(session).signature.numOutputs;
  KILN_API_END
}

kiln_status *kiln_session_get_input_name(const kiln_session *session,
                                         size_t index, const char **out) {
  KILN_API_BEGIN
  requireOut(out) = inputInfo(session, index).name;
  KILN_API_END
}

kiln_status *kiln_session_get_output_name(const kiln_session *session,
                                          size_t index, const char **out) {
  KILN_API_BEGIN
  requireOut(out) = outputInfo(session, index).name;
  KILN_API_END
}

kiln_status *kiln_session_get_input_elem_type(const kiln_session *session,
                                              size_t index, int32_t *out) {
  KILN_API_BEGIN
  requireOut(out) = inputInfo(session, index).elem_type;
  KILN_API_END
}

kiln_status *kiln_session_get_output_elem_type(const kiln_session *session,
                                               size_t index, int32_t *out) {
  KILN_API_BEGIN
  requireOut(out) = outputInfo(session, index).elem_type;
  KILN_API_END
}

kiln_status *kiln_session_get_input_rank(const kiln_session *session,
                                         size_t index, size_t *out) {
  KILN_API_BEGIN
  requireOut(out) = static_cast<size_t>(inputInfo(session, index).rank);
  KILN_API_END
}

kiln_status *kiln_session_get_output_rank(const kiln_session *session,
                                          size_t index, size_t *out) {
  KILN_API_BEGIN
  requireOut(out) = static_cast<size_t>(outputInfo(session, index).rank);
  KILN_API_END
}

kiln_status *kiln_session_get_input_dims(const kiln_session *session,
                                         size_t index, const int64_t **out) {
  KILN_API_BEGIN
  requireOut(out) = inputInfo(session, index).dims;
  KILN_API_END
}

kiln_status *kiln_session_get_output_dims(const kiln_session *session,
                                          size_t index, const int64_t **out) {
  KILN_API_BEGIN
  requireOut(out) = outputInfo(session, index).dims;
  KILN_API_END
}

kiln_status *kiln_session_get_input_dim_params(const kiln_session *session,
                                               size_t index,
                                               const char *const **out) {
  KILN_API_BEGIN
  requireOut(out) = dimParamsOf(inputInfo(session, index));
  KILN_API_END
}

kiln_status *kiln_session_get_output_dim_params(const kiln_session *session,
                                                size_t index,
                                                const char *const **out) {
  KILN_API_BEGIN
  requireOut(out) = dimParamsOf(outputInfo(session, index));
  KILN_API_END
}

kiln_status *kiln_session_get_metadata_count(const kiln_session *session,
                                             size_t *out) {
  KILN_API_BEGIN
  requireOut(out) = requireSession(session).metadata.size();
  KILN_API_END
}

kiln_status *kiln_session_get_metadata_entry(const kiln_session *session,
                                             size_t index, const char **key,
                                             const char **value) {
  KILN_API_BEGIN
  const auto &metadata = requireSession(session).metadata;
  if (!key || !value)
    fail(KILN_INVALID_ARGUMENT, "key and value must not be NULL");
  if (index >= metadata.size())
    fail(KILN_INVALID_ARGUMENT,
         "metadata index " + std::to_string(index) + " is out of range");
  *key = metadata[index].first;
  *value = metadata[index].second;
  KILN_API_END
}

kiln_status *kiln_session_lookup_metadata(const kiln_session *session,
                                          const char *key, const char **value) {
  KILN_API_BEGIN
  const auto &metadata = requireSession(session).metadata;
  if (!key)
    fail(KILN_INVALID_ARGUMENT, "key is NULL");
  requireOut(value) = nullptr;
  for (const auto &entry : metadata)
    if (std::strcmp(entry.first, key) == 0) {
      *value = entry.second;
      break;
    }
  KILN_API_END
}

kiln_status *kiln_session_get_target_cpu(const kiln_session *session,
                                         const char **cpu,
                                         const char **features) {
  KILN_API_BEGIN
  const kiln_artifact_t &a = requireSession(session).artifact();
  requireOut(cpu) = a.cpu_name ? a.cpu_name : "";
  requireOut(features) = a.cpu_features ? a.cpu_features : "";
  KILN_API_END
}

kiln_status *kiln_session_get_compiler_version(const kiln_session *session,
                                               const char **out) {
  KILN_API_BEGIN
  const char *version = requireSession(session).artifact().compiler_version;
  requireOut(out) = version ? version : "";
  KILN_API_END
}

kiln_status *kiln_session_get_provider(const kiln_session *session,
                                       uint32_t *out) {
  KILN_API_BEGIN
  requireOut(out) = requireSession(session).artifact().provider;
  KILN_API_END
}

kiln_status *kiln_session_run(kiln_session *session,
                              const char *const *input_names,
                              const kiln_value *const *inputs, size_t n_in,
                              const char *const *output_names, size_t n_out,
                              kiln_value **outputs) {
  KILN_API_BEGIN
  if (!session)
    fail(KILN_INVALID_ARGUMENT, "session is NULL");
  session->run(input_names, inputs, n_in, output_names, n_out, outputs);
  KILN_API_END
}

kiln_status *kiln_internal_session_arena_stats(const kiln_session *session,
                                               kiln_arena_stats *out) {
  KILN_API_BEGIN
  kiln_arena_stats &result = requireOut(out);
  size_t contexts = 0, busy = 0;
  ArenaStats s = requireSession(session).contexts.idleStats(contexts, busy);
  result.reserved_bytes = s.reservedBytes;
  result.block_count = s.blockCount;
  result.live_bytes = s.liveBytes;
  result.peak_live_bytes = s.peakLiveBytes;
  result.system_allocations = s.systemAllocations;
  result.system_frees = s.systemFrees;
  result.allocations = s.allocations;
  result.arena_count = contexts;
  result.busy_arenas = busy;
  result.handed_over = s.handedOver;
  result.recycled = s.recycled;
  KILN_API_END
}

kiln_status *kiln_session_get_intra_op_num_threads(const kiln_session *session,
                                                   int32_t *out) {
  KILN_API_BEGIN
  requireOut(out) = requireSession(session).threads.numThreads();
  KILN_API_END
}

kiln_status *kiln_internal_session_thread_stats(const kiln_session *session,
                                                kiln_thread_stats *out) {
  KILN_API_BEGIN
  kiln_thread_stats &result = requireOut(out);
  const ThreadPool &pool = requireSession(session).threads;
  ThreadPoolStats s = pool.stats();
  result.pool_threads = static_cast<uint64_t>(pool.numThreads());
  result.parallel_loops = s.parallelLoops;
  result.inline_loops = s.inlineLoops;
  result.chunks = s.chunks;
  result.worker_chunks = s.workerChunks;
  result.max_participants = s.maxParticipants;
  KILN_API_END
}

const char *kiln_runtime_version(void) { return KILN_RUNTIME_VERSION; }

uint32_t kiln_runtime_abi_version(void) { return KILN_ABI_VERSION; }

} // extern "C"
