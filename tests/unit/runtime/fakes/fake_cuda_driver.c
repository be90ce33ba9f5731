/*===- fake_cuda_driver.c - A CUDA driver without a GPU, for the tests ----===*
 *
 * Built as libcuda.so.1 in a directory of its own: a test that puts the
 * directory first in LD_LIBRARY_PATH has the runtime's dlopen find it. It
 * implements the driver calls the runtime makes, with host memory as
 * "device" memory, and records what it is asked in a log the test reads
 * (fake_cuda_log, through dlsym on the same library): modules loaded and
 * for which chip, launches with every parameter word, copies, waits.
 *
 * Artifacts compiled with kiln-compile --cuda-host-kernels run for real:
 * their exported table kiln_host_kernels pairs each PTX text with a host
 * copy of its kernel, which a launch calls for every block and thread.
 * A kernel whose threads wait for each other (barriers, warp shuffles,
 * shared memory) runs each block's threads as fibers (see runFibers).
 * A kernel named "fake_add_constant" runs for real too: y[i] = x[i] + c[i]
 * over its 1-D grid, with the parameters of three rank-1 f32 memrefs
 * (x, c, y) and the count n, so that a test checks the whole path (inputs
 * copied to device memory, constants uploaded and their pointers
 * translated, outputs copied back) by the numbers. Every pointer parameter
 * of a launch must point into memory this driver handed out; a host
 * pointer fails the launch (CUDA_ERROR_ILLEGAL_ADDRESS). Managed memory
 * comes poisoned with NaN (see allocate).
 *
 * Environment: FAKE_CUDA_DEVICES (default 1), FAKE_CUDA_CC (compute
 * capability as "86", default "80"), FAKE_CUDA_LOG_FILE (the log, written
 * at exit), FAKE_CUDA_SKIP_BARRIERS=1 (every gpu.barrier returns at once:
 * the tests show that a kernel which needs its barriers then fails),
 * FAKE_CUDA_MMA_SWAP_A=1 (mma.sync reads each lane's A fragment in
 * another order, a0 as a3, a1 as a2 and so on: the tests show that a
 * kernel whose fragments are not laid out as the PTX ISA says fails).
 *
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <sys/mman.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#define EXPORT __attribute__((visibility("default")))

typedef int CUresult;
enum {
  OK = 0,
  INVALID_VALUE = 1,
  OUT_OF_MEMORY = 2,
  NOT_INITIALIZED = 3,
  INVALID_DEVICE = 101,
  INVALID_IMAGE = 200,
  NOT_FOUND = 500,
  ILLEGAL_ADDRESS = 700,
  LAUNCH_FAILED = 719,
};

static char logText[1 << 20];
static size_t logSize;
static int initialized;

static void note(const char *format, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
/* Runs of one session may call from several threads: one lock for the
 * log and the allocation table. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void note(const char *format, ...) {
  va_list args;
  va_start(args, format);
  pthread_mutex_lock(&lock);
  int n = vsnprintf(logText + logSize, sizeof(logText) - logSize, format, args);
  if (n > 0 && logSize + (size_t)n < sizeof(logText))
    logSize += (size_t)n;
  pthread_mutex_unlock(&lock);
  va_end(args);
}

/* FAKE_CUDA_LOG_FILE: where the log goes when the process exits, for
 * tests that run a tool (kiln-run) rather than call the runtime. */
__attribute__((destructor)) static void writeLogFile(void) {
  const char *path = getenv("FAKE_CUDA_LOG_FILE");
  FILE *f = path ? fopen(path, "w") : NULL;
  if (!f)
    return;
  fwrite(logText, 1, logSize, f);
  fclose(f);
}

/* What the test reads and clears. */
EXPORT const char *fake_cuda_log(void) { return logText; }
EXPORT void fake_cuda_clear_log(void) {
  pthread_mutex_lock(&lock);
  logSize = 0;
  logText[0] = 0;
  pthread_mutex_unlock(&lock);
}

/* Allocations: [begin, end) ranges, to tell device pointers from host. */
typedef struct Allocation {
  uintptr_t begin, end;
  int managed;
} Allocation;
static Allocation allocations[4096];
static int numAllocations;
static uint64_t managedBytes;

EXPORT uint64_t fake_cuda_managed_bytes(void) { return managedBytes; }

/* 1 + whether the allocation holding `p` is managed, or 0 when none does. */
static int findAllocation(uintptr_t p) {
  int found = 0;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < numAllocations && !found; ++i)
    if (p >= allocations[i].begin && p < allocations[i].end)
      found = 1 + allocations[i].managed;
  pthread_mutex_unlock(&lock);
  return found;
}

static int isDevicePointer(uintptr_t p) { return findAllocation(p) != 0; }

static size_t pages(size_t bytes) { return (bytes + 4095) & ~(size_t)4095; }

