# kiln_add_model(): compiles an ONNX model with kiln-compile at build time.
#
#   kiln_add_model(<name> MODEL <file.onnx> [SHARED|STATIC]
#                  [OPT_LEVEL <0-3>] [SHAPES <input>=<AxBxC> ...]
#                  [DIMS <dim>=<value> ...] [CPU <cpu>] [MATTR <+feat,...>]
#                  [PROFILE] [RUNTIME <target>] [COMPILE_OPTIONS <arg> ...])
#
# creates the target <name>, a static library of the model's generated C
# entry that carries its header (<name>.h: the signature as constants,
# <name>_open(), <name>_run() and the C++ class kiln::models::<name>) and
# links the runtime (Kiln::runtime unless RUNTIME names another target,
# e.g. Kiln::runtime_static). Link it and include "<name>.h".
#
#   SHARED (default)  the model is compiled to <name>.so in the current binary
#                     directory (target property KILN_ARTIFACT); <name>_open()
#                     loads it from there, <name>_open_path() from a copy.
#   STATIC            the model's code and weights are linked into the
#                     program itself (no dlopen, no file at run time).
#
# The compile reruns when the model, an external data file it names, or
# kiln-compile changes (kiln-compile writes a depfile). Included by
# KilnConfig.cmake, or by Kiln's own build with KILN_COMPILE_TARGET and
# KILN_RUNTIME_TARGET set to its in-tree targets.

# Functions run with the policies of the file that defines them: depfiles
# with paths relative to the current binary directory (CMP0116) need 3.20.
cmake_policy(PUSH)
cmake_policy(VERSION 3.20)

if(NOT DEFINED KILN_COMPILE_TARGET)
  set(KILN_COMPILE_TARGET Kiln::kiln-compile)
endif()
if(NOT DEFINED KILN_RUNTIME_TARGET)
  set(KILN_RUNTIME_TARGET Kiln::runtime)
endif()

function(kiln_add_model name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "SHARED;STATIC;PROFILE"
    "MODEL;OPT_LEVEL;CPU;MATTR;RUNTIME" "SHAPES;DIMS;COMPILE_OPTIONS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR
      "kiln_add_model(${name}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_MODEL)
    message(FATAL_ERROR "kiln_add_model(${name}): MODEL <file.onnx> is required")
  endif()
  if(ARG_SHARED AND ARG_STATIC)
    message(FATAL_ERROR "kiln_add_model(${name}): SHARED or STATIC, not both")
  endif()
  if(NOT name MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "kiln_add_model(${name}): the name must be a C "
      "identifier (it prefixes the generated functions: ${name}_run)")
  endif()
  if(NOT TARGET ${KILN_COMPILE_TARGET})
    message(FATAL_ERROR "kiln_add_model(${name}): no kiln-compile target "
      "'${KILN_COMPILE_TARGET}' (find_package(Kiln) first)")
  endif()
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if(NOT "C" IN_LIST languages)
    message(FATAL_ERROR "kiln_add_model(${name}): the model's generated entry "
      "is C; enable the language (project(... LANGUAGES C CXX))")
  endif()
  set(runtime ${KILN_RUNTIME_TARGET})
  if(ARG_RUNTIME)
    set(runtime ${ARG_RUNTIME})
  endif()

  get_filename_component(model "${ARG_MODEL}" ABSOLUTE
    BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/${name}.kiln")
  set(header "${dir}/include/${name}.h")
  set(source "${dir}/${name}.c")
  set(depfile "${dir}/${name}.d")
  if(ARG_STATIC)
    set(artifact "${dir}/lib${name}_model.a")
    set(emit lib)
  else()
    set(artifact "${CMAKE_CURRENT_BINARY_DIR}/${name}.so")
    set(emit so)
  endif()

  set(args "${model}" --emit=${emit} -o "${artifact}" --name=${name}
    "--c-header=${header}" "--c-source=${source}" "--depfile=${depfile}")
  if(DEFINED ARG_OPT_LEVEL)
    if(NOT ARG_OPT_LEVEL MATCHES "^[0-3]$")
      message(FATAL_ERROR
        "kiln_add_model(${name}): OPT_LEVEL must be 0-3, got ${ARG_OPT_LEVEL}")
    endif()
    list(APPEND args -O${ARG_OPT_LEVEL})
  endif()
  foreach(shape IN LISTS ARG_SHAPES)
    list(APPEND args "--shape=${shape}")
  endforeach()
  foreach(dim IN LISTS ARG_DIMS)
    list(APPEND args "--dim=${dim}")
  endforeach()
  if(ARG_CPU)
    list(APPEND args "--mcpu=${ARG_CPU}")
  endif()
  if(ARG_MATTR)
    list(APPEND args "--mattr=${ARG_MATTR}")
  endif()
  if(ARG_PROFILE)
    list(APPEND args --profile)
  endif()
  list(APPEND args ${ARG_COMPILE_OPTIONS})

  file(MAKE_DIRECTORY "${dir}/include")
  add_custom_command(
    OUTPUT "${artifact}" "${header}" "${source}"
    COMMAND ${KILN_COMPILE_TARGET} ${args}
    # The depfile adds the external data files; the compiler's binary is a
    # dependency itself (its kernels are embedded in it).
    DEPENDS "${model}" ${KILN_COMPILE_TARGET}
            "$<TARGET_FILE:${KILN_COMPILE_TARGET}>"
    DEPFILE "${depfile}"
    COMMENT "Compiling ONNX model ${name} with Kiln (${emit})"
    VERBATIM)
  add_custom_target(${name}_kiln_compile DEPENDS "${artifact}" "${header}")

  add_library(${name} STATIC "${source}")
  add_dependencies(${name} ${name}_kiln_compile)
  set_target_properties(${name} PROPERTIES
    LINKER_LANGUAGE C
    POSITION_INDEPENDENT_CODE ON
    KILN_ARTIFACT "${artifact}"
    KILN_MODEL "${model}")
  target_include_directories(${name} PUBLIC "${dir}/include")
  target_compile_features(${name} PRIVATE c_std_99)
  if(ARG_STATIC)
    # The model's object exports only ${name}_kiln_artifact; its code calls
    # libm (and libc, pthread).
    target_link_libraries(${name} PUBLIC "${artifact}" ${runtime} m)
  else()
    target_link_libraries(${name} PUBLIC ${runtime})
  endif()
endfunction()

cmake_policy(POP)
