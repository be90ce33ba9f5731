//===- mutation_driver.cpp - A fuzz harness without libFuzzer -----------===//
//
// Runs a libFuzzer harness (LLVMFuzzerTestOneInput) on random mutations of
// seed files for a bounded time, in a plain build (GCC, no instrumentation):
// the test suite's slice of the importer fuzzing, which with libFuzzer needs
// a whole instrumented compiler (scripts/fuzz.sh). Each input is written to
// `last-input` before it runs, so a crash leaves it to reproduce with.
//
//   [KILN_MUTATE_SEED=n] kiln_mutate_import SECONDS SEED_FILE...
//
//===----------------------------------------------------------------------===//

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s SECONDS SEED_FILE...\n", argv[0]);
    return 2;
  }
  double seconds = std::atof(argv[1]);
  std::vector<std::string> seeds;
  for (int i = 2; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in),
                       std::istreambuf_iterator<char>());
  }
  // KILN_MUTATE_SEED picks another sequence of mutations.
  const char *seedText = std::getenv("KILN_MUTATE_SEED");
  std::mt19937_64 rng(seedText ? std::strtoull(seedText, nullptr, 10)
                               : 12345);
  auto start = std::chrono::steady_clock::now();
  long runs = 0;
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
             .count() < seconds) {
    std::string data = seeds[rng() % seeds.size()];
    if (data.empty())
      continue;
    // A few bytes set at random, sometimes a cut, sometimes a run copied
    // over another place (protobuf fields moved or repeated).
    int flips = 1 + rng() % 8;
    for (int f = 0; f < flips; ++f)
      data[rng() % data.size()] = static_cast<char>(rng());
    if (rng() % 5 == 0)
      data.resize(rng() % data.size());
    if (rng() % 5 == 0 && data.size() > 16) {
      size_t len = 1 + rng() % (data.size() / 4);
      size_t from = rng() % (data.size() - len), to = rng() % (data.size() - len);
      data.replace(to, len, data.substr(from, len));
    }
    {
      std::ofstream out("last-input", std::ios::binary);
      out.write(data.data(), static_cast<std::streamsize>(data.size()));
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(data.data()),
                           data.size());
    ++runs;
  }
  std::printf("%ld mutated models in %.0f s, none crashed\n", runs, seconds);
  return 0;
}
