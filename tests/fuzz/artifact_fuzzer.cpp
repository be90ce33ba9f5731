//===- artifact_fuzzer.cpp - The artifact checks before dlopen -----------===//
//
// Everything the loader reads from an artifact file before it maps it as a
// library (the integrity trailer, the ELF headers) must take any bytes
// without crashing: a damaged file is refused by these checks, never by a
// signal. (What dlopen itself does with a file that passes them is glibc's.)
//
//===----------------------------------------------------------------------===//

#include "artifact_loader.h"

#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A copy of exactly `size` bytes: reads past it are caught by ASan.
  std::vector<unsigned char> bytes(data, data + size);
  (void)kiln::rt::artifactDamage(bytes.data(), bytes.size());
  return 0;
}
