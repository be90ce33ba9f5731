//===- compiler_module.cpp - kiln._compiler: ONNX to a Kiln artifact ------===//
//
// Kept apart from kiln._runtime because it links libMLIR and libLLVM: a
// process that only loads compiled models never imports it.
//
//===----------------------------------------------------------------------===//

#include "compiler_shim.h"

#include <nanobind/nanobind.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

namespace nb = nanobind;

NB_MODULE(_compiler, m) {
  m.doc() = "Kiln compiler: ONNX models to native shared objects.";
  m.attr("version") = kiln::python::compilerVersion();
  m.def(
      "compile",
      [](const std::string &modelPath, nb::bytes bytes, int optLevel,
         const std::string &mcpu,
         const std::vector<std::pair<std::string, int64_t>> &dimOverrides,
         const std::vector<std::pair<std::string, std::vector<int64_t>>>
             &inputShapes,
         const std::string &emit, const std::string &outPath, bool allDynamic,
         bool profile,
         const std::vector<std::pair<std::string, int64_t>> &sequenceLengths,
         const std::vector<std::string> &absentOptionals,
         const std::vector<std::string> &cudaArchs, bool cudaTf32) {
        kiln::python::CompileRequest request;
        request.modelPath = modelPath;
        request.bytes.assign(bytes.c_str(), bytes.size());
        request.optLevel = optLevel;
        request.mcpu = mcpu;
        request.dimOverrides = dimOverrides;
        request.inputShapes = inputShapes;
        request.emit = emit;
        request.outPath = outPath;
        request.allDynamic = allDynamic;
        request.profile = profile;
        request.sequenceLengths = sequenceLengths;
        request.absentOptionals = absentOptionals;
        request.cudaArchs = cudaArchs;
        request.cudaTf32 = cudaTf32;
        std::string error;
        int code;
        {
          // Compiling takes seconds; other Python threads keep running.
          nb::gil_scoped_release noGil;
          code = kiln::python::compile(request, error);
        }
        return std::make_pair(code, error);
      },
      nb::arg("model_path"), nb::arg("model_bytes"), nb::arg("opt_level") = 3,
      nb::arg("mcpu") = "native",
      nb::arg("dim_overrides") = std::vector<std::pair<std::string, int64_t>>(),
      nb::arg("input_shapes") =
          std::vector<std::pair<std::string, std::vector<int64_t>>>(),
      nb::arg("emit") = "so", nb::arg("out_path") = "",
      nb::arg("all_dynamic") = false, nb::arg("profile") = false,
      nb::arg("sequence_lengths") =
          std::vector<std::pair<std::string, int64_t>>(),
      nb::arg("absent_optionals") = std::vector<std::string>(),
      nb::arg("cuda_archs") = std::vector<std::string>(),
      nb::arg("cuda_tf32") = false,
      "Compiles `model_path` (or `model_bytes` when the path is empty) into "
      "`out_path`; `all_dynamic` makes every input dim symbolic first, "
      "`profile` instruments every kernel for session profiling, "
      "`sequence_lengths` fixes the number of tensors of sequence inputs "
      "and `absent_optionals` names the optional inputs compiled without a "
      "value; `cuda_archs` (sm_80, ...) compiles for the CUDA provider, "
      "`cuda_tf32` lets its f32 matmuls run on the tensor cores in TF32. "
      "Returns "
      "(0, '') on success, else (ONNX Runtime status "
      "code, every diagnostic).");
}
