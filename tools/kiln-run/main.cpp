//===- main.cpp - kiln-run: run a compiled Kiln model from the shell ------===//
//
//   kiln-run model.so [inputs...] [-o outdir] [--bench N] [--print]
//
// Exit status: 0 on success, 1 when loading, reading or running fails, 2 for
// command-line mistakes.
//
//===----------------------------------------------------------------------===//

#include "cli_options.h"
#include "latency_stats.h"
#include "npy.h"
#include "output_report.h"
#include "random_inputs.h"
#include "tensor_bridge.h"
#include "tensor_proto.h"

#include "kiln/kiln.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <random>

using namespace kiln::tools;

namespace {

constexpr size_t kPrintedValues = 10;

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Reads a .npy or .pb file, by extension or, failing that, by content.
HostTensor readInputFile(const std::string &path) {
  if (endsWith(path, ".npy"))
    return readNpy(path);
  if (endsWith(path, ".pb"))
    return readTensorProto(path);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw FileFormatError(path + ": cannot open");
  char magic[6] = {};
  in.read(magic, 6);
  if (std::string(magic, 6) == "\x93NUMPY")
    return readNpy(path);
  return readTensorProto(path);
}

/// numpy has no bfloat16 or float8/float4/int4/int2: accept raw uint16 bits
/// for bfloat16 inputs, and one byte per element (ml_dtypes arrays, saved
/// as '|V1') for the narrow types, packed here when they are 4- or 2-bit.
void adaptToModelType(HostTensor &tensor, const kiln::TensorInfo &info) {
  if (info.elementType == kiln::ElementType::BFloat16 &&
      tensor.elemType == static_cast<int32_t>(kiln::ElementType::UInt16))
    tensor.elemType = static_cast<int32_t>(kiln::ElementType::BFloat16);
  int32_t wanted = static_cast<int32_t>(info.elementType);
  if (wanted >= 17 && wanted <= 26 &&
      tensor.elemType == static_cast<int32_t>(kiln::ElementType::UInt8)) {
    if (hostElemBits(wanted) < 8)
      tensor.data = packElements(wanted, tensor.data.data(),
                                 static_cast<size_t>(tensor.elementCount()));
    tensor.elemType = wanted;
  }
}

struct Feed {
  std::string name;
  kiln::Tensor tensor;
};

std::vector<Feed> buildFeeds(const CliOptions &options,
                             const kiln::InferenceSession &session,
                             bool verbose) {
  const auto &inputs = session.inputs();
  std::vector<Feed> feeds;
  if (options.inputs.empty()) {
    std::mt19937_64 rng(options.seed);
    for (const kiln::TensorInfo &info : inputs) {
      HostTensor host = randomTensor(info, options.dims, rng);
      if (verbose)
        std::cout << "generated input " << info.name << ": shape "
                  << shapeString(host.shape) << ", dtype "
                  << numpyTypeName(host.elemType) << "\n";
      feeds.push_back({info.name, toKilnTensor(host)});
    }
    return feeds;
  }

  std::map<std::string, const kiln::TensorInfo *> byName;
  for (const kiln::TensorInfo &info : inputs)
    byName[info.name] = &info;
  std::map<std::string, bool> named;
  for (const InputSpec &spec : options.inputs)
    if (!spec.name.empty())
      named[spec.name] = true;
  size_t nextPositional = 0;
  for (const InputSpec &spec : options.inputs) {
    std::string name = spec.name;
    if (name.empty()) {
      while (nextPositional < inputs.size() &&
             named.count(inputs[nextPositional].name))
        ++nextPositional;
      if (nextPositional >= inputs.size())
        throw std::runtime_error("too many input files: the model has " +
                                 std::to_string(inputs.size()) + " inputs (" +
                                 spec.path + ")");
      name = inputs[nextPositional++].name;
    }
    HostTensor host = readInputFile(spec.path);
    auto it = byName.find(name);
    if (it != byName.end())
      adaptToModelType(host, *it->second);
    // Unknown names are passed on: the runtime reports them in ORT's words.
    feeds.push_back({name, toKilnTensor(host)});
  }
  return feeds;
}

void printInfo(const kiln::InferenceSession &session, double loadMs) {
  std::cout << "compiler: " << session.compilerVersion() << "\n"
            << "provider: "
            << (session.provider() == KILN_PROVIDER_CPU ? "CPU" : "CUDA")
            << "\n";
  const char *cpu = "", *features = "";
  kiln::Status(kiln_session_get_target_cpu(session.get(), &cpu, &features))
      .throwIfError();
  std::cout << "target CPU: " << (*cpu ? cpu : "?") << " (features: "
            << (*features ? features : "none") << ")\n"
            << "load time: " << std::fixed << std::setprecision(3) << loadMs
            << " ms\n";
  std::cout.unsetf(std::ios::fixed);
  std::cout << "inputs:\n";
  for (const kiln::TensorInfo &info : session.inputs())
    std::cout << "  " << info.toString() << "\n";
  std::cout << "outputs:\n";
  for (const kiln::TensorInfo &info : session.outputs())
    std::cout << "  " << info.toString() << "\n";
  auto metadata = session.metadata();
  if (!metadata.empty()) {
    std::cout << "metadata:\n";
    for (const auto &[key, value] : metadata)
      std::cout << "  " << key << ": " << value << "\n";
  }
}

int runTool(const std::vector<std::string> &args) {
  CliOptions options = parseCommandLine(args);
  if (options.help) {
    std::cout << usageText();
    return 0;
  }

  kiln::SessionOptions sessionOptions;
  sessionOptions.setIntraOpNumThreads(options.intraOpThreads);
  auto loadStart = std::chrono::steady_clock::now();
  kiln::InferenceSession session(options.modelPath, sessionOptions);
  double loadMs = millisecondsSince(loadStart);
  if (options.info) {
    printInfo(session, loadMs);
    return 0;
  }

  // With nothing else asked for, show the outputs.
  const bool print =
      options.print || (options.outputDir.empty() && options.benchRuns == 0);
  std::vector<Feed> feeds = buildFeeds(options, session, options.print);
  kiln::Feeds feedRefs;
  for (const Feed &feed : feeds)
    feedRefs.emplace_back(feed.name, std::cref(feed.tensor));

  std::vector<kiln::Tensor> outputs;
  if (options.benchRuns > 0) {
    for (int64_t i = 0; i < options.warmupRuns; ++i)
      outputs = session.run(feedRefs);
    std::vector<double> samples;
    samples.reserve(static_cast<size_t>(options.benchRuns));
    for (int64_t i = 0; i < options.benchRuns; ++i) {
      auto start = std::chrono::steady_clock::now();
      outputs = session.run(feedRefs);
      samples.push_back(millisecondsSince(start));
    }
    LatencyStats stats = summarizeLatencies(samples);
    std::cout << std::fixed << std::setprecision(3)
              << "runs: " << options.benchRuns << " (after "
              << options.warmupRuns << " warm-up)\n"
              << "min latency: " << stats.min << " ms\n"
              << "mean latency: " << stats.mean << " ms\n"
              << "median latency: " << stats.median << " ms\n"
              << "p90 latency: " << stats.p90 << " ms\n"
              << "max latency: " << stats.max << " ms\n";
    std::cout.unsetf(std::ios::fixed);
    // The process's peak resident memory (bench/run_bench.py reads it).
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("VmHWM:", 0) == 0) {
        std::string value = line.substr(line.find_first_not_of(" \t", 6));
        std::cout << "peak rss: " << value << "\n";
      }
  } else {
    outputs = session.run(feedRefs);
  }

  const std::vector<std::string> names = session.outputNames();
  if (!options.outputDir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.outputDir, ec);
    if (ec)
      throw std::runtime_error("cannot create output directory " +
                               options.outputDir + ": " + ec.message());
    std::vector<std::string> files = outputFileNames(names);
    for (size_t i = 0; i < outputs.size(); ++i) {
      std::string path = options.outputDir + "/" + files[i];
      writeNpy(path, toHostTensor(outputs[i]));
      std::cout << "wrote " << path << "\n";
    }
  }
  if (print)
    for (size_t i = 0; i < outputs.size(); ++i)
      std::cout << describeTensor(names[i], toHostTensor(outputs[i]),
                                  kPrintedValues)
                << "\n";
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return runTool(args);
  } catch (const UsageError &e) {
    std::cerr << "kiln-run: " << e.what()
              << "\nRun 'kiln-run --help' for usage.\n";
    return 2;
  } catch (const kiln::Exception &e) {
    std::cerr << "kiln-run: " << e.what() << "\n";
    return 1;
  } catch (const std::exception &e) {
    std::cerr << "kiln-run: error: " << e.what() << "\n";
    return 1;
  } catch (...) {
    std::cerr << "kiln-run: error: unknown exception\n";
    return 1;
  }
}