/* Device memory (cuMemAlloc: the runtime's copies of constants) is mapped
 * pages of its own, made read-only once copied; managed memory is heap,
 * poisoned: every byte 0xff, a NaN in every float type (and -1 in every
 * integer one), so a kernel or host schedule that reads a buffer before
 * writing it gives NaN from the first run, not only when a later run finds
 * what an earlier one left in the runtime's arena. */
static CUresult allocate(unsigned long long *out, size_t bytes, int managed) {
  void *p = NULL;
  if (managed) {
    if (posix_memalign(&p, 256, bytes ? bytes : 1) != 0)
      return OUT_OF_MEMORY;
    memset(p, 0xff, bytes);
  } else {
    p = mmap(NULL, pages(bytes ? bytes : 1), PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
      return OUT_OF_MEMORY;
  }
  pthread_mutex_lock(&lock);
  CUresult result = OUT_OF_MEMORY;
  if (numAllocations < 4096) {
    allocations[numAllocations++] =
        (Allocation){(uintptr_t)p, (uintptr_t)p + bytes, managed};
    if (managed)
      managedBytes += bytes;
    result = OK;
  }
  pthread_mutex_unlock(&lock);
  if (result != OK) {
    if (managed)
      free(p);
    else
      munmap(p, pages(bytes ? bytes : 1));
  }
  *out = (unsigned long long)(uintptr_t)p;
  return result;
}

EXPORT CUresult cuInit(unsigned flags) {
  (void)flags;
  initialized = 1;
  note("init\n");
  return OK;
}

EXPORT CUresult cuDriverGetVersion(int *v) {
  *v = 13000;
  return OK;
}

static int deviceCount(void) {
  const char *n = getenv("FAKE_CUDA_DEVICES");
  return n ? atoi(n) : 1;
}

EXPORT CUresult cuDeviceGetCount(int *count) {
  if (!initialized)
    return NOT_INITIALIZED;
  *count = deviceCount();
  return OK;
}

EXPORT CUresult cuDeviceGet(int *device, int ordinal) {
  if (ordinal < 0 || ordinal >= deviceCount())
    return INVALID_DEVICE;
  *device = ordinal;
  return OK;
}

EXPORT CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
  (void)device;
  const char *cc = getenv("FAKE_CUDA_CC");
  int number = cc ? atoi(cc) : 80;
  switch (attribute) {
  case 75: /* COMPUTE_CAPABILITY_MAJOR */
    *value = number / 10;
    return OK;
  case 76: /* COMPUTE_CAPABILITY_MINOR */
    *value = number % 10;
    return OK;
  case 83: /* MANAGED_MEMORY */
  case 89: /* CONCURRENT_MANAGED_ACCESS */
    *value = 1;
    return OK;
  default:
    *value = 0;
    return OK;
  }
}

EXPORT CUresult cuDeviceGetName(char *name, int length, int device) {
  snprintf(name, (size_t)length, "Fake GPU %d", device);
  return OK;
}

static int contextToken;
EXPORT CUresult cuDevicePrimaryCtxRetain(void **context, int device) {
  note("retain %d\n", device);
  *context = &contextToken;
  return OK;
}

EXPORT CUresult cuDevicePrimaryCtxRelease_v2(int device) {
  note("release %d\n", device);
  return OK;
}

EXPORT CUresult cuCtxSetCurrent(void *context) {
  return context == &contextToken ? OK : INVALID_VALUE;
}

/* A module: the chip of its PTX (".target sm_XX") and its text, in which
 * cuModuleGetFunction finds ".entry <name>(" and counts the ".param"s up
 * to the closing parenthesis: the number of words a launch passes. */
typedef void (*HostKernel)(void **params, const int64_t *ids);
/* HostKernelEntry.flags: the kernel's threads wait for each other. */
enum { HOST_KERNEL_FIBERS = 1 };
typedef struct Module {
  char target[32];
  char *text;
  const void *image;
  /* The artifact's host copy of this module's kernel, if it has one. */
  HostKernel host;
  uint64_t hostFlags;
  int ambiguous;
} Module;
typedef struct Function {
  char name[128];
  int numParams;
  HostKernel host;
  uint64_t hostFlags;
} Function;

/* kiln_host_kernels of a loaded artifact: { PTX text, host copy, flags },
 * ending with nulls. */
typedef struct HostKernelEntry {
  const char *text;
  HostKernel host;
  uint64_t flags;
} HostKernelEntry;

/* The text's address is the key: two entries of one text with different
 * host copies cannot tell which kernel is being loaded, and the module is
 * refused rather than run with another kernel's copy. */
