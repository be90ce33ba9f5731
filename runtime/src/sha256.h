//===- sha256.h - SHA-256 for the compile cache's keys -------*- C++ -*-===//
#ifndef KILN_RUNTIME_SHA256_H
#define KILN_RUNTIME_SHA256_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace kiln::rt {

/// FIPS 180-4 SHA-256, fed in pieces; hex() ends it.
class Sha256 {
public:
  Sha256();
  void update(const void *data, size_t size);
  void update(const std::string &s) { update(s.data(), s.size()); }
  /// The digest as 64 lowercase hex digits (the object is spent).
  std::string hex();

private:
  void block(const unsigned char *p);
  uint32_t h_[8];
  unsigned char buffer_[64];
  size_t buffered_ = 0;
  uint64_t length_ = 0;
};

} // namespace kiln::rt

#endif // KILN_RUNTIME_SHA256_H
