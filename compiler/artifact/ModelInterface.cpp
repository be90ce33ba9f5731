//===- ModelInterface.cpp - A model's C header, C glue and C++ class ------===//
//
// The generated code uses only the runtime's public C API (kiln.h) and, for
// the C++ class, kiln.hpp: it compiles in the application's build, against
// the installed headers, with any C99 or C++17 compiler.
//
//===----------------------------------------------------------------------===//

#include "compiler/artifact/ModelInterface.h"

#include "kiln/kiln_abi.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>

namespace kiln {

namespace {

/// The C type of one element, and KILN_ELEM_*'s name.
struct ElemInfo {
  const char *cType;
  const char *enumName;
  const char *onnxName = nullptr;
};

ElemInfo elemInfo(int32_t elemType) {
  switch (elemType) {
#define KILN_ELEM_TYPE(NAME, VALUE, ONNX_NAME, BITS, C_TYPE, NUMPY_NAME)      \
  case VALUE:                                                                  \
    return {#C_TYPE, "KILN_ELEM_" #NAME, ONNX_NAME};
#include "kiln/kiln_elem_types.def"
#undef KILN_ELEM_TYPE
  default: return {nullptr, nullptr};
  }
}

/// C and C++ keywords and the names the generated code uses itself, which
/// a parameter must not take.
bool isReserved(llvm::StringRef name) {
  static const llvm::StringSet<> reserved = {
      "auto", "break", "case", "char", "const", "continue", "default", "do",
      "double", "else", "enum", "extern", "float", "for", "goto", "if",
      "inline", "int", "long", "register", "restrict", "return", "short",
      "signed", "sizeof", "static", "struct", "switch", "typedef", "union",
      "unsigned", "void", "volatile", "while", "bool", "true", "false",
      "class", "new", "delete", "this", "template", "typename", "namespace",
      "public", "private", "protected", "virtual", "operator", "friend",
      "try", "catch", "throw", "using", "explicit", "mutable", "export",
      "and", "or", "not", "xor", "and_eq", "or_eq", "not_eq", "xor_eq",
      "bitand", "bitor", "compl", "asm", "decltype", "noexcept", "nullptr",
      "constexpr", "static_assert", "alignas", "alignof", "char8_t",
      "char16_t", "char32_t", "wchar_t", "concept", "requires", "typeid",
      "const_cast", "dynamic_cast", "reinterpret_cast", "static_cast",
      "thread_local", "consteval", "constinit", "co_await", "co_return",
      "co_yield", "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t",
      "uint16_t", "uint32_t", "uint64_t", "size_t", "NULL", "session"};
  return reserved.contains(name) || name.starts_with("k_") ||
         name.starts_with("kiln_") || name.starts_with("_");
}

std::string sanitize(llvm::StringRef name) {
  std::string out;
  for (char c : name)
    out.push_back(llvm::isAlnum(c) ? c : '_');
  return out;
}

/// One graph input or output as the generated code names it.
struct Param {
  const TensorSignature *sig;
  std::string ident; // the parameter's name
  ElemInfo elem;
  bool isStatic;     // every dim known at compile time
  int64_t numElements = 1;
  /// Outputs: a tensor the runtime allocates (kiln_value **) rather than a
  /// buffer the caller passes (dynamic dims, strings).
  bool allocated = false;
};

/// A C string literal for `s`.
std::string quoted(llvm::StringRef s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\')
      out += '\\', out += c;
    else if (c < 0x20 || c >= 0x7f) {
      char escape[5];
      snprintf(escape, sizeof escape, "\\%03o", unsigned(c));
      out += escape;
    }
    else
      out += c;
  }
  // A hex or octal escape must not run into a following digit: octal
  // escapes are at most three digits, so they never do.
  return out + "\"";
}

/// `s` made safe inside a /* */ comment.
std::string commentSafe(llvm::StringRef s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    out += s[i];
    if (s[i] == '*' && i + 1 < s.size() && s[i + 1] == '/')
      out += ' ';
  }
  return out;
}

std::string dimsText(const TensorSignature &sig) {
  std::string out = "[";
  for (size_t i = 0; i < sig.dims.size(); ++i) {
    if (i)
      out += ", ";
    if (sig.dims[i] >= 0)
      out += std::to_string(sig.dims[i]);
    else
      out += sig.dimParams[i].empty() ? "?" : sig.dimParams[i];
  }
  return out + "]";
}

std::string dimsInit(const TensorSignature &sig) {
  std::string out = "{";
  for (size_t i = 0; i < sig.dims.size(); ++i)
    out += (i ? ", " : "") + std::to_string(sig.dims[i]);
  return out + "}";
}

/// Gives every input and output a unique parameter name (and its shape
/// parameter `<name>_shape`).
std::vector<Param> makeParams(const Signature &sig, std::string &error) {
  std::vector<Param> params;
  llvm::StringSet<> used;
  auto add = [&](const TensorSignature &t, bool isOutput) {
    Param p;
    p.sig = &t;
    p.elem = elemInfo(t.elemType);
    if (!p.elem.cType) {
      error = "the model's " + std::string(isOutput ? "output" : "input") +
              " '" + t.name + "' has element type " +
              std::to_string(t.elemType) +
              ", which the generated C interface does not know";
      return;
    }
    p.isStatic = true;
    for (int64_t d : t.dims) {
      p.isStatic &= d >= 0;
      p.numElements *= d >= 0 ? d : 1;
    }
    p.allocated = isOutput && (!p.isStatic || t.elemType == KILN_ELEM_STRING);
    std::string ident = sanitize(t.name);
    if (ident.empty() || llvm::isDigit(ident[0]) || isReserved(ident))
      ident = (isOutput ? "out_" : "in_") + ident;
    std::string base = ident;
    for (int n = 1; used.contains(ident) || used.contains(ident + "_shape");
         ++n)
      ident = base + "_" + std::to_string(n);
    used.insert(ident);
    used.insert(ident + "_shape");
    p.ident = ident;
    params.push_back(std::move(p));
  };
  for (size_t i = 0; i < sig.inputs.size() && error.empty(); ++i)
    add(sig.inputs[i], false);
  for (size_t i = 0; i < sig.outputs.size() && error.empty(); ++i)
    add(sig.outputs[i], true);
  return params;
}

/// The parameter list of `<name>_run` after the session, as C
/// (`cxx` false) or as the C++ class's run() (`cxx` true: allocated
/// outputs are kiln::Value references).
std::string paramList(const std::vector<Param> &params, size_t numInputs,
                      bool cxx) {
  std::string out;
  for (size_t i = 0; i < params.size(); ++i) {
    const Param &p = params[i];
    bool isInput = i < numInputs;
    std::string type = p.elem.cType;
    if (!out.empty())
      out += ", ";
    if (isInput) {
      out += p.sig->elemType == KILN_ELEM_STRING
                 ? "const char *const *" + p.ident
                 : "const " + type + " *" + p.ident;
      if (!p.isStatic)
        out += ", const int64_t *" + p.ident + "_shape";
    } else if (p.allocated) {
      out += cxx ? "kiln::Value &" + p.ident : "kiln_value **" + p.ident;
    } else {
      out += type + " *" + p.ident;
    }
  }
  return out;
}

void writeHeader(llvm::raw_ostream &os, const Signature &sig,
                 const std::vector<Param> &params,
                 const ModelInterfaceOptions &o) {
  std::string up = llvm::StringRef(o.name).upper();
  size_t nIn = sig.inputs.size();
  os << "/* " << o.name << ".h: the Kiln model '" << o.name << "'";
  if (!o.modelPath.empty())
    os << ", compiled from\n * "
       << commentSafe(llvm::sys::path::filename(o.modelPath));
  os << " (" << (o.linkedIn ? "linked into the program" : "a shared object")
     << ").\n * Generated by kiln-compile; do not edit.\n *\n";
  for (size_t i = 0; i < params.size(); ++i) {
    bool isInput = i < nIn;
    size_t index = isInput ? i : i - nIn;
    const TensorSignature &t = *params[i].sig;
    os << " *   " << (isInput ? "input " : "output") << " " << index << " '"
       << commentSafe(t.name) << "': " << params[i].elem.onnxName << " "
       << commentSafe(dimsText(t)) << "\n";
  }
  os << " */\n#ifndef KILN_MODEL_" << up << "_H\n#define KILN_MODEL_" << up
     << "_H\n\n#include <stdbool.h>\n#include <stddef.h>\n#include "
        "<stdint.h>\n\n#include <kiln/kiln.h>\n\n#ifdef __cplusplus\nextern "
        "\"C\" {\n#endif\n\n";
  os << "#define " << up << "_NUM_INPUTS " << nIn << "\n#define " << up
     << "_NUM_OUTPUTS " << sig.outputs.size() << "\n\n";
  os << "/* Element types are KILN_ELEM_*; a dim of -1 is only known when the"
        "\n * model runs. */\n";
  for (size_t i = 0; i < params.size(); ++i) {
    bool isInput = i < nIn;
    size_t index = isInput ? i : i - nIn;
    const Param &p = params[i];
    std::string m = up + (isInput ? "_INPUT_" : "_OUTPUT_") +
                    std::to_string(index);
    os << "#define " << m << "_NAME " << quoted(p.sig->name) << "\n";
    os << "#define " << m << "_ELEM_TYPE " << p.elem.enumName << "\n";
    os << "#define " << m << "_RANK " << p.sig->dims.size() << "\n";
    if (!p.sig->dims.empty())
      os << "#define " << m << "_DIMS " << dimsInit(*p.sig) << "\n";
    if (p.isStatic)
      os << "#define " << m << "_NUM_ELEMENTS " << p.numElements << "\n";
  }
  os << "\n/* Graph input and output names in model order. */\n"
     << "extern const char *const " << o.name << "_input_names[];\n"
     << "extern const char *const " << o.name << "_output_names[];\n\n";
  if (o.linkedIn) {
    os << "/* The model's code and weights, linked into this program. */\n"
       << "extern const kiln_artifact_t " << linkedInDescriptorSymbol(o.name)
       << ";\n\n"
       << "/* Opens a session on the linked-in model (nothing is loaded from "
          "a file).\n * `options` may be NULL. Release the session with "
          "kiln_session_release(). */\n";
  } else {
    os << "/* Where the model's shared object was built. */\n#define " << up
       << "_ARTIFACT_PATH " << quoted(o.artifactPath) << "\n\n"
       << "/* Opens a session on the shared object at " << up
       << "_ARTIFACT_PATH.\n * `options` may be NULL. Release the session "
          "with kiln_session_release(). */\n";
  }
  os << "kiln_status *" << o.name
     << "_open(const kiln_session_options *options, kiln_session **out);\n";
  if (!o.linkedIn)
    os << "/* The same, from a copy of the shared object elsewhere "
          "(installed with the\n * program). */\n"
       << "kiln_status *" << o.name
       << "_open_path(const char *so_path, const kiln_session_options "
          "*options,\n    kiln_session **out);\n";
  os << "\n/* Runs the model. Inputs are row-major arrays of the model's "
        "shapes (an input\n * with dims only known at run time takes its "
        "shape too, RANK entries).\n * Outputs of fixed shape are written "
        "into the caller's arrays of NUM_ELEMENTS\n * elements; the others "
        "(and strings) receive a new tensor to release with\n * "
        "kiln_value_release(). Returns NULL on success, else a status "
        "(ONNX\n * Runtime's codes and messages) to release with "
        "kiln_status_release(). */\n";
  os << "kiln_status *" << o.name << "_run(kiln_session *session, "
     << paramList(params, nIn, false) << ");\n\n";
  os << "#ifdef __cplusplus\n} /* extern \"C\" */\n\n"
     << "#include <kiln/kiln.hpp>\n\n#include <string>\n#include <utility>\n\n"
     << "namespace kiln::models {\n\n"
     << "/// The model '" << o.name
     << "': a session opened on construction; run() may be\n"
     << "/// called from several threads at once. Errors throw "
        "kiln::Exception.\n"
     << "class " << o.name << " {\npublic:\n"
     << "  static constexpr size_t numInputs = " << nIn << ";\n"
     << "  static constexpr size_t numOutputs = " << sig.outputs.size()
     << ";\n\n"
     << "  " << o.name << "() { check(" << o.name
     << "_open(nullptr, &session_)); }\n"
     << "  explicit " << o.name << "(const kiln::SessionOptions &options) {\n"
     << "    check(" << o.name << "_open(options.get(), &session_));\n  }\n";
  if (!o.linkedIn)
    os << "  /// From a copy of the shared object at `soPath`.\n"
       << "  explicit " << o.name
       << "(const std::string &soPath,\n"
          "      const kiln::SessionOptions &options = "
          "kiln::SessionOptions()) {\n"
       << "    check(" << o.name
       << "_open_path(soPath.c_str(), options.get(), &session_));\n  }\n";
  os << "  " << o.name << "(" << o.name
     << " &&other) noexcept\n      : session_(std::exchange(other.session_, "
        "nullptr)) {}\n"
     << "  " << o.name << " &operator=(" << o.name
     << " &&other) noexcept {\n    std::swap(session_, other.session_);\n"
        "    return *this;\n  }\n"
     << "  " << o.name << "(const " << o.name << " &) = delete;\n"
     << "  " << o.name << " &operator=(const " << o.name
     << " &) = delete;\n"
     << "  ~" << o.name << "() { kiln_session_release(session_); }\n\n"
     << "  /// " << o.name << "_run() on this session.\n"
     << "  void run(" << paramList(params, nIn, true) << ") {\n";
  std::string args;
  for (size_t i = 0; i < params.size(); ++i) {
    const Param &p = params[i];
    args += ", ";
    if (i >= nIn && p.allocated) {
      os << "    kiln_value *" << p.ident << "_value = nullptr;\n";
      args += "&" + p.ident + "_value";
    } else {
      args += p.ident;
      if (i < nIn && !p.isStatic)
        args += ", " + p.ident + "_shape";
    }
  }
  os << "    check(" << o.name << "_run(session_" << args << "));\n";
  for (size_t i = nIn; i < params.size(); ++i)
    if (params[i].allocated)
      os << "    " << params[i].ident << " = kiln::Value("
         << params[i].ident << "_value);\n";
  os << "  }\n\n"
     << "  kiln_session *get() const { return session_; }\n\n"
     << "private:\n"
     << "  static void check(kiln_status *status) {\n"
     << "    kiln::Status(status).throwIfError();\n  }\n"
     << "  kiln_session *session_ = nullptr;\n};\n\n"
     << "} // namespace kiln::models\n#endif /* __cplusplus */\n\n"
     << "#endif /* KILN_MODEL_" << up << "_H */\n";
}

void writeSource(llvm::raw_ostream &os, const Signature &sig,
                 const std::vector<Param> &params,
                 const ModelInterfaceOptions &o) {
  size_t nIn = sig.inputs.size(), nOut = sig.outputs.size();
  os << "/* The C entry of the Kiln model '" << o.name
     << "'. Generated by kiln-compile; do not edit. */\n"
     << "#include \""
     << (o.headerPath.empty() ? o.name + ".h"
                              : llvm::sys::path::filename(o.headerPath).str())
     << "\"\n\n#include <stdint.h>\n#include <stdio.h>\n\n";
  os << "const char *const " << o.name << "_input_names[] = {";
  for (size_t i = 0; i < nIn; ++i)
    os << (i ? ", " : "") << quoted(sig.inputs[i].name);
  os << (nIn ? "" : "NULL") << "};\nconst char *const " << o.name
     << "_output_names[] = {";
  for (size_t i = 0; i < nOut; ++i)
    os << (i ? ", " : "") << quoted(sig.outputs[i].name);
  os << "};\n\n";
  if (o.linkedIn)
    os << "kiln_status *" << o.name
       << "_open(const kiln_session_options *options, kiln_session **out) {\n"
       << "  return kiln_session_create_from_artifact(&"
       << linkedInDescriptorSymbol(o.name) << ", " << quoted(o.name)
       << ", options,\n                                           out);\n}\n\n";
  else
    os << "kiln_status *" << o.name
       << "_open(const kiln_session_options *options, kiln_session **out) {\n"
       << "  return kiln_session_create(" << llvm::StringRef(o.name).upper()
       << "_ARTIFACT_PATH, options, out);\n}\n\n"
       << "kiln_status *" << o.name
       << "_open_path(const char *so_path, const kiln_session_options "
          "*options,\n    kiln_session **out) {\n"
       << "  return kiln_session_create(so_path, options, out);\n}\n\n";
  // One helper per translation unit (static): views the caller's array
  // as a tensor of `shape`.
  os << "static kiln_status *k_view(const char *what, int32_t type, const "
        "void *data,\n    const int64_t *shape, size_t rank, kiln_value "
        "**out) {\n"
     << "  size_t count = 1, k;\n"
     << "  char message[256];\n"
     << "  if (rank && !shape) {\n"
     << "    snprintf(message, sizeof message, \"" << o.name
     << "_run: the shape of %s is NULL\", what);\n"
     << "    return kiln_status_create(KILN_INVALID_ARGUMENT, message);\n  }\n"
     << "  for (k = 0; k < rank; ++k) {\n"
     << "    if (shape[k] < 0 || (shape[k] && count > SIZE_MAX / "
        "(size_t)shape[k])) {\n"
     << "      snprintf(message, sizeof message,\n"
     << "               \"" << o.name
     << "_run: dim %zu of %s is %lld\", k, what, (long long)shape[k]);\n"
     << "      return kiln_status_create(KILN_INVALID_ARGUMENT, message);\n"
     << "    }\n    count *= (size_t)shape[k];\n  }\n"
     << "  if (!data && count) {\n"
     << "    snprintf(message, sizeof message, \"" << o.name
     << "_run: %s is NULL\", what);\n"
     << "    return kiln_status_create(KILN_INVALID_ARGUMENT, message);\n  }\n"
     << "  return kiln_value_create_tensor_with_data(type, (void *)data,\n"
     << "      kiln_tensor_data_bytes(type, count), shape, rank, out);\n}\n\n";
  os << "kiln_status *" << o.name << "_run(kiln_session *session, "
     << paramList(params, nIn, false) << ") {\n"
     << "  kiln_value *k_in[" << std::max<size_t>(nIn, 1) << "] = {NULL};\n"
     << "  kiln_value *k_out[" << std::max<size_t>(nOut, 1) << "] = {NULL};\n"
     << "  kiln_status *k_status = NULL;\n  size_t k_i;\n";
  for (size_t i = 0; i < params.size(); ++i) {
    const Param &p = params[i];
    bool isInput = i < nIn;
    size_t index = isInput ? i : i - nIn;
    if (!isInput && p.allocated) {
      os << "  if (!" << p.ident << ") {\n    k_status = kiln_status_create("
         << "KILN_INVALID_ARGUMENT, \"" << o.name << "_run: " << p.ident
         << " is NULL\");\n    goto done;\n  }\n";
      continue;
    }
    std::string shape = "NULL";
    if (p.isStatic && !p.sig->dims.empty()) {
      shape = "k_" + std::string(isInput ? "in" : "out") +
              std::to_string(index) + "_dims";
      os << "  static const int64_t " << shape << "[] = " << dimsInit(*p.sig)
         << ";\n";
    } else if (!p.isStatic) {
      shape = p.ident + "_shape";
    }
    os << "  k_status = k_view(" << quoted(p.ident) << ", "
       << p.elem.enumName << ", " << p.ident << ", " << shape << ", "
       << p.sig->dims.size() << ", &k_" << (isInput ? "in" : "out") << "["
       << index << "]);\n  if (k_status)\n    goto done;\n";
  }
  os << "  k_status = kiln_session_run(session, " << o.name
     << "_input_names,\n      (const kiln_value *const *)k_in, " << nIn
     << ", " << o.name << "_output_names, " << nOut << ", k_out);\n";
  bool anyAllocated = false;
  for (size_t i = nIn; i < params.size(); ++i)
    anyAllocated |= params[i].allocated;
  if (anyAllocated) {
    os << "  if (!k_status) {\n";
    for (size_t i = nIn; i < params.size(); ++i)
      if (params[i].allocated)
        os << "    *" << params[i].ident << " = k_out[" << i - nIn
           << "];\n    k_out[" << i - nIn << "] = NULL;\n";
    os << "  }\n";
  }
  os << "done:\n"
     << "  for (k_i = 0; k_i < " << nIn << "; ++k_i)\n"
     << "    kiln_value_release(k_in[k_i]);\n"
     << "  for (k_i = 0; k_i < " << nOut << "; ++k_i)\n"
     << "    kiln_value_release(k_out[k_i]);\n"
     << "  return k_status;\n}\n";
}

mlir::LogicalResult writeFile(const std::string &path,
                              llvm::function_ref<void(llvm::raw_ostream &)> fn,
                              std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_Text);
  if (ec) {
    error = "cannot write " + path + ": " + ec.message();
    return mlir::failure();
  }
  fn(os);
  os.close();
  if (os.has_error()) {
    error = "cannot write " + path + ": " + os.error().message();
    os.clear_error();
    return mlir::failure();
  }
  return mlir::success();
}

} // namespace

bool isValidModelName(const std::string &name) {
  if (name.empty() || llvm::isDigit(name[0]))
    return false;
  for (char c : name)
    if (!llvm::isAlnum(c) && c != '_')
      return false;
  return true;
}

std::string linkedInDescriptorSymbol(const std::string &name) {
  return name + "_" KILN_ARTIFACT_SYMBOL;
}

mlir::LogicalResult writeModelInterface(const Signature &signature,
                                        const ModelInterfaceOptions &options,
                                        std::string &error) {
  if (!isValidModelName(options.name)) {
    error = "the model name '" + options.name +
            "' is not a C identifier (--name)";
    return mlir::failure();
  }
  std::vector<Param> params = makeParams(signature, error);
  if (!error.empty())
    return mlir::failure();
  if (!options.headerPath.empty() &&
      failed(writeFile(
          options.headerPath,
          [&](llvm::raw_ostream &os) {
            writeHeader(os, signature, params, options);
          },
          error)))
    return mlir::failure();
  if (!options.sourcePath.empty() &&
      failed(writeFile(
          options.sourcePath,
          [&](llvm::raw_ostream &os) {
            writeSource(os, signature, params, options);
          },
          error)))
    return mlir::failure();
  return mlir::success();
}

} // namespace kiln
