# The ONNX C++ library the frontend uses: operator schemas of every opset
# (default domain up to opset 28, ai.onnx.ml, ai.onnx.preview.training), their
# shape inference, function bodies, the checker and the version converter.
#
# Debian 12 ships libonnx 1.12, which stops at opset 17, so Kiln builds the
# library from the sources of the `onnx` sdist on PyPI, pinned by version and
# hash (docs/onnx-dialect.md). The sdist is downloaded once into
# KILN_DOWNLOAD_DIR (shared by every build tree of the machine) and unpacked
# into the build tree; KILN_ONNX_SOURCE_DIR points at an unpacked copy for
# offline builds.
#
# One shared library, libkilnonnx.so, holds the generated protobuf code and the
# schemas: every Kiln binary that touches ONNX protobufs (the compiler tools,
# libkilncompiler, the Python compiler module, kiln-run) uses this one copy,
# because libprotobuf aborts when two copies of onnx-ml.proto register in one
# process (kiln-run opens .onnx models through libkilncompiler).

set(KILN_ONNX_VERSION 1.23.2)
set(KILN_ONNX_SHA256
  008cb0467b2bbee41448acc7da8b6f4e704624cb0d327a2d5adafc7ce19bc5b8)
set(KILN_ONNX_URL "https://files.pythonhosted.org/packages/3f/62/bc2dfadb63ecf04cb2d65a6b17751863039d36c65de51d6a3128ab35f1e7/onnx-${KILN_ONNX_VERSION}.tar.gz")

set(KILN_ONNX_SOURCE_DIR "" CACHE PATH
  "An unpacked onnx-${KILN_ONNX_VERSION} sdist (empty: download it)")
if(DEFINED ENV{HOME} AND NOT "$ENV{HOME}" STREQUAL "")
  set(kiln_default_download_dir "$ENV{HOME}/.cache/kiln/downloads")
else()
  set(kiln_default_download_dir "${PROJECT_BINARY_DIR}/_downloads")
endif()
set(KILN_DOWNLOAD_DIR "${kiln_default_download_dir}" CACHE PATH
  "Where downloaded sources are kept between build trees")

find_package(Protobuf REQUIRED)

if(NOT KILN_ONNX_SOURCE_DIR)
  set(tarball "${KILN_DOWNLOAD_DIR}/onnx-${KILN_ONNX_VERSION}.tar.gz")
  set(have_tarball FALSE)
  if(EXISTS "${tarball}")
    file(SHA256 "${tarball}" actual)
    if(actual STREQUAL KILN_ONNX_SHA256)
      set(have_tarball TRUE)
    else()
      message(STATUS "Kiln: ${tarball} has the wrong hash; downloading again")
      file(REMOVE "${tarball}")
    endif()
  endif()
  if(NOT have_tarball)
    message(STATUS "Kiln: downloading onnx ${KILN_ONNX_VERSION} sources from PyPI")
    file(MAKE_DIRECTORY "${KILN_DOWNLOAD_DIR}")
    # Into a private name first: a concurrent configure never sees half a file.
    string(RANDOM LENGTH 8 suffix)
    file(DOWNLOAD "${KILN_ONNX_URL}" "${tarball}.${suffix}"
      EXPECTED_HASH SHA256=${KILN_ONNX_SHA256} STATUS status TLS_VERIFY ON)
    list(GET status 0 code)
    if(NOT code EQUAL 0)
      file(REMOVE "${tarball}.${suffix}")
      list(GET status 1 why)
      message(FATAL_ERROR "Kiln: cannot download ${KILN_ONNX_URL}: ${why}. "
        "Download it by hand into ${KILN_DOWNLOAD_DIR}, or unpack it and set "
        "-DKILN_ONNX_SOURCE_DIR=<dir>.")
    endif()
    file(RENAME "${tarball}.${suffix}" "${tarball}")
  endif()
  set(unpacked "${PROJECT_BINARY_DIR}/_deps/onnx-${KILN_ONNX_VERSION}")
  if(NOT EXISTS "${unpacked}/onnx/defs/schema.h")
    file(ARCHIVE_EXTRACT INPUT "${tarball}"
      DESTINATION "${PROJECT_BINARY_DIR}/_deps")
  endif()
  set(kiln_onnx_src "${unpacked}")
else()
  set(kiln_onnx_src "${KILN_ONNX_SOURCE_DIR}")
endif()
if(NOT EXISTS "${kiln_onnx_src}/onnx/defs/schema.h")
  message(FATAL_ERROR "Kiln: ${kiln_onnx_src} is not an onnx source tree")
endif()

# The protobuf code, generated with Debian's protoc so that it matches its
# libprotobuf. The sdist's .proto files already say `package onnx;`.
set(gen "${PROJECT_BINARY_DIR}/_deps/onnx-gen")
file(MAKE_DIRECTORY "${gen}/onnx")
set(pb_sources)
foreach(proto onnx-ml onnx-operators-ml onnx-data)
  add_custom_command(
    OUTPUT "${gen}/onnx/${proto}.pb.cc" "${gen}/onnx/${proto}.pb.h"
    COMMAND protobuf::protoc -I "${kiln_onnx_src}" --cpp_out "${gen}"
            "${kiln_onnx_src}/onnx/${proto}.proto"
    DEPENDS "${kiln_onnx_src}/onnx/${proto}.proto" protobuf::protoc
    COMMENT "Generating onnx/${proto}.pb.cc")
  list(APPEND pb_sources "${gen}/onnx/${proto}.pb.cc")
endforeach()

file(GLOB_RECURSE onnx_sources
  "${kiln_onnx_src}/onnx/common/*.cc"
  "${kiln_onnx_src}/onnx/defs/*.cc"
  "${kiln_onnx_src}/onnx/inliner/*.cc"
  "${kiln_onnx_src}/onnx/shape_inference/*.cc"
  "${kiln_onnx_src}/onnx/version_converter/*.cc")
list(APPEND onnx_sources "${kiln_onnx_src}/onnx/checker.cc")

add_library(kiln_onnx SHARED ${onnx_sources} ${pb_sources})
target_include_directories(kiln_onnx SYSTEM PUBLIC
  $<BUILD_INTERFACE:${kiln_onnx_src}> $<BUILD_INTERFACE:${gen}>)
# ONNX_ML selects onnx-ml.pb.h; ONNX_NAMESPACE is the C++ namespace the
# sources use; ONNX_BUILD_MAIN_LIB exports the library's API.
target_compile_definitions(kiln_onnx PUBLIC ONNX_ML=1 ONNX_NAMESPACE=onnx
  PRIVATE ONNX_BUILD_MAIN_LIB)
target_compile_options(kiln_onnx PRIVATE -w -fexceptions)
target_link_libraries(kiln_onnx PUBLIC protobuf::libprotobuf)
set_target_properties(kiln_onnx PROPERTIES
  OUTPUT_NAME kilnonnx
  # Beside libkilnrt and libkilncompiler.
  LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/runtime)