static int findHostKernel(struct dl_phdr_info *info, size_t size,
                          void *data) {
  (void)size;
  Module *m = data;
  if (!info->dlpi_name || !info->dlpi_name[0])
    return 0;
  void *handle = dlopen(info->dlpi_name, RTLD_NOLOAD | RTLD_LAZY);
  if (!handle)
    return 0;
  const HostKernelEntry *entry = dlsym(handle, "kiln_host_kernels");
  for (; entry && entry->text; ++entry) {
    if (entry->text != (const char *)m->image)
      continue;
    if (m->host && m->host != entry->host)
      m->ambiguous = 1;
    m->host = entry->host;
    m->hostFlags = entry->flags;
  }
  dlclose(handle);
  return m->host != NULL;
}

/* Writes `message` into the JIT error log the caller passed, if any. */
static void jitError(unsigned numOptions, const int *options, void **values,
                     const char *message) {
  char *log = NULL;
  size_t size = 0;
  for (unsigned i = 0; i < numOptions; ++i) {
    if (options[i] == 5) /* CU_JIT_ERROR_LOG_BUFFER */
      log = values[i];
    else if (options[i] == 6) /* CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES */
      size = (size_t)(uintptr_t)values[i];
  }
  if (log && size)
    snprintf(log, size, "%s", message);
  note("error: %s\n", message);
}

EXPORT CUresult cuModuleLoadDataEx(void **module, const void *image,
                                   unsigned numOptions, int *options,
                                   void **values) {
  Module *m = calloc(1, sizeof(Module));
  const char *text = image;
  const char *target = strstr(text, ".target ");
  if (!target) {
    free(m);
    note("error: module without .target\n");
    return 218; /* CUDA_ERROR_INVALID_PTX */
  }
  sscanf(target + 8, "%31[a-z_0-9]", m->target);
  m->text = strdup(text);
  m->image = image;
  dl_iterate_phdr(findHostKernel, m);
  if (m->ambiguous) {
    jitError(numOptions, options, values,
             "kiln_host_kernels pairs this PTX text with several host "
             "copies");
    free(m->text);
    free(m);
    return INVALID_IMAGE;
  }
  note("load %s%s\n", m->target, m->host ? " (host copy)" : "");
  *module = m;
  return OK;
}

EXPORT CUresult cuModuleGetFunction(void **function, void *module,
                                    const char *name) {
  Module *m = module;
  char entry[160];
  snprintf(entry, sizeof(entry), ".entry %s(", name);
  const char *at = strstr(m->text, entry);
  if (!at) {
    note("error: no function %s\n", name);
    return NOT_FOUND;
  }
  const char *end = strchr(at, ')');
  int count = 0;
  for (const char *p = strstr(at, ".param"); p && p < end;
       p = strstr(p + 6, ".param"))
    ++count;
  Function *f = calloc(1, sizeof(Function));
  snprintf(f->name, sizeof(f->name), "%s", name);
  f->numParams = count;
  f->host = m->host;
  f->hostFlags = m->hostFlags;
  *function = f;
  return OK;
}

EXPORT CUresult cuModuleUnload(void *module) {
  Module *m = module;
  free(m->text);
  free(m);
  note("unload\n");
  return OK;
}

/* y[i] = x[i] + c[i]: params x (5 words), c (5), y (5), n (1). */
static CUresult addConstant(const Function *f, unsigned blocks,
                            unsigned threads, void **params) {
  if (f->numParams != 16)
    return INVALID_VALUE;
  const float *x = *(float **)params[1];
  int64_t xOffset = *(int64_t *)params[2];
  const float *c = *(float **)params[6];
  int64_t cOffset = *(int64_t *)params[7];
  float *y = *(float **)params[11];
  int64_t yOffset = *(int64_t *)params[12];
  int64_t n = *(int64_t *)params[15];
  for (int k = 0; k < 3; ++k)
    if (!isDevicePointer(*(uintptr_t *)params[5 * k + 1])) {
      note("error: parameter %d is a host pointer\n", 5 * k + 1);
      return ILLEGAL_ADDRESS;
    }
  for (int64_t i = 0; i < n && i < (int64_t)blocks * threads; ++i)
    y[yOffset + i] = x[xOffset + i] + c[cOffset + i];
  return OK;
}

/* Kernels whose threads wait for each other run a block at a time, each of
 * its threads a fiber (makecontext/swapcontext) on a stack of its own. A
 * fiber runs until it calls the driver at a barrier or shuffle (or ends),
 * then the next ready one runs; when none is ready, the waiting threads
 * are released: a warp whose live threads all wait at a warp step, else
 * the block when every thread waits at its barrier. Anything else (a
 * thread that ended or waits elsewhere while others wait at a barrier) is
 * a deadlock on a GPU too, and fails the launch. The host copy reaches the
 * driver through the block (HostBlock, at ids[12]; GpuHostKernels.cpp
 * writes its calls against the same layout), and reads its workgroup
 * memory from a buffer of 48 KiB (plus the launch's dynamic shared bytes)
 * described at ids[13..17] as a memref<?xi8>, poisoned with 0xff for
 * every block like managed memory, so that a value read before its writer
 * ran is NaN. Warp shuffles go through one slot per thread: each lane
 * writes its value, the warp waits, each reads its source lane's slot, the
 * warp waits again before any slot is reused. A warp's mma.sync works the
 * same way with the addresses of each lane's fragments (fiberMma). */
