//===- cli_options.cpp - kiln-run's command line --------------------------===//

#include "cli_options.h"

#include <sys/stat.h>

namespace kiln::tools {

namespace {

bool fileExists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

int64_t parseInteger(const std::string &text, const std::string &option,
                     int64_t min) {
  try {
    size_t used = 0;
    long long value = std::stoll(text, &used);
    if (used == text.size() && value >= min)
      return value;
  } catch (const std::exception &) {
  }
  throw UsageError(option + " expects an integer >= " + std::to_string(min) +
                   ", got '" + text + "'");
}

} // namespace

std::string usageText() {
  return R"(usage: kiln-run MODEL.so [INPUT...] [options]

Runs a compiled Kiln model once (or many times with --bench).

Inputs (.npy or ONNX TensorProto .pb files):
  FILE               matched to the model's inputs in order, skipping
                     inputs given by name
  NAME=FILE          feeds input NAME
  With no inputs, random ones are generated (dynamic dims default to 1).

Options:
  -o, --output-dir DIR  write each output to DIR/<output name>.npy
  --print               print each output's name, shape, dtype and first values
  --bench N             time N runs after warm-up; prints min/mean/median
  --warmup N            warm-up runs before --bench (default 1)
  --dim NAME=VALUE      size of dynamic dim NAME in generated inputs
  --seed N              seed for generated inputs (default 0)
  --threads N           intra_op_num_threads of the session
  --info                print the model's inputs, outputs and metadata
  -h, --help            show this help
)";
}

CliOptions parseCommandLine(const std::vector<std::string> &args) {
  CliOptions options;
  auto valueOf = [&](size_t &i, const std::string &option) {
    if (i + 1 >= args.size())
      throw UsageError(option + " expects a value");
    return args[++i];
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string &arg = args[i];
    if (arg == "-h" || arg == "--help") {
      options.help = true;
    } else if (arg == "-o" || arg == "--output-dir") {
      options.outputDir = valueOf(i, arg);
    } else if (arg == "--print") {
      options.print = true;
    } else if (arg == "--info") {
      options.info = true;
    } else if (arg == "--bench") {
      options.benchRuns = parseInteger(valueOf(i, arg), arg, 1);
    } else if (arg == "--warmup") {
      options.warmupRuns = parseInteger(valueOf(i, arg), arg, 0);
    } else if (arg == "--seed") {
      options.seed =
          static_cast<uint64_t>(parseInteger(valueOf(i, arg), arg, 0));
    } else if (arg == "--threads") {
      int64_t n = parseInteger(valueOf(i, arg), arg, 0);
      if (n > 1 << 16)
        throw UsageError("--threads: too many threads");
      options.intraOpThreads = static_cast<int32_t>(n);
    } else if (arg == "--dim") {
      std::string spec = valueOf(i, arg);
      size_t eq = spec.find('=');
      if (eq == std::string::npos || eq == 0)
        throw UsageError("--dim expects NAME=VALUE, got '" + spec + "'");
      options.dims[spec.substr(0, eq)] =
          parseInteger(spec.substr(eq + 1), "--dim " + spec.substr(0, eq), 0);
    } else if (arg.size() > 1 && arg[0] == '-' && !fileExists(arg)) {
      throw UsageError("unknown option '" + arg + "'");
    } else if (options.modelPath.empty()) {
      options.modelPath = arg;
    } else {
      // name=path, unless the whole argument is itself an existing file.
      size_t eq = arg.find('=');
      if (eq != std::string::npos && eq > 0 && !fileExists(arg))
        options.inputs.push_back({arg.substr(0, eq), arg.substr(eq + 1)});
      else
        options.inputs.push_back({"", arg});
    }
  }
  if (options.modelPath.empty() && !options.help)
    throw UsageError("no model given");
  return options;
}

} // namespace kiln::tools
