/* Host copies for the fake CUDA driver's fiber harness, as a compiled
 * artifact with --cuda-host-kernels exports them (kiln_host_kernels), for
 * cuda_provider_test.cpp: the test loads this module, puts its PTX text in
 * a descriptor, and the driver finds the host copy of the module it loads
 * by that text's address. fake_deadlock's threads 0-15 wait at a barrier
 * that threads 16-31 never reach (they return): a deadlock on a GPU, which
 * the driver must report as a failed launch rather than run on. */
#include <stddef.h>
#include <stdint.h>

#define EXPORT __attribute__((visibility("default")))

/* The block the driver runs a kernel's threads in (GpuHostKernels.cpp and
 * fake_cuda_driver.c): only its barrier is used here. */
typedef struct HostBlock HostBlock;
struct HostBlock {
  void (*barrier)(HostBlock *);
};

EXPORT const char fake_deadlock_ptx[] =
    ".target sm_80\n.entry fake_deadlock(\n.param .u64 a0\n)\n{}\n";

/* ids: block id, thread id, grid and block sizes (x, y, z each), then the
 * block's address and its workgroup memory. */
static void deadlock(void **params, const int64_t *ids) {
  (void)params;
  HostBlock *block = (HostBlock *)(uintptr_t)ids[12];
  if (ids[3] < 16)
    block->barrier(block);
}

typedef struct HostKernelEntry {
  const char *text;
  void (*host)(void **params, const int64_t *ids);
  uint64_t flags; /* 1: its threads wait for each other (fibers) */
} HostKernelEntry;

EXPORT const HostKernelEntry kiln_host_kernels[] = {
    {fake_deadlock_ptx, deadlock, 1}, {NULL, NULL, 0}};