typedef struct HostBlock HostBlock;
struct HostBlock {
  void (*barrier)(HostBlock *);
  uint64_t (*shuffle)(HostBlock *, uint64_t value, int32_t offset,
                      int32_t width, int32_t mode);
  int32_t valid;
  void (*mma)(HostBlock *, int32_t kind, const void *a, const void *b,
              const void *c, void *d);
};

/* A fiber's saved context. On x86-64 a stack pointer, switched by a few
 * instructions (kilnFakeFiberSwitch below): glibc's swapcontext saves and
 * restores the signal mask with a system call on every switch, and with a
 * switch per thread per barrier a convolution in shared-memory tiles made
 * millions of them (light_zfnet512 ran past the conformance runner's 300 s
 * on a VM whose system calls are slow, in swapcontext 80% of its time).
 * Elsewhere ucontext. */
#if defined(__x86_64__)
typedef struct {
  void *sp;
} FiberContext;
/* Saves the callee-saved registers, MXCSR and the x87 control word on the
 * current stack and its pointer in *from, then resumes `to`. */
void kilnFakeFiberSwitch(void **from, void *to);
__asm__(".text\n"
        ".p2align 4\n"
        ".type kilnFakeFiberSwitch, @function\n"
        "kilnFakeFiberSwitch:\n"
        "  pushq %rbp\n"
        "  pushq %rbx\n"
        "  pushq %r12\n"
        "  pushq %r13\n"
        "  pushq %r14\n"
        "  pushq %r15\n"
        "  subq $8, %rsp\n"
        "  stmxcsr (%rsp)\n"
        "  fnstcw 4(%rsp)\n"
        "  movq %rsp, (%rdi)\n"
        "  movq %rsi, %rsp\n"
        "  ldmxcsr (%rsp)\n"
        "  fldcw 4(%rsp)\n"
        "  addq $8, %rsp\n"
        "  popq %r15\n"
        "  popq %r14\n"
        "  popq %r13\n"
        "  popq %r12\n"
        "  popq %rbx\n"
        "  popq %rbp\n"
        "  ret\n"
        ".size kilnFakeFiberSwitch, .-kilnFakeFiberSwitch\n");
/* Where a new fiber's first switch returns to: it calls fiberMain (below)
 * with the stack aligned as for a call. */
void kilnFakeFiberEntry(void);
__asm__(".text\n"
        ".p2align 4\n"
        ".type kilnFakeFiberEntry, @function\n"
        "kilnFakeFiberEntry:\n"
        "  subq $8, %rsp\n"
        "  call fiberMain\n"
        "  ud2\n"
        ".size kilnFakeFiberEntry, .-kilnFakeFiberEntry\n");
#else
typedef ucontext_t FiberContext;
#endif

enum { FIBER_READY, FIBER_AT_BARRIER, FIBER_AT_WARP_STEP, FIBER_DONE };
enum { MAX_THREADS = 1024, WARP = 32, WORKGROUP_BYTES = 48 * 1024 };
enum { FIBER_STACK = 256 * 1024 };

typedef struct Fiber {
  FiberContext context;
  int64_t ids[18];
  int state;
} Fiber;

/* The block this OS thread runs (runs of a session launch from several
 * threads at once). */
typedef struct FiberBlock {
  HostBlock block; /* first: the host copy's pointer is the FiberBlock's */
  FiberContext scheduler;
  Fiber fibers[MAX_THREADS];
  uint64_t slots[MAX_THREADS];
  const void *mmaSlots[MAX_THREADS][2]; /* each lane's A and B fragments */
  unsigned numFibers, current;
  int failed; /* a warp op the block cannot do: the launch fails */
  HostKernel host;
  void **params;
  int skipBarriers;
} FiberBlock;

static __thread FiberBlock *fiberBlock;
static __thread char *fiberStacks;

/* Switches from context `from` to `to`. */
static void fiberSwap(FiberContext *from, FiberContext *to) {
#if defined(__x86_64__)
  kilnFakeFiberSwitch(&from->sp, to->sp);
#else
  swapcontext(from, to);
#endif
}

/* `used`: on x86-64 only kilnFakeFiberEntry's assembly calls it, by this
 * name and with the usual convention. */
