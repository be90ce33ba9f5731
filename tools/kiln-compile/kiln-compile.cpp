//===- kiln-compile.cpp - Compiles an ONNX model to a shared object -------===//
//
//   kiln-compile model.onnx -o model.so [-O0..-O3] [--shape x=1x3x224x224]
//                [--dim batch=1] [--emit=onnx|linalg|mlir|llvm|obj|so|lib]
//                [--mcpu=native|x86-64-v3|...] [--mattr=+feat,-feat]
//                [--profile] [--winograd=false]
//                [--fuse-pointwise-depthwise=false]
//                [--name=model --c-header=model.h --c-source=model.c]
//                [--provider=cpu|cuda --cuda-arch=sm_80,sm_90 --emit=ptx]
//                [--provider=cuda --cuda-emulate] [--provider=cuda,cpu]
//                [--depfile=model.d]
//
//===----------------------------------------------------------------------===//

#include "compiler/frontend/ModelLoader.h"
#include "compiler/pipeline/Compiler.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <vector>

using namespace llvm;

// --help lists these; LLVM's own options (hundreds, linked in with the
// backends) still parse but stay out of it (--help-hidden shows them).
static cl::OptionCategory kilnCategory("kiln-compile options");

static cl::opt<std::string> input(cl::Positional, cl::desc("<model.onnx>"),
                                  cl::Required, cl::cat(kilnCategory));
static cl::opt<std::string> output("o", cl::desc("Output file ('-' = stdout)"),
                                   cl::value_desc("file"), cl::init(""),
                                   cl::cat(kilnCategory));
static cl::opt<char> optLevel(
    "O",
    cl::desc("Optimization level 0-3 (ONNX Runtime's DISABLE_ALL, BASIC, "
             "EXTENDED, ALL); default 3"),
    cl::Prefix, cl::init('3'), cl::cat(kilnCategory));
static cl::list<std::string>
    shapes("shape", cl::desc("Pin an input's shape: name=1x3x224x224"),
           cl::cat(kilnCategory));
static cl::list<std::string>
    dims("dim", cl::desc("Pin a symbolic dim everywhere: batch=1"),
         cl::cat(kilnCategory));
static cl::list<std::string> sequenceLengths(
    "sequence-length",
    cl::desc("Fix the number of tensors of a sequence input: name=3"),
    cl::cat(kilnCategory));
static cl::list<std::string> absentOptionals(
    "optional-absent",
    cl::desc("Compile an optional input without a value (fed None)"),
    cl::cat(kilnCategory));
static cl::opt<bool>
    profile("profile",
            cl::desc("Instrument every kernel for session profiling "
                     "(enable_profiling)"),
            cl::cat(kilnCategory));
static cl::opt<bool> dynamic("all-dynamic",
                             cl::desc("Make every input dim symbolic"),
                             cl::cat(kilnCategory));
static cl::opt<std::string>
    emit("emit",
         cl::desc("What to write: onnx, linalg, mlir, llvm, obj, so, or lib "
                  "(a static library to link into a program; see --name); "
                  "with --provider=cuda, ptx (a directory: the PTX of every "
                  "kernel and the host schedule)"),
         cl::init("so"), cl::cat(kilnCategory));
static cl::opt<std::string> modelName(
    "name",
    cl::desc("The model's C identifier: --emit=lib exports the descriptor "
             "<name>_kiln_artifact, and the C interface is <name>_open, "
             "<name>_run (default: the model file's name)"),
    cl::value_desc("identifier"), cl::cat(kilnCategory));
static cl::opt<std::string>
    cHeader("c-header",
            cl::desc("Also write the model's C/C++ header: its signature as "
                     "constants, <name>_run() and a C++ class"),
            cl::value_desc("file.h"), cl::cat(kilnCategory));
static cl::opt<std::string>
    cSource("c-source",
            cl::desc("Also write the C source defining the header's "
                     "functions"),
            cl::value_desc("file.c"), cl::cat(kilnCategory));
static cl::opt<std::string>
    depfile("depfile",
            cl::desc("Also write a Makefile-style dependency file naming the "
                     "model and its external data files (for build systems)"),
            cl::value_desc("file.d"), cl::cat(kilnCategory));
// Registered as "target-cpu": the in-process linker registers LLVM's own
// "mcpu" option when it first runs, so main() maps --mcpu onto this one.
static cl::opt<std::string> mcpu("target-cpu",
                                 cl::desc("Target CPU (default: this host): "
                                          "LLVM's names (skylake-avx512, "
                                          "znver3) or a level (x86-64-v2, "
                                          "x86-64-v3, x86-64-v4); also "
                                          "spelled --mcpu"),
                                 cl::init("native"), cl::cat(kilnCategory));
// Registered as "target-features" for the same reason as --mcpu.
static cl::opt<std::string>
    mattr("target-features",
          cl::desc("CPU features to add or remove, LLVM's names: "
                   "+avx2,-avx512f (also spelled --mattr)"),
          cl::value_desc("+feat,-feat"), cl::cat(kilnCategory));
