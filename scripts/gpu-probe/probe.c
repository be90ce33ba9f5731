/* gpu-probe: checks, on a real NVIDIA GPU, what Kiln's CUDA execution provider
 * relies on. Built with plain gcc and NOT linked against libcuda: the driver is
 * dlopen'ed ("libcuda.so.1") and every entry point is looked up with dlsym,
 * under the name cuda.h maps it to (cuMemAlloc -> cuMemAlloc_v2, ...), using
 * cuda.h only for types and constants.
 *
 *   gcc -O2 -std=gnu11 -I/usr/local/cuda/include probe.c -o probe -ldl -lm
 *   ./probe [DIR]      DIR holds the ptx/ files made by build.sh (default: ptx)
 *
 * Exit status: 0 all positive checks passed; 1 a positive check failed (wrong
 * result, failed load/launch); 2 no driver or no device (clean message).
 * Negative checks (wrong arch, missing libdevice, PTX ISA too new, ...) only
 * report what the driver says; they never change the exit status.
 */
#define _GNU_SOURCE
#include <cuda.h>
#include <dlfcn.h>
#include <link.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STR(x) #x
#define XSTR(x) STR(x)

/* Every driver entry point used. X(f): f is the name as written in code;
 * cuda.h may #define it to a versioned symbol. */
#define DRIVER_FUNCS(X)                                                       \
  X(cuInit) X(cuDriverGetVersion) X(cuGetErrorName) X(cuGetErrorString)      \
  X(cuDeviceGetCount) X(cuDeviceGet) X(cuDeviceGetName)                      \
  X(cuDeviceGetAttribute) X(cuDeviceTotalMem) X(cuDevicePrimaryCtxRetain)    \
  X(cuDevicePrimaryCtxRelease) X(cuCtxSetCurrent) X(cuMemGetInfo)            \
  X(cuModuleLoadDataEx) X(cuModuleUnload) X(cuModuleGetFunction)             \
  X(cuFuncGetAttribute) X(cuMemAlloc) X(cuMemFree) X(cuMemcpyHtoDAsync)      \
  X(cuMemcpyDtoHAsync) X(cuMemsetD32Async) X(cuStreamCreate)                 \
  X(cuStreamSynchronize) X(cuStreamDestroy) X(cuLaunchKernel)                \
  X(cuEventCreate) X(cuEventRecord) X(cuEventSynchronize)                    \
  X(cuEventElapsedTime) X(cuEventDestroy)

/* p_cuMemAlloc has the type of cuMemAlloc_v2 (typeof sees the macro). */
#define DECL(f) static __typeof__(f) *p_##f;
DRIVER_FUNCS(DECL)
#undef DECL

static int failures = 0;

/* Names for the codes this probe may meet, for when cuGetErrorName itself
 * fails (the toolkit's stub libcuda answers CUDA_ERROR_STUB_LIBRARY to all). */
static const char *local_errname(CUresult r) {
  switch (r) {
#define N(e) case e: return #e;
    N(CUDA_SUCCESS) N(CUDA_ERROR_INVALID_VALUE) N(CUDA_ERROR_NOT_INITIALIZED)
    N(CUDA_ERROR_STUB_LIBRARY) N(CUDA_ERROR_SYSTEM_DRIVER_MISMATCH)
    N(CUDA_ERROR_NO_DEVICE) N(CUDA_ERROR_INVALID_IMAGE)
    N(CUDA_ERROR_NO_BINARY_FOR_GPU) N(CUDA_ERROR_INVALID_PTX)
    N(CUDA_ERROR_UNSUPPORTED_PTX_VERSION) N(CUDA_ERROR_JIT_COMPILER_NOT_FOUND)
    N(CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND) N(CUDA_ERROR_NOT_FOUND)
    N(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES)
#undef N
    default: return "?";
  }
}
static const char *errname(CUresult r) {
  const char *s = NULL;
  if (p_cuGetErrorName && p_cuGetErrorName(r, &s) == CUDA_SUCCESS && s) return s;
  return local_errname(r);
}
static const char *errstr(CUresult r) {
  const char *s = NULL;
  if (p_cuGetErrorString && p_cuGetErrorString(r, &s) == CUDA_SUCCESS && s) return s;
  return "?";
}

