//===- onnx_compile.h - Sessions from .onnx models -----------*- C++ -*-===//
//
// ONNX Runtime programs open `.onnx` files. libkilnrt links no LLVM: it
// loads Kiln's compiler library (libkilncompiler.so) on demand, compiles
// the model with the session options' optimization level, free dimension
// overrides and profiling into the compile cache, and opens the artifact.
// A program that only opens compiled artifacts never loads the compiler.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_ONNX_COMPILE_H
#define KILN_RUNTIME_ONNX_COMPILE_H

#include "session_options.h"

#include <string>

namespace kiln::rt {

/// `path` itself when it is not an ONNX model (an artifact, or a file that
/// does not exist: the loader reports it); otherwise the cached artifact
/// compiled from it, compiling it first on a miss. Throws KilnError with
/// the compiler's ONNX Runtime code, or NOT_IMPLEMENTED when the compiler
/// library cannot be loaded.
std::string artifactForModel(const std::string &path,
                             const kiln_session_options &options);

} // namespace kiln::rt

#endif // KILN_RUNTIME_ONNX_COMPILE_H