static cl::opt<bool>
    timeReport("time-report",
               cl::desc("Print where the compile time goes: per stage "
                        "(MLIR passes, LLVM optimization and instruction "
                        "selection, linking) and per MLIR pass"),
               cl::cat(kilnCategory));
static cl::opt<bool>
    fusePointwiseDepthwise(
        "fuse-pointwise-depthwise",
        cl::desc("Compute a 1x1 convolution and the depthwise convolution "
                 "reading it as one kernel (default on; "
                 "--fuse-pointwise-depthwise=false keeps them apart)"),
        cl::init(true), cl::cat(kilnCategory));
static cl::opt<bool>
    winograd("winograd",
             cl::desc("Compute large enough stride-1 3x3 convolutions of "
                      "constant weights with Winograd F(4x4, 3x3) (default "
                      "on; --winograd=false keeps them direct)"),
             cl::init(true), cl::cat(kilnCategory));
static cl::opt<std::string>
    provider("provider",
             cl::desc("Execution provider: cpu (default) or cuda (PTX "
                      "kernels launched by the host code of an x86-64 "
                      "artifact; --emit=ptx writes the kernels alone); "
                      "cuda,cpu: a CUDA artifact that also carries the model "
                      "compiled for the CPU, which the runtime runs when "
                      "the device cannot be used and the session lists the "
                      "CPU too"),
             cl::init("cpu"), cl::cat(kilnCategory));
static cl::list<std::string>
    cudaArch("cuda-arch",
             cl::desc("CUDA architectures to make PTX for, one module each "
                      "(default sm_80)"),
             cl::value_desc("sm_80,sm_90"), cl::CommaSeparated,
             cl::cat(kilnCategory));
static cl::opt<std::string>
    cudaToolkit("cuda-toolkit",
                cl::desc("CUDA toolkit whose libdevice is linked into "
                         "kernels (default: the one found at build time)"),
                cl::value_desc("path"), cl::cat(kilnCategory));
static cl::opt<bool> cudaEmulate(
    "cuda-emulate",
    cl::desc("With --provider=cuda: a CPU artifact running the GPU "
             "schedule's launches as loops (checks its numerics without a "
             "GPU)"),
    cl::cat(kilnCategory));
static cl::opt<bool> cudaHostKernels(
    "cuda-host-kernels",
    cl::desc("With --provider=cuda: the artifact also carries a host copy "
             "of every kernel, which the tests' fake CUDA driver runs (the "
             "numbers of a CUDA artifact checked without a GPU)"),
    cl::cat(kilnCategory));
static cl::opt<int64_t> cudaBlockReductionMin(
    "cuda-block-reduction-min",
    cl::desc("With --provider=cuda at -O1 and above: split reductions of at "
             "least this many elements per output across a block of threads "
             "(default 64; 1: every reduction; 0: none)"),
    cl::init(64), cl::cat(kilnCategory));
static cl::opt<int64_t> cudaTileMin(
    "cuda-tile-min",
    cl::desc("With --provider=cuda at -O1 and above: compute matmuls whose "
             "m, n and k are each at least this in shared-memory tiles "
             "(default 16; 1: every one the strategy takes; 0: none)"),
    cl::init(16), cl::cat(kilnCategory));
static cl::opt<bool> cudaTf32(
    "cuda-tf32",
    cl::desc("With --provider=cuda at -O1 and above, sm_80 and newer: f32 "
             "matmuls may run on the tensor cores in TF32 (operands rounded "
             "to 10 mantissa bits; off by default)"),
    cl::cat(kilnCategory));
static cl::opt<bool> printIR("print-ir-after-all",
                             cl::desc("Print the IR after every pass"),
                             cl::cat(kilnCategory));

/// `path` escaped for a Makefile dependency line.
static std::string depfileEscape(StringRef path) {
  std::string out;
  for (char c : path) {
    if (c == ' ' || c == '#' || c == '\\')
      out += '\\';
    else if (c == '$')
      out += '$';
    out += c;
  }
  return out;
}