/* Fatal driver error: print and exit 1. */
#define CK(call)                                                             \
  do {                                                                       \
    CUresult r_ = (call);                                                    \
    if (r_ != CUDA_SUCCESS) {                                                \
      printf("FATAL %s:%d: %s -> %d %s (%s)\n", __FILE__, __LINE__, #call,   \
             (int)r_, errname(r_), errstr(r_));                              \
      exit(1);                                                               \
    }                                                                        \
  } while (0)

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int load_driver(void) {
  void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    printf("NO DRIVER: dlopen(\"libcuda.so.1\") failed: %s\n", dlerror());
    printf("  (the NVIDIA driver is not installed or not on the loader path;"
           " the CUDA provider must report this and fall back)\n");
    return 0;
  }
  struct link_map *lm = NULL;
  if (dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm)
    printf("driver library: %s\n", lm->l_name);
  int missing = 0;
  /* Try the versioned name from cuda.h, then the plain one. */
#define LOAD(f)                                                              \
  do {                                                                       \
    const char *n = XSTR(f);                                                 \
    void *s = dlsym(h, n);                                                   \
    if (!s && strcmp(n, #f) != 0) {                                          \
      printf("  note: %s not exported, falling back to %s\n", n, #f);        \
      n = #f;                                                                \
      s = dlsym(h, n);                                                       \
    }                                                                        \
    if (!s) {                                                                \
      printf("  MISSING driver symbol %s\n", n);                             \
      missing++;                                                             \
    } else if (strcmp(n, #f) != 0) {                                         \
      printf("  %s -> %s\n", #f, n);                                         \
    }                                                                        \
    *(void **)&p_##f = s;                                                    \
  } while (0);
  printf("symbols resolved under a versioned name (cuda.h %d mapping):\n",
         CUDA_VERSION);
  DRIVER_FUNCS(LOAD)
#undef LOAD
  if (missing) {
    printf("NO DRIVER: %d entry points missing (driver too old?)\n", missing);
    return 0;
  }
  return 1;
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc(n + 1);
  if (fread(buf, 1, n, f) != (size_t)n) { fclose(f); free(buf); return NULL; }
  fclose(f);
  buf[n] = 0; /* PTX images must be NUL-terminated */
  if (len) *len = n;
  return buf;
}

/* ------------------------------------------------------------------------ */
/* Module loading with the JIT logs captured.                               */

typedef struct {
  CUresult rc;
  CUmodule mod;
  char info[16384];
  char err[16384];
  float jit_wall_ms;
  double host_ms;
} Load;

static void load_image(Load *L, const void *image) {
  memset(L, 0, sizeof *L);
  CUjit_option opts[] = {CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
                         CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                         CU_JIT_LOG_VERBOSE, CU_JIT_WALL_TIME};
  void *vals[] = {L->info, (void *)(uintptr_t)sizeof L->info,
                  L->err, (void *)(uintptr_t)sizeof L->err,
                  (void *)(uintptr_t)1, NULL};
  double t0 = now_ms();
  L->rc = p_cuModuleLoadDataEx(&L->mod, image, 6, opts, vals);
  L->host_ms = now_ms() - t0;
  memcpy(&L->jit_wall_ms, &vals[5], sizeof(float)); /* float written into the slot */
}

static void print_log(const char *tag, const char *s) {
  if (!s[0]) return;
  printf("    %s log:\n", tag);
  const char *p = s;
  while (*p) {
    const char *e = strchr(p, '\n');
    int n = e ? (int)(e - p) : (int)strlen(p);
    printf("      | %.*s\n", n, p);
    p += n + (e ? 1 : 0);
  }
}

/* Load a file; positive == expected to load. Returns the module or NULL. */
static CUmodule load_file(const char *dir, const char *name, int positive) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  char *img = read_file(path, NULL);
  if (!img) {
    printf("  %s: cannot read %s\n", name, path);
    if (positive) failures++;
    return NULL;
  }
  Load *L = malloc(sizeof *L);
  load_image(L, img);
  free(img);
  printf("  load %-28s -> %s (%d)  host %.2f ms, JIT wall %.2f ms%s\n", name,
         L->rc == CUDA_SUCCESS ? "CUDA_SUCCESS" : errname(L->rc), (int)L->rc,
         L->host_ms, L->jit_wall_ms,
         positive ? "" : (L->rc == CUDA_SUCCESS ? "  [UNEXPECTED: loaded]" : "  [expected failure]"));
  if (L->rc != CUDA_SUCCESS) printf("    cuGetErrorString: %s\n", errstr(L->rc));
  print_log("error", L->err);
  if (L->rc != CUDA_SUCCESS || !positive) print_log("info", L->info);
  CUmodule m = L->mod;
  if (L->rc != CUDA_SUCCESS) {
    if (positive) failures++;
    m = NULL;
  }
  free(L);
  return m;
}

static void func_info(CUfunction f, const char *name) {
  int regs = 0, maxt = 0, ptxv = 0, binv = 0, smem = 0, lmem = 0;
  p_cuFuncGetAttribute(&regs, CU_FUNC_ATTRIBUTE_NUM_REGS, f);
  p_cuFuncGetAttribute(&maxt, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, f);
  p_cuFuncGetAttribute(&ptxv, CU_FUNC_ATTRIBUTE_PTX_VERSION, f);
  p_cuFuncGetAttribute(&binv, CU_FUNC_ATTRIBUTE_BINARY_VERSION, f);
  p_cuFuncGetAttribute(&smem, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, f);
  p_cuFuncGetAttribute(&lmem, CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES, f);
  printf("    %s: regs %d, max threads/block %d, ptx version %d, binary version %d,"
         " static smem %d B, local %d B\n", name, regs, maxt, ptxv, binv, smem, lmem);
}

/* ------------------------------------------------------------------------ */
/* Kernels.                                                                  */

enum { EW_N = 1 << 20, MM = 256 };
static const float SENTINEL = -12345.0f;

static uint32_t rng = 12345u;
static float frand(float lo, float hi) { /* xorshift32 */
  rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5;
  return lo + (hi - lo) * (rng >> 8) / 16777216.0f;
}

static CUstream stream;

/* y = exp(x) * 2 + b for i < n; y[i >= n] must keep the sentinel. */
static void test_ew(CUmodule mod, const char *label, int timeit) {
  CUfunction f;
  CUresult r = p_cuModuleGetFunction(&f, mod, "ew_exp");
  if (r != CUDA_SUCCESS) {
    printf("  %s: cuModuleGetFunction(ew_exp) -> %s\n", label, errname(r));
    failures++;
    return;
  }
  func_info(f, "ew_exp");
  size_t bytes = EW_N * sizeof(float);
  float *x = malloc(bytes), *b = malloc(bytes), *y = malloc(bytes);
  for (int i = 0; i < EW_N; i++) { x[i] = frand(-10.f, 10.f); b[i] = frand(-1.f, 1.f); }
  CUdeviceptr dx, db, dy;
  CK(p_cuMemAlloc(&dx, bytes));
  CK(p_cuMemAlloc(&db, bytes));
  CK(p_cuMemAlloc(&dy, bytes));
  uint32_t sbits;
  memcpy(&sbits, &SENTINEL, 4);
  CK(p_cuMemcpyHtoDAsync(dx, x, bytes, stream));
  CK(p_cuMemcpyHtoDAsync(db, b, bytes, stream));
  CK(p_cuMemsetD32Async(dy, sbits, EW_N, stream));
  int64_t n = EW_N - 3; /* exercise the bounds check */
  unsigned block = 256, grid = (unsigned)((n + block - 1) / block);
  void *args[] = {&dx, &db, &dy, &n};
  r = p_cuLaunchKernel(f, grid, 1, 1, block, 1, 1, 0, stream, args, NULL);
  if (r != CUDA_SUCCESS) {
    printf("  %s: cuLaunchKernel -> %s (%s)\n", label, errname(r), errstr(r));
    failures++;
    goto out;
  }
  CK(p_cuMemcpyDtoHAsync(y, dy, bytes, stream));
  CK(p_cuStreamSynchronize(stream));
  double maxabs = 0, maxrel = 0;
  int bad = 0;
  for (int i = 0; i < EW_N; i++) {
    if (i >= n) {
      if (y[i] != SENTINEL) bad++;
      continue;
    }
    double e2 = exp((double)x[i]) * 2.0, ref = e2 + b[i];
    /* error relative to the size of the terms (no blow-up on cancellation) */
    double ae = fabs(y[i] - ref), re = ae / (fabs(e2) + fabs(b[i]));
    if (ae > maxabs) maxabs = ae;
    if (re > maxrel) maxrel = re;
    if (!(re <= 1e-6)) bad++;
  }
  printf("  %s: ew_exp n=%lld grid=%u block=%u: max abs err %.3g, max rel err %.3g, "
         "%d bad (rel err vs |2e^x|+|b| > 1e-6) -> %s\n", label, (long long)n, grid, block, maxabs, maxrel, bad,
         bad ? "MISMATCH" : "OK");
  if (bad) failures++;
  if (timeit && !bad) {
    CUevent e0, e1;
    CK(p_cuEventCreate(&e0, CU_EVENT_DEFAULT));
    CK(p_cuEventCreate(&e1, CU_EVENT_DEFAULT));
    for (int i = 0; i < 20; i++) CK(p_cuLaunchKernel(f, grid, 1, 1, block, 1, 1, 0, stream, args, NULL));
    const int iters = 200;
    CK(p_cuEventRecord(e0, stream));
    for (int i = 0; i < iters; i++) CK(p_cuLaunchKernel(f, grid, 1, 1, block, 1, 1, 0, stream, args, NULL));
    CK(p_cuEventRecord(e1, stream));
    CK(p_cuEventSynchronize(e1));
    float ms = 0;
    CK(p_cuEventElapsedTime(&ms, e0, e1));
    double per = ms / iters;
    printf("  %s: ew_exp timing: %.2f us/launch, %.1f GB/s (12 B/elem)\n", label,
           per * 1e3, 12.0 * n / (per * 1e-3) / 1e9);
    /* launch overhead: n = 0, every thread returns at once */
    int64_t zero = 0;
    void *zargs[] = {&dx, &db, &dy, &zero};
    CK(p_cuEventRecord(e0, stream));
    for (int i = 0; i < iters; i++) CK(p_cuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, stream, zargs, NULL));
    CK(p_cuEventRecord(e1, stream));
    CK(p_cuEventSynchronize(e1));
    CK(p_cuEventElapsedTime(&ms, e0, e1));
    printf("  %s: empty launch (1 block x 32, n=0) back to back: %.2f us/launch\n", label,
           ms / iters * 1e3);
    CK(p_cuEventDestroy(e0));
    CK(p_cuEventDestroy(e1));
  }
out:
  CK(p_cuStreamSynchronize(stream));
  p_cuMemFree(dx); p_cuMemFree(db); p_cuMemFree(dy);
  free(x); free(b); free(y);
}

static float *mmA, *mmB;
static double *mmRef;

static void mm_init(void) {
  mmA = malloc(MM * MM * sizeof(float));
  mmB = malloc(MM * MM * sizeof(float));
  mmRef = calloc(MM * MM, sizeof(double));
  for (int i = 0; i < MM * MM; i++) { mmA[i] = frand(-1, 1); mmB[i] = frand(-1, 1); }
  for (int i = 0; i < MM; i++)
    for (int k = 0; k < MM; k++) {
      double a = mmA[i * MM + k];
      for (int j = 0; j < MM; j++) mmRef[i * MM + j] += a * mmB[k * MM + j];
    }
}

static void test_mm(CUmodule mod, const char *fname, const char *label, int try_bad_block) {
  CUfunction f;
  CUresult r = p_cuModuleGetFunction(&f, mod, fname);
  if (r != CUDA_SUCCESS) {
    printf("  %s: cuModuleGetFunction(%s) -> %s\n", label, fname, errname(r));
    failures++;
    return;
  }
  func_info(f, fname);
  size_t bytes = MM * MM * sizeof(float);
  float *c = malloc(bytes);
  CUdeviceptr dA, dB, dC;
  CK(p_cuMemAlloc(&dA, bytes));
  CK(p_cuMemAlloc(&dB, bytes));
  CK(p_cuMemAlloc(&dC, bytes));
  CK(p_cuMemcpyHtoDAsync(dA, mmA, bytes, stream));
  CK(p_cuMemcpyHtoDAsync(dB, mmB, bytes, stream));
  CK(p_cuMemsetD32Async(dC, 0, MM * MM, stream));
  void *args[] = {&dA, &dB, &dC};
  if (try_bad_block) {
    /* the outlined kernels carry known_block_size = 16x16x1 -> .maxntid 16,16,1 */
    r = p_cuLaunchKernel(f, 8, 16, 1, 32, 16, 1, 0, stream, args, NULL);
    printf("  %s: launch with block 32x16 (512 > .maxntid 16x16x1) -> %s (%d): %s\n",
           label, r == CUDA_SUCCESS ? "CUDA_SUCCESS" : errname(r), (int)r,
           r == CUDA_SUCCESS ? "accepted" : errstr(r));
    CK(p_cuStreamSynchronize(stream));
  }
  r = p_cuLaunchKernel(f, MM / 16, MM / 16, 1, 16, 16, 1, 0, stream, args, NULL);
  if (r != CUDA_SUCCESS) {
    printf("  %s: cuLaunchKernel -> %s (%s)\n", label, errname(r), errstr(r));
    failures++;
    goto out;
  }
  CK(p_cuMemcpyDtoHAsync(c, dC, bytes, stream));
  CK(p_cuStreamSynchronize(stream));
  double maxabs = 0, maxrel = 0;
  for (int i = 0; i < MM * MM; i++) {
    double ae = fabs(c[i] - mmRef[i]);
    if (ae > maxabs) maxabs = ae;
    if (fabs(mmRef[i]) > 1e-2 && ae / fabs(mmRef[i]) > maxrel) maxrel = ae / fabs(mmRef[i]);
  }
  int bad = !(maxabs <= 1e-3);
  printf("  %s: %s 256x256x256: max abs err %.3g, max rel err (|ref|>1e-2) %.3g -> %s\n",
         label, fname, maxabs, maxrel, bad ? "MISMATCH" : "OK");
  if (bad) { failures++; goto out; }
  {
    CUevent e0, e1;
    CK(p_cuEventCreate(&e0, CU_EVENT_DEFAULT));
    CK(p_cuEventCreate(&e1, CU_EVENT_DEFAULT));
    for (int i = 0; i < 20; i++)
      CK(p_cuLaunchKernel(f, MM / 16, MM / 16, 1, 16, 16, 1, 0, stream, args, NULL));
    const int iters = 200;
    CK(p_cuEventRecord(e0, stream));
    for (int i = 0; i < iters; i++)
      CK(p_cuLaunchKernel(f, MM / 16, MM / 16, 1, 16, 16, 1, 0, stream, args, NULL));
    CK(p_cuEventRecord(e1, stream));
    CK(p_cuEventSynchronize(e1));
    float ms = 0;
    CK(p_cuEventElapsedTime(&ms, e0, e1));
    double per = ms / iters;
    printf("  %s: %s timing: %.2f us/launch, %.1f GFLOP/s (cuEvent, %d launches)\n", label,
           fname, per * 1e3, 2.0 * MM * MM * MM / (per * 1e-3) / 1e9, iters);
    CK(p_cuEventDestroy(e0));
    CK(p_cuEventDestroy(e1));
  }
out:
  CK(p_cuStreamSynchronize(stream));
  p_cuMemFree(dA); p_cuMemFree(dB); p_cuMemFree(dC);
  free(c);
}

/* Load variants of a PTX text with .version / .target rewritten. */
static void ptx_variant(const char *base, const char *version, const char *target) {
  size_t n = strlen(base);
  char *s = malloc(n + 64);
  const char *v = strstr(base, ".version ");
  const char *t = strstr(base, ".target ");
  if (!v || !t || t < v) { printf("  (no .version/.target in PTX)\n"); free(s); return; }
  const char *ve = strchr(v, '\n'), *te = strchr(t, '\n');
  int k = 0;
  k += sprintf(s + k, "%.*s", (int)(v - base), base);
  k += sprintf(s + k, ".version %s", version);
  k += sprintf(s + k, "%.*s", (int)(t - ve), ve);
  k += sprintf(s + k, ".target %s", target);
  strcpy(s + k, te);
  Load *L = malloc(sizeof *L);
  load_image(L, s);
  printf("  .version %-4s .target %-7s -> %s (%d)", version, target,
         L->rc == CUDA_SUCCESS ? "CUDA_SUCCESS" : errname(L->rc), (int)L->rc);
  if (L->rc == CUDA_SUCCESS) {
    printf("\n");
    p_cuModuleUnload(L->mod);
  } else {
    /* first line of the error log only */
    const char *e = strchr(L->err, '\n');
    printf("  | %.*s\n", e ? (int)(e - L->err) : (int)strlen(L->err), L->err);
  }
  free(L);
  free(s);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "ptx";
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("== gpu-probe (built against cuda.h CUDA_VERSION %d)\n", CUDA_VERSION);
  if (!load_driver()) return 2;

  CUresult r = p_cuInit(0);
  if (r != CUDA_SUCCESS) {
    printf("NO DEVICE: cuInit -> %d %s (%s)\n", (int)r, errname(r), errstr(r));
    return 2;
  }
  int dv = 0;
  CK(p_cuDriverGetVersion(&dv));
  printf("driver API version (cuDriverGetVersion): %d = CUDA %d.%d\n", dv, dv / 1000,
         (dv % 1000) / 10);
  int ndev = 0;
  CK(p_cuDeviceGetCount(&ndev));
  printf("devices: %d\n", ndev);
  if (ndev == 0) { printf("NO DEVICE\n"); return 2; }
  CUdevice dev;
  CK(p_cuDeviceGet(&dev, 0));
  char name[256];
  CK(p_cuDeviceGetName(name, sizeof name, dev));
  size_t total = 0;
  CK(p_cuDeviceTotalMem(&total, dev));
#define ATTR(a) ({ int v_ = -1; p_cuDeviceGetAttribute(&v_, CU_DEVICE_ATTRIBUTE_##a, dev); v_; })
  int maj = ATTR(COMPUTE_CAPABILITY_MAJOR), min = ATTR(COMPUTE_CAPABILITY_MINOR);
  printf("device 0: %s\n", name);
  printf("  compute capability %d.%d (sm_%d%d)\n", maj, min, maj, min);
  printf("  SMs %d, warp %d, max threads/block %d, max threads/SM %d\n",
         ATTR(MULTIPROCESSOR_COUNT), ATTR(WARP_SIZE), ATTR(MAX_THREADS_PER_BLOCK),
         ATTR(MAX_THREADS_PER_MULTIPROCESSOR));
  printf("  shared mem/block %d B (opt-in max %d B), shared mem/SM %d B, regs/block %d\n",
         ATTR(MAX_SHARED_MEMORY_PER_BLOCK), ATTR(MAX_SHARED_MEMORY_PER_BLOCK_OPTIN),
         ATTR(MAX_SHARED_MEMORY_PER_MULTIPROCESSOR), ATTR(MAX_REGISTERS_PER_BLOCK));
  printf("  global memory %.1f GiB, memory bus %d bit, L2 %d KiB\n", total / 1073741824.0,
         ATTR(GLOBAL_MEMORY_BUS_WIDTH), ATTR(L2_CACHE_SIZE) / 1024);
  printf("  clock %d MHz, memory clock %d MHz, unified addressing %d, "
         "concurrent managed access %d, compute mode %d\n",
         ATTR(CLOCK_RATE) / 1000, ATTR(MEMORY_CLOCK_RATE) / 1000,
         ATTR(UNIFIED_ADDRESSING), ATTR(CONCURRENT_MANAGED_ACCESS), ATTR(COMPUTE_MODE));

  CUcontext ctx;
  CK(p_cuDevicePrimaryCtxRetain(&ctx, dev));
  CK(p_cuCtxSetCurrent(ctx));
  size_t freeb = 0, totb = 0;
  CK(p_cuMemGetInfo(&freeb, &totb));
  printf("  cuMemGetInfo: free %.1f GiB of %.1f GiB\n", freeb / 1073741824.0,
         totb / 1073741824.0);
  CK(p_cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));

  printf("\n== positive loads (PTX JIT by the driver)\n");
  CUmodule ew = load_file(dir, "ew.sm_90.ptx", 1);
  CUmodule ew2 = load_file(dir, "ew.sm_90.ptx", 1); /* second load: JIT cache? */
  CUmodule ewllc = load_file(dir, "ew.llc.sm_90.ptx", 1);
  CUmodule mmn = load_file(dir, "matmul_naive.sm_90.ptx", 1);
  CUmodule mmt = load_file(dir, "matmul_tiled.sm_90.ptx", 1);
  CUmodule mmc = load_file(dir, "matmul_naive.sm_90.cubin", 1);

  printf("\n== elementwise y = exp(x)*2 + b (libdevice __nv_expf)\n");
  if (ew) test_ew(ew, "mlir-opt PTX", 1);
  if (ewllc) test_ew(ewllc, "llc PTX", 0);

  printf("\n== matmul f32 256x256x256, C = A*B\n");
  mm_init();
  if (mmn) test_mm(mmn, "matmul_naive_kernel", "naive PTX", 1);
  if (mmt) test_mm(mmt, "matmul_tiled_kernel", "tiled (smem) PTX", 0);
  if (mmc) test_mm(mmc, "matmul_naive_kernel", "naive cubin (ptxas 13.0)", 0);

  printf("\n== negative loads (what the runtime will have to report)\n");
  load_file(dir, "ew.sm_100.ptx", 0);
  load_file(dir, "ew.nolibdevice.sm_90.ptx", 0);
  {
    Load *L = malloc(sizeof *L);
    load_image(L, "this is not PTX\n");
    printf("  load %-28s -> %s (%d): %s\n", "\"this is not PTX\"", errname(L->rc),
           (int)L->rc, errstr(L->rc));
    print_log("error", L->err);
    free(L);
  }

  printf("\n== PTX ISA versions / targets accepted by this driver's JIT"
         " (ew.sm_90.ptx with .version/.target rewritten)\n");
  char path[4096];
  snprintf(path, sizeof path, "%s/ew.sm_90.ptx", dir);
  char *base = read_file(path, NULL);
  if (base) {
    const char *versions[] = {"7.8", "8.0", "8.3", "8.4", "8.5", "8.6", "8.7",
                              "8.8", "9.0", "9.1", "9.2", "9.9"};
    for (size_t i = 0; i < sizeof versions / sizeof *versions; i++)
      ptx_variant(base, versions[i], "sm_90");
    ptx_variant(base, "7.8", "sm_80");
    ptx_variant(base, "7.8", "sm_52");
    ptx_variant(base, "8.0", "sm_90a");
    ptx_variant(base, "8.6", "sm_100");
    ptx_variant(base, "8.6", "sm_120");
    free(base);
  }

  if (ew) p_cuModuleUnload(ew);
  if (ew2) p_cuModuleUnload(ew2);
  if (ewllc) p_cuModuleUnload(ewllc);
  if (mmn) p_cuModuleUnload(mmn);
  if (mmt) p_cuModuleUnload(mmt);
  if (mmc) p_cuModuleUnload(mmc);
  CK(p_cuStreamDestroy(stream));
  CK(p_cuDevicePrimaryCtxRelease(dev));
  printf("\n== %s (%d failure%s)\n", failures ? "FAILED" : "ALL POSITIVE CHECKS PASSED",
         failures, failures == 1 ? "" : "s");
  return failures ? 1 : 0;
}