__attribute__((used)) static void fiberMain(void) {
  FiberBlock *b = fiberBlock;
  Fiber *f = &b->fibers[b->current];
  b->host(b->params, f->ids);
  f->state = FIBER_DONE;
#if defined(__x86_64__)
  /* Never resumed: the scheduler makes the next block's fibers anew. */
  fiberSwap(&f->context, &b->scheduler);
  abort();
#endif
  /* Returning resumes uc_link: the scheduler. */
}

/* Makes `c` a fiber that runs fiberMain on `stack` (`bytes` long), and
 * returns to the scheduler when it ends. */
static void fiberMake(FiberBlock *b, FiberContext *c, char *stack,
                      size_t bytes) {
#if defined(__x86_64__)
  (void)b;
  /* What kilnFakeFiberSwitch pops: MXCSR and the control word, six
   * registers, then the return address; kilnFakeFiberEntry then finds
   * the stack as a function does after a call (8 mod 16). */
  uintptr_t top = ((uintptr_t)(stack + bytes) & ~(uintptr_t)15) - 8;
  uint64_t *sp = (uint64_t *)top;
  *--sp = (uint64_t)(uintptr_t)kilnFakeFiberEntry;
  for (int r = 0; r < 6; ++r)
    *--sp = 0;
  uint32_t csr[2] = {0, 0};
  __asm__ volatile("stmxcsr %0" : "=m"(csr[0]));
  __asm__ volatile("fnstcw %0" : "=m"(*(uint16_t *)&csr[1]));
  --sp;
  memcpy(sp, csr, sizeof csr);
  c->sp = sp;
#else
  getcontext(c);
  c->uc_stack.ss_sp = stack;
  c->uc_stack.ss_size = bytes;
  c->uc_link = &b->scheduler;
  makecontext(c, fiberMain, 0);
#endif
}

/* The running fiber waits in `state` until the scheduler releases it. */
static void fiberWait(FiberBlock *b, int state) {
  Fiber *f = &b->fibers[b->current];
  f->state = state;
  fiberSwap(&f->context, &b->scheduler);
}

static void fiberBarrier(HostBlock *block) {
  FiberBlock *b = (FiberBlock *)block;
  if (!b->skipBarriers)
    fiberWait(b, FIBER_AT_BARRIER);
}

/* gpu.shuffle: mode 0 xor, 1 down, 2 up, 3 idx (MLIR's ShuffleMode), over
 * segments of `width` lanes. A source lane outside the segment gives the
 * lane's own value and valid = 0, as shfl.sync does. */
static uint64_t fiberShuffle(HostBlock *block, uint64_t value, int32_t offset,
                             int32_t width, int32_t mode) {
  FiberBlock *b = (FiberBlock *)block;
  unsigned thread = b->current;
  unsigned lane = thread % WARP, first = thread - lane;
  b->slots[thread] = value;
  fiberWait(b, FIBER_AT_WARP_STEP);
  if (width <= 0 || width > WARP)
    width = WARP;
  int32_t base = (int32_t)lane / width * width, rel = (int32_t)lane - base;
  int32_t source = mode == 0   ? (rel ^ offset)
                   : mode == 1 ? rel + offset
                   : mode == 2 ? rel - offset
                               : offset;
  int valid = source >= 0 && source < width &&
              first + (unsigned)(base + source) < b->numFibers;
  uint64_t result = valid ? b->slots[first + (unsigned)(base + source)] : value;
  fiberWait(b, FIBER_AT_WARP_STEP);
  /* Read by the copy right after this returns, before it can switch. */
  block->valid = valid;
  return result;
}

/* The value of an IEEE half's bits. */
static float halfToFloat(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31, exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ff, bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else { /* subnormal: mantissa * 2^-24 */
    float value = (float)mantissa / 16777216.0f;
    return sign ? -value : value;
  }
  float value;
  memcpy(&value, &bits, sizeof(value));
  return value;
}

/* What the tensor cores read of a TF32 operand: its sign, exponent and top
 * 10 mantissa bits (the low 13 bits are ignored). */
static float tf32Value(float x) {
  uint32_t bits;
  memcpy(&bits, &x, sizeof(bits));
  bits &= 0xffffe000u;
  memcpy(&x, &bits, sizeof(x));
  return x;
}

