//===- cpu_features.h - What this CPU can run -----------------*- C++ -*-===//
//
// Header-only (the loader and its fuzz harness include it): CPUID and XGETBV
// against kiln_cpu_features.h's table.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_CPU_FEATURES_H
#define KILN_RUNTIME_CPU_FEATURES_H

#include "kiln/kiln_cpu_features.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace kiln::rt {

/// Whether this CPU and OS can run code using `feature`.
inline bool cpuSupports(const kiln_cpu_feature_t &feature) {
#if defined(__x86_64__) || defined(__i386__)
  unsigned regs[4] = {0, 0, 0, 0};
  if (__get_cpuid_max(feature.leaf & 0x80000000u, nullptr) < feature.leaf)
    return false;
  __cpuid_count(feature.leaf, feature.subleaf, regs[0], regs[1], regs[2],
                regs[3]);
  if (!((regs[feature.reg] >> feature.bit) & 1))
    return false;
  if (feature.state == KILN_CPU_STATE_NONE)
    return true;
  // The OS must save the registers (OSXSAVE, then XCR0's bits).
  unsigned a, b, c, d;
  __cpuid(1, a, b, c, d);
  if (!((c >> 27) & 1))
    return false;
  unsigned lo, hi;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  uint64_t xcr0 = (uint64_t(hi) << 32) | lo;
  uint64_t need = 0x6; // SSE, AVX
  if (feature.state == KILN_CPU_STATE_AVX512)
    need |= 0xe0;
  if (feature.state == KILN_CPU_STATE_AMX)
    need = 0x60000;
  return (xcr0 & need) == need;
#else
  (void)feature;
  return false;
#endif
}

/// The features of the comma-separated `required` (kiln_artifact_t's
/// cpu_features) this CPU lacks, in order; a name the table does not know
/// counts as lacking. KILN_CPU_FEATURES_DISABLE (comma-separated names)
/// makes the runtime treat those features as absent: it can only refuse
/// more artifacts (tests use it to stand for an older CPU).
inline std::vector<std::string> missingCpuFeatures(const char *required) {
  std::vector<std::string> missing;
  if (!required)
    return missing;
  auto split = [](const char *list) {
    std::vector<std::string> names;
    std::string name;
    for (const char *p = list;; ++p) {
      if (*p == ',' || *p == '\0') {
        if (!name.empty())
          names.push_back(name);
        name.clear();
        if (!*p)
          break;
      } else if (*p != ' ') {
        name.push_back(*p);
      }
    }
    return names;
  };
  std::vector<std::string> disabled;
  if (const char *env = std::getenv("KILN_CPU_FEATURES_DISABLE"))
    disabled = split(env);
  for (const std::string &name : split(required)) {
    bool known = false, supported = false;
    for (const kiln_cpu_feature_t &feature : kiln_cpu_feature_table)
      if (name == feature.name) {
        known = true;
        supported = cpuSupports(feature);
        break;
      }
    for (const std::string &off : disabled)
      supported &= off != name;
    if (!known || !supported)
      missing.push_back(name);
  }
  return missing;
}

} // namespace kiln::rt

#endif // KILN_RUNTIME_CPU_FEATURES_H
