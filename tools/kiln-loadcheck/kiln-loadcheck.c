/*===- kiln-loadcheck.c - Does an artifact load in a bare process? --------===*
 *
 *   kiln-loadcheck model.so [more.so ...]
 *
 * dlopens each artifact with RTLD_NOW in a process that links nothing but
 * libc, so every symbol the artifact needs must come from the artifact
 * itself or from the libraries it names in DT_NEEDED. A test process (Python
 * with LLVM loaded, a runtime linked against libgcc_s) can define helpers
 * such as __truncdfhf2 by accident and hide a missing one; this cannot.
 * Prints "ok: <path>" per artifact, or the loader's error, and exits 1 if
 * any artifact fails to load or has no `kiln_artifact` descriptor.
 *
 *===--------------------------------------------------------------------===*/

#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s model.so [more.so ...]\n", argv[0]);
    return 2;
  }
  int failed = 0;
  for (int i = 1; i < argc; ++i) {
    void *handle = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      printf("error: %s\n", dlerror());
      failed = 1;
      continue;
    }
    if (!dlsym(handle, "kiln_artifact")) {
      printf("error: %s: no kiln_artifact descriptor\n", argv[i]);
      failed = 1;
    } else {
      printf("ok: %s\n", argv[i]);
    }
    dlclose(handle);
  }
  return failed;
}