/// The model file's name as a C identifier: "my-model.onnx" -> my_model.
static std::string defaultModelName(StringRef path) {
  std::string name = sys::path::stem(path).str();
  for (char &c : name)
    if (!isAlnum(c))
      c = '_';
  if (name.empty() || isDigit(name[0]))
    name = "model_" + name;
  return name;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  std::vector<std::string> argStorage(argv, argv + argc);
  for (std::string &a : argStorage)
    for (auto [spelling, name] :
         {std::pair{"--mcpu", "--target-cpu"}, std::pair{"-mcpu", "--target-cpu"},
          std::pair{"--mattr", "--target-features"},
          std::pair{"-mattr", "--target-features"}})
      if (StringRef(a).starts_with(std::string(spelling) + "=") ||
          a == spelling) {
        a = name + a.substr(std::string(spelling).size());
        break;
      }
  std::vector<const char *> args;
  for (std::string &a : argStorage)
    args.push_back(a.c_str());
  cl::HideUnrelatedOptions(kilnCategory);
  cl::ParseCommandLineOptions(args.size(), args.data(),
                              "Kiln ONNX compiler\n");

  kiln::CompileOptions options;
  if (optLevel < '0' || optLevel > '3') {
    errs() << "kiln-compile: -O" << optLevel << " is not a level (0-3)\n";
    return 2;
  }
  options.optLevel = optLevel - '0';
  options.mcpu = mcpu;
  options.mattr = mattr;
  options.printIRAfterAll = printIR;
  options.profile = profile;
  options.timeReport = timeReport;
  options.winograd = winograd;
  options.fusePointwiseDepthwise = fusePointwiseDepthwise;
  options.shapes.allDynamic = dynamic;
  if (provider == "cuda" || provider == "cuda,cpu") {
    options.provider = kiln::Provider::Cuda;
    options.cudaCpuFallback = provider == "cuda,cpu";
  } else if (provider != "cpu") {
    errs() << "kiln-compile: unknown --provider=" << provider
           << " (cpu, cuda, or cuda,cpu)\n";
    return 2;
  }
  if (!cudaArch.empty())
    options.cudaChips.assign(cudaArch.begin(), cudaArch.end());
  options.cudaToolkit = cudaToolkit;
  options.cudaEmulate = cudaEmulate;
  options.cudaHostKernels = cudaHostKernels;
  options.cudaBlockReductionMin = cudaBlockReductionMin;
  options.cudaTileMin = cudaTileMin;
  options.cudaTf32 = cudaTf32;
  if (cudaEmulate && options.provider != kiln::Provider::Cuda) {
    errs() << "kiln-compile: --cuda-emulate needs --provider=cuda\n";
    return 2;
  }
  if (cudaEmulate && options.cudaCpuFallback) {
    errs() << "kiln-compile: --cuda-emulate makes a CPU artifact, which "
              "carries no CPU copy (--provider=cuda,cpu)\n";
    return 2;
  }
  std::string specError;
  for (const std::string &s : shapes)
    if (!kiln::addInputShape(s, options.shapes, specError)) {
      errs() << "kiln-compile: --shape: " << specError << "\n";
      return 2;
    }
  for (const std::string &s : dims)
    if (!kiln::addDimOverride(s, options.shapes, specError)) {
      errs() << "kiln-compile: --dim: " << specError << "\n";
      return 2;
    }
  for (const std::string &s : sequenceLengths)
    if (!kiln::addSequenceLength(s, options.shapes, specError)) {
      errs() << "kiln-compile: --sequence-length: " << specError << "\n";
      return 2;
    }
  options.shapes.absentOptionals.insert(absentOptionals.begin(),
                                        absentOptionals.end());
  static const std::map<std::string, kiln::EmitKind> kinds = {
      {"onnx", kiln::EmitKind::Onnx},   {"linalg", kiln::EmitKind::Linalg},
      {"mlir", kiln::EmitKind::Mlir},   {"llvm", kiln::EmitKind::Llvm},
      {"obj", kiln::EmitKind::Object},  {"so", kiln::EmitKind::SharedObject},
      {"lib", kiln::EmitKind::StaticLibrary}, {"ptx", kiln::EmitKind::Ptx}};
  auto kind = kinds.find(emit);
  if (kind == kinds.end()) {
    errs() << "kiln-compile: unknown --emit=" << emit << "\n";
    return 2;
  }
  options.emit = kind->second;
  std::string out = output;
  if (out.empty()) {
    bool text = options.emit != kiln::EmitKind::Ptx &&
                options.emit != kiln::EmitKind::Object &&
                options.emit != kiln::EmitKind::SharedObject &&
                options.emit != kiln::EmitKind::StaticLibrary;
    if (text) {
      out = "-";
    } else {
      out = input;
      if (StringRef(out).ends_with(".onnx"))
        out.resize(out.size() - 5);
      out += options.emit == kiln::EmitKind::Ptx             ? ".ptx"
             : options.emit == kiln::EmitKind::Object        ? ".o"
             : options.emit == kiln::EmitKind::StaticLibrary ? ".a"
                                                             : ".so";
    }
  }
  options.modelName = modelName.empty() ? defaultModelName(input)
                                        : std::string(modelName);
  options.cHeaderPath = cHeader;
  options.cSourcePath = cSource;
  // Read before compiling: the in-process linker resets every option.
  std::string depfilePath = depfile, modelPath = input;

  std::string error;
  int code = 0;
  if (!kiln::compileModel(input, "", options, out, error, code)) {
    errs() << error << "\n";
    return 1;
  }
  if (!depfilePath.empty()) {
    // The first output is the target; the model and every external data
    // file it names are its prerequisites.
    std::error_code ec;
    raw_fd_ostream os(depfilePath, ec, sys::fs::OF_Text);
    if (ec) {
      errs() << "kiln-compile: cannot write " << depfilePath << ": "
             << ec.message() << "\n";
      return 1;
    }
    os << depfileEscape(out) << ":";
    SmallString<256> model(modelPath);
    sys::fs::make_absolute(model);
    os << " \\\n  " << depfileEscape(model);
    for (const std::string &file : kiln::externalDataFiles(modelPath)) {
      SmallString<256> path(file);
      sys::fs::make_absolute(path);
      os << " \\\n  " << depfileEscape(path);
    }
    os << "\n";
  }
  return 0;
}