/* mma.sync of a warp, per the PTX ISA's "Matrix Fragments for
 * mma.m16n8k8" (kind 0: .tf32 A and B, .f32 C and D) and "for
 * mma.m16n8k16" (kind 1: .f16 A and B, .f32 C and D). With
 * groupID = laneid >> 2 and threadID_in_group = laneid % 4 (g and t):
 *   m16n8k8 .tf32  A (16 x 8): a0..a3 at row g for a0, a2 and g + 8 for
 *                  a1, a3; col t for a0, a1 and t + 4 for a2, a3.
 *                  B (8 x 8): b0, b1 at row t, t + 4; col g.
 *   m16n8k16 .f16  A (16 x 16): a0..a7 at row g for a0, a1, a4, a5 and
 *                  g + 8 otherwise; col 2t + (i & 1), plus 8 for i >= 4.
 *                  B (16 x 8): b0..b3 at row 2t + (i & 1), plus 8 for
 *                  i >= 2; col g.
 *   C, D (16 x 8, .f32): c0..c3 at row g for c0, c1 and g + 8 for c2,
 *                  c3; col 2t + (i & 1).
 * Every lane publishes the addresses of its A and B fragments and waits
 * for the warp; each then builds A and B from all 32 lanes and computes
 * its own D elements (products exact in f32, summed in k order after C),
 * and the warp waits again before the fragments may change. A warp with
 * a lane missing fails the launch, as mma.sync needs all 32. */
static void fiberMma(HostBlock *block, int32_t kind, const void *a,
                     const void *b, const void *c, void *d) {
  FiberBlock *fb = (FiberBlock *)block;
  unsigned thread = fb->current;
  unsigned lane = thread % WARP, first = thread - lane;
  fb->mmaSlots[thread][0] = a;
  fb->mmaSlots[thread][1] = b;
  fiberWait(fb, FIBER_AT_WARP_STEP);
  const char *swap = getenv("FAKE_CUDA_MMA_SWAP_A");
  int swapA = swap && atoi(swap);
  int k = kind == 0 ? 8 : 16;
  float A[16][16], B[16][8];
  if (first + WARP > fb->numFibers || (kind != 0 && kind != 1)) {
    fb->failed = 1;
  } else {
    for (unsigned l = 0; l < WARP; ++l) {
      int g = (int)l >> 2, t = (int)l % 4;
      const void *fa = fb->mmaSlots[first + l][0];
      const void *fbk = fb->mmaSlots[first + l][1];
      for (int i = 0; i < k / 2; ++i) { /* 4 (tf32) or 8 (f16) elements */
        int source = swapA ? (i ^ 3) % (k / 2) : i;
        float value = kind == 0 ? tf32Value(((const float *)fa)[source])
                                : halfToFloat(((const uint16_t *)fa)[source]);
        int row = kind == 0 ? g + 8 * (i % 2) : g + 8 * (i / 2 % 2);
        int col = kind == 0 ? t + 4 * (i / 2) : 2 * t + (i & 1) + 8 * (i / 4);
        A[row][col] = value;
      }
      for (int i = 0; i < k / 4; ++i) { /* 2 (tf32) or 4 (f16) elements */
        float value = kind == 0 ? tf32Value(((const float *)fbk)[i])
                                : halfToFloat(((const uint16_t *)fbk)[i]);
        int row = kind == 0 ? t + 4 * i : 2 * t + (i & 1) + 8 * (i / 2);
        B[row][g] = value;
      }
    }
    int g = (int)lane >> 2, t = (int)lane % 4;
    for (int i = 0; i < 4; ++i) {
      int row = g + 8 * (i / 2), col = 2 * t + (i & 1);
      float sum = ((const float *)c)[i];
      for (int kk = 0; kk < k; ++kk)
        sum += A[row][kk] * B[kk][col];
      ((float *)d)[i] = sum;
    }
  }
  fiberWait(fb, FIBER_AT_WARP_STEP);
}

/* Releases the waiting threads that may go on: 1 if some were, 0 when the
 * block is done, -1 on a deadlock. */
static int releaseFibers(FiberBlock *b) {
  int released = 0, done = 1, allAtBarrier = 1;
  for (unsigned first = 0; first < b->numFibers; first += WARP) {
    unsigned end = first + WARP < b->numFibers ? first + WARP : b->numFibers;
    int stepping = 0, others = 0;
    for (unsigned t = first; t < end; ++t) {
      int state = b->fibers[t].state;
      stepping += state == FIBER_AT_WARP_STEP;
      others += state != FIBER_AT_WARP_STEP;
      done &= state == FIBER_DONE;
      allAtBarrier &= state == FIBER_AT_BARRIER;
    }
    if (stepping && !others) {
      for (unsigned t = first; t < end; ++t)
        b->fibers[t].state = FIBER_READY;
      released = 1;
    }
  }
  if (released)
    return 1;
  if (done)
    return 0;
  if (!allAtBarrier)
    return -1;
  for (unsigned t = 0; t < b->numFibers; ++t)
    b->fibers[t].state = FIBER_READY;
  return 1;
}

