# Finds Debian's LLVM/MLIR 22 and sets up TableGen. Kiln links the shared
# libMLIR.so and libLLVM.so: linking the static libraries makes every tool
# ~100 MB and every link minutes long on two cores.
find_package(MLIR REQUIRED CONFIG
  HINTS /usr/lib/llvm-22/lib/cmake/mlir)
message(STATUS "Using MLIR ${MLIR_DIR}, LLVM ${LLVM_PACKAGE_VERSION}")

list(APPEND CMAKE_MODULE_PATH "${MLIR_CMAKE_DIR}" "${LLVM_CMAKE_DIR}")
set(LLVM_RUNTIME_OUTPUT_INTDIR ${CMAKE_BINARY_DIR}/bin)
set(LLVM_LIBRARY_OUTPUT_INTDIR ${CMAKE_BINARY_DIR}/lib)
set(MLIR_BINARY_DIR ${CMAKE_BINARY_DIR})
include(TableGen)
include(AddLLVM)
include(AddMLIR)

include_directories(SYSTEM ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})

# Compile flags for code that includes LLVM/MLIR headers.
add_library(kiln_mlir_flags INTERFACE)
target_include_directories(kiln_mlir_flags SYSTEM INTERFACE
  ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})
target_compile_definitions(kiln_mlir_flags INTERFACE ${LLVM_DEFINITIONS})
target_compile_options(kiln_mlir_flags INTERFACE -fno-exceptions)
target_link_libraries(kiln_mlir_flags INTERFACE MLIR LLVM)
target_include_directories(kiln_mlir_flags INTERFACE
  ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}
  ${PROJECT_SOURCE_DIR}/runtime/include)

set(KILN_LIT ${LLVM_EXTERNAL_LIT})
if(NOT KILN_LIT)
  set(KILN_LIT /usr/lib/llvm-22/bin/lit)
endif()
