# `cmake --install <build> --prefix <dir>` lays Kiln out as
#
#   bin/                kiln-compile, kiln-opt, kiln-run, kiln-loadcheck
#   lib/                libkilnrt.so, libkilnrt.a, libkilncompiler.so,
#                       libkilnonnx.so (the ONNX library the compiler uses)
#   lib/pkgconfig/      kilnrt.pc, kilncompiler.pc
#   lib/cmake/Kiln/     KilnConfig.cmake (find_package(Kiln)), its version
#                       file, KilnTargets.cmake (the runtime),
#                       KilnToolsTargets.cmake (the tools), KilnModel.cmake
#   include/kiln/       kiln.h, kiln.hpp, kiln_abi.h, kiln_elem_types.def, kiln_integrity.h
#
# The compiler is installed as its tools and as libkilncompiler.so, whose
# C interface (kiln/kiln_compiler.h) is all it exports: the compiler's own
# libraries are static, linked into it and the tools. Both keep an RPATH to
# the LLVM/MLIR 22 libraries they link (Debian's llvm-22).

include(CMakePackageConfigHelpers)

set(KILN_INSTALL_BINDIR bin)
set(KILN_INSTALL_LIBDIR lib)
set(KILN_INSTALL_INCLUDEDIR include)
set(KILN_INSTALL_CMAKEDIR lib/cmake/Kiln)

file(STRINGS ${PROJECT_SOURCE_DIR}/runtime/include/kiln/kiln_abi.h abi_line
  REGEX "^#define KILN_ABI_VERSION [0-9]+u")
string(REGEX REPLACE ".* ([0-9]+)u" "\\1" KILN_ABI_VERSION "${abi_line}")

# --- the runtime --------------------------------------------------------------
set_target_properties(kiln_runtime kiln_runtime_static PROPERTIES
  EXPORT_NAME runtime)
set_target_properties(kiln_runtime_static PROPERTIES EXPORT_NAME runtime_static)
install(TARGETS kiln_runtime kiln_runtime_static EXPORT KilnTargets
  LIBRARY DESTINATION ${KILN_INSTALL_LIBDIR} COMPONENT runtime
  ARCHIVE DESTINATION ${KILN_INSTALL_LIBDIR} COMPONENT runtime)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/kiln
  DESTINATION ${KILN_INSTALL_INCLUDEDIR} COMPONENT runtime
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp" PATTERN "*.def")
configure_file(${PROJECT_SOURCE_DIR}/cmake/kilnrt.pc.in
  ${PROJECT_BINARY_DIR}/kilnrt.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/kilnrt.pc
  DESTINATION ${KILN_INSTALL_LIBDIR}/pkgconfig COMPONENT runtime)

# --- the tools ----------------------------------------------------------------
set(kiln_tools kiln-run kiln-loadcheck)
if(TARGET kiln-compile)
  list(APPEND kiln_tools kiln-compile kiln-opt)
endif()
foreach(tool ${kiln_tools})
  # kiln-run finds libkilnrt in ../lib (a prefix) or .. (kiln/bin in the
  # Python package); the compiler keeps the LLVM/MLIR directory it was
  # linked against.
  set_target_properties(${tool} PROPERTIES
    INSTALL_RPATH "$ORIGIN/../${KILN_INSTALL_LIBDIR};$ORIGIN/.."
    INSTALL_RPATH_USE_LINK_PATH TRUE)
endforeach()
# Their own export set, installed with them: a prefix with the runtime alone
# is a complete package (without Kiln::kiln-compile and kiln_add_model).
install(TARGETS ${kiln_tools} EXPORT KilnToolsTargets
  RUNTIME DESTINATION ${KILN_INSTALL_BINDIR} COMPONENT tools)
install(EXPORT KilnToolsTargets NAMESPACE Kiln::
  DESTINATION ${KILN_INSTALL_CMAKEDIR} COMPONENT tools)

# --- the ONNX library ---------------------------------------------------------
# libkilnonnx.so (cmake/KilnOnnx.cmake): the compiler and kiln-run use it.
install(TARGETS kiln_onnx LIBRARY DESTINATION ${KILN_INSTALL_LIBDIR}
  COMPONENT tools)

# --- the compiler library -----------------------------------------------------
if(TARGET kiln_compiler)
  set_target_properties(kiln_compiler PROPERTIES EXPORT_NAME compiler
    INSTALL_RPATH "$ORIGIN" INSTALL_RPATH_USE_LINK_PATH TRUE)
  install(TARGETS kiln_compiler EXPORT KilnCompilerTargets
    LIBRARY DESTINATION ${KILN_INSTALL_LIBDIR} COMPONENT tools)
  install(EXPORT KilnCompilerTargets NAMESPACE Kiln::
    DESTINATION ${KILN_INSTALL_CMAKEDIR} COMPONENT tools)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/kilncompiler.pc.in
    ${PROJECT_BINARY_DIR}/kilncompiler.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/kilncompiler.pc
    DESTINATION ${KILN_INSTALL_LIBDIR}/pkgconfig COMPONENT tools)
endif()

# --- the CMake package --------------------------------------------------------
install(EXPORT KilnTargets NAMESPACE Kiln::
  DESTINATION ${KILN_INSTALL_CMAKEDIR} COMPONENT runtime)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/KilnConfig.cmake.in
  ${PROJECT_BINARY_DIR}/KilnConfig.cmake
  INSTALL_DESTINATION ${KILN_INSTALL_CMAKEDIR}
  PATH_VARS KILN_INSTALL_INCLUDEDIR)
# Artifacts are checked against the runtime's ABI version, not the
# package's: any 0.1.x finds 0.1.y (SameMinorVersion while before 1.0).
write_basic_package_version_file(${PROJECT_BINARY_DIR}/KilnConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/KilnConfig.cmake
  ${PROJECT_BINARY_DIR}/KilnConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/KilnModel.cmake
  DESTINATION ${KILN_INSTALL_CMAKEDIR} COMPONENT runtime)
