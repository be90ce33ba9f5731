//===- cli_options.h - kiln-run's command line ---------------*- C++ -*-===//
#ifndef KILN_TOOLS_KILN_RUN_CLI_OPTIONS_H
#define KILN_TOOLS_KILN_RUN_CLI_OPTIONS_H

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace kiln::tools {

/// An input file given on the command line, by position or as name=path.
struct InputSpec {
  std::string name; ///< Empty for positional inputs.
  std::string path;
};

struct CliOptions {
  std::string modelPath;
  std::vector<InputSpec> inputs;
  std::string outputDir; ///< Empty: do not write outputs.
  bool print = false;
  bool info = false;
  bool help = false;
  int64_t benchRuns = 0; ///< 0: no benchmark.
  int64_t warmupRuns = 1;
  std::map<std::string, int64_t> dims; ///< --dim name=value
  uint64_t seed = 0;
  int32_t intraOpThreads = 0;
};

/// A command line kiln-run cannot make sense of.
class UsageError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Throws UsageError.
CliOptions parseCommandLine(const std::vector<std::string> &args);

std::string usageText();

} // namespace kiln::tools

#endif // KILN_TOOLS_KILN_RUN_CLI_OPTIONS_H