static CUresult runFibers(const Function *f, unsigned gx, unsigned gy,
                          unsigned gz, unsigned bx, unsigned by, unsigned bz,
                          unsigned shared, void **params) {
  unsigned threads = bx * by * bz;
  if (threads == 0 || threads > MAX_THREADS)
    return INVALID_VALUE;
  if (!fiberStacks) {
    void *stacks = mmap(NULL, (size_t)MAX_THREADS * FIBER_STACK,
                        PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (stacks == MAP_FAILED)
      return OUT_OF_MEMORY;
    fiberStacks = stacks;
  }
  FiberBlock *b = calloc(1, sizeof(FiberBlock));
  size_t workgroupBytes = (size_t)WORKGROUP_BYTES + shared;
  unsigned char *workgroup = NULL;
  if (!b || posix_memalign((void **)&workgroup, 256, workgroupBytes) != 0) {
    free(b);
    return OUT_OF_MEMORY;
  }
  b->block.barrier = fiberBarrier;
  b->block.shuffle = fiberShuffle;
  b->block.mma = fiberMma;
  b->numFibers = threads;
  b->host = f->host;
  b->params = params;
  const char *skip = getenv("FAKE_CUDA_SKIP_BARRIERS");
  b->skipBarriers = skip && atoi(skip);
  fiberBlock = b;
  CUresult result = OK;
  unsigned grid[3] = {gx, gy, gz};
  for (unsigned long long id = 0;
       result == OK && id < (unsigned long long)gx * gy * gz; ++id) {
    memset(workgroup, 0xff, workgroupBytes);
    for (unsigned t = 0; t < threads; ++t) {
      Fiber *fiber = &b->fibers[t];
      int64_t *ids = fiber->ids;
      ids[0] = (int64_t)(id % gx);
      ids[1] = (int64_t)(id / gx % gy);
      ids[2] = (int64_t)(id / gx / gy);
      ids[3] = t % bx;
      ids[4] = t / bx % by;
      ids[5] = t / bx / by;
      for (int d = 0; d < 3; ++d)
        ids[6 + d] = grid[d];
      ids[9] = bx;
      ids[10] = by;
      ids[11] = bz;
      ids[12] = (int64_t)(uintptr_t)&b->block;
      ids[13] = ids[14] = (int64_t)(uintptr_t)workgroup; /* memref<?xi8> */
      ids[15] = 0;
      ids[16] = (int64_t)workgroupBytes;
      ids[17] = 1;
      fiberMake(b, &fiber->context, fiberStacks + (size_t)t * FIBER_STACK,
                FIBER_STACK);
      fiber->state = FIBER_READY;
    }
    for (;;) {
      for (unsigned t = 0; t < threads; ++t)
        if (b->fibers[t].state == FIBER_READY) {
          b->current = t;
          fiberSwap(&b->scheduler, &b->fibers[t].context);
        }
      if (b->failed) {
        note("error: %s block %llu: mma.sync of a warp without all 32 "
             "lanes, or of an unknown shape\n",
             f->name, id);
        result = LAUNCH_FAILED;
        break;
      }
      int released = releaseFibers(b);
      if (released == 0)
        break;
      if (released < 0) {
        note("error: %s block %llu: threads wait at different barriers, or "
             "at a barrier that others left\n",
             f->name, id);
        result = LAUNCH_FAILED;
        break;
      }
    }
  }
  fiberBlock = NULL;
  free(workgroup);
  free(b);
  return result;
}

EXPORT CUresult cuLaunchKernel(void *function, unsigned gx, unsigned gy,
                               unsigned gz, unsigned bx, unsigned by,
                               unsigned bz, unsigned shared, void *stream,
                               void **params, void **extra) {
  (void)extra;
  Function *f = function;
  /* One note for the whole line: runs on other threads launch too. */
  char line[8192];
  int n = snprintf(line, sizeof(line),
                   "launch %s grid %u %u %u block %u %u %u shared %u stream "
                   "%p params",
                   f->name, gx, gy, gz, bx, by, bz, shared, stream);
  for (int i = 0; i < f->numParams && n > 0 && (size_t)n < sizeof(line);
       ++i)
    n += snprintf(line + n, sizeof(line) - (size_t)n, " %llu",
                  (unsigned long long)*(uint64_t *)params[i]);
  note("%s\n", line);
  if (strcmp(f->name, "fake_add_constant") == 0)
    return addConstant(f, gx, bx, params);
  if (f->host && (f->hostFlags & HOST_KERNEL_FIBERS))
    return runFibers(f, gx, gy, gz, bx, by, bz, shared, params);
  if (f->host) {
    /* Every thread of every block, one after the other: these threads
     * never wait for each other. */
    int64_t ids[12] = {0, 0, 0, 0, 0, 0, gx, gy, gz, bx, by, bz};
    for (ids[2] = 0; ids[2] < gz; ++ids[2])
      for (ids[1] = 0; ids[1] < gy; ++ids[1])
        for (ids[0] = 0; ids[0] < gx; ++ids[0])
          for (ids[5] = 0; ids[5] < bz; ++ids[5])
            for (ids[4] = 0; ids[4] < by; ++ids[4])
              for (ids[3] = 0; ids[3] < bx; ++ids[3])
                f->host(params, ids);
  }
  return OK;
}

EXPORT CUresult cuStreamCreate(void **stream, unsigned flags) {
  static int streams;
  pthread_mutex_lock(&lock);
  *stream = (void *)(uintptr_t)(0x1000 + ++streams);
  pthread_mutex_unlock(&lock);
  note("stream create %p flags %u\n", *stream, flags);
  return OK;
}

EXPORT CUresult cuStreamDestroy_v2(void *stream) {
  note("stream destroy %p\n", stream);
  return OK;
}

EXPORT CUresult cuStreamSynchronize(void *stream) {
  note("sync %p\n", stream);
  return OK;
}

EXPORT CUresult cuMemAlloc_v2(unsigned long long *ptr, size_t bytes) {
  note("alloc %zu\n", bytes);
  return allocate(ptr, bytes, 0);
}

EXPORT CUresult cuMemAllocManaged(unsigned long long *ptr, size_t bytes,
                                  unsigned flags) {
  (void)flags;
  return allocate(ptr, bytes, 1);
}

EXPORT CUresult cuMemFree_v2(unsigned long long ptr) {
  int found = 0, managed = 0;
  size_t size = 0;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < numAllocations && !found; ++i)
    if (allocations[i].begin == (uintptr_t)ptr) {
      managed = allocations[i].managed;
      size = allocations[i].end - allocations[i].begin;
      if (managed)
        managedBytes -= size;
      allocations[i] = allocations[--numAllocations];
      found = 1;
    }
  pthread_mutex_unlock(&lock);
  if (!found) {
    note("error: free of %llu, never allocated\n", ptr);
    return INVALID_VALUE;
  }
  if (managed)
    free((void *)(uintptr_t)ptr);
  else
    munmap((void *)(uintptr_t)ptr, pages(size ? size : 1));
  return OK;
}

