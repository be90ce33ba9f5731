# Fails when LIBRARY depends (directly or transitively) on LLVM or MLIR, or
# on a CUDA library: deployed models must not pull the compiler in, and CPU
# models must run where no CUDA driver is (libcuda is dlopened by CUDA
# sessions only).
if(NOT LIBRARY)
  message(FATAL_ERROR "usage: cmake -DLIBRARY=<path> -P check_no_llvm.cmake")
endif()
file(GET_RUNTIME_DEPENDENCIES
  LIBRARIES ${LIBRARY}
  RESOLVED_DEPENDENCIES_VAR resolved
  UNRESOLVED_DEPENDENCIES_VAR unresolved)
foreach(dep IN LISTS resolved unresolved)
  get_filename_component(name "${dep}" NAME)
  if(name MATCHES "(LLVM|MLIR|mlir|llvm|clang|cuda|nvrtc|cublas)")
    message(FATAL_ERROR "${LIBRARY} depends on ${dep}")
  endif()
endforeach()
message(STATUS "${LIBRARY}: no LLVM/MLIR/CUDA among ${resolved}")