EXPORT CUresult cuMemcpyHtoD_v2(unsigned long long dst, const void *src,
                                size_t bytes) {
  if (!isDevicePointer((uintptr_t)dst))
    return INVALID_VALUE;
  memcpy((void *)(uintptr_t)dst, src, bytes);
  note("copy to device %zu\n", bytes);
  /* The runtime copies only the artifact's constants into plain device
   * memory: a kernel that writes one (the next run would read what it
   * wrote) dies. */
  if (findAllocation((uintptr_t)dst) == 1)
    mprotect((void *)(uintptr_t)dst, pages(bytes), PROT_READ);
  return OK;
}

/* Unified addressing: the direction comes from the pointers, and the log
 * says it ("memcpy host to device 16"), so that a test can count the
 * copies a run makes, and through where. */
EXPORT CUresult cuMemcpy(unsigned long long dst, unsigned long long src,
                         size_t bytes) {
  int toDevice = isDevicePointer((uintptr_t)dst);
  int fromDevice = isDevicePointer((uintptr_t)src);
  if (toDevice && findAllocation((uintptr_t)(dst + bytes - 1)) == 0)
    return INVALID_VALUE;
  if (fromDevice && findAllocation((uintptr_t)(src + bytes - 1)) == 0)
    return INVALID_VALUE;
  memmove((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, bytes);
  note("memcpy %s to %s %zu\n", fromDevice ? "device" : "host",
       toDevice ? "device" : "host", bytes);
  return OK;
}

/* What the runtime asks of a pointer it is given: whose memory it is and
 * whether it is managed. Host memory is unknown, as to a real driver. */
EXPORT CUresult cuPointerGetAttribute(void *data, int attribute,
                                      unsigned long long ptr) {
  int found = findAllocation((uintptr_t)ptr);
  if (!found)
    return INVALID_VALUE;
  switch (attribute) {
  case 8: /* CU_POINTER_ATTRIBUTE_IS_MANAGED */
    *(unsigned *)data = found == 2;
    return OK;
  case 9: /* CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL */
    *(int *)data = 0;
    return OK;
  default:
    return INVALID_VALUE;
  }
}

EXPORT CUresult cuGetErrorName(CUresult error, const char **name) {
  *name = error == ILLEGAL_ADDRESS ? "CUDA_ERROR_ILLEGAL_ADDRESS"
          : error == INVALID_IMAGE ? "CUDA_ERROR_INVALID_IMAGE"
          : error == LAUNCH_FAILED ? "CUDA_ERROR_LAUNCH_FAILED"
                                   : "CUDA_ERROR_FAKE";
  return OK;
}

EXPORT CUresult cuGetErrorString(CUresult error, const char **text) {
  (void)error;
  *text = "an error of the fake driver";
  return OK;
}
