# Run with cmake -P (see CMakeLists.txt beside this file). Steps:
#   1. install the joule build tree JOULE_BINARY_DIR into WORK_DIR/prefix;
#   2. configure CONSUMER_SOURCE_DIR with CMAKE_PREFIX_PATH=WORK_DIR/prefix, same compiler, build
#      type and generator (and -fsanitize=SANITIZE when joule was built with sanitizers);
#   3. build it and run the consumer binary.
# Any failing step stops the script with FATAL_ERROR and that step's full output.
cmake_minimum_required(VERSION 3.20)

foreach(var JOULE_BINARY_DIR CONSUMER_SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_consumer.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT BUILD_TYPE)
  set(BUILD_TYPE Release)
endif()

set(prefix ${WORK_DIR}/prefix)
set(consumer_build ${WORK_DIR}/consumer-build)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

# run(<step name> <command...>): runs the command, fails loudly with its output.
function(run step)
  list(JOIN ARGN " " command)
  message(STATUS "package test: ${step}: ${command}")
  execute_process(COMMAND ${ARGN}
    RESULT_VARIABLE rc
    OUTPUT_VARIABLE out
    ERROR_VARIABLE out)
  if(NOT rc STREQUAL "0")
    # Plain message() prints the output as it is; FATAL_ERROR would rewrap it.
    message("--- output of '${step}' ---\n${out}--- end of output ---")
    message(FATAL_ERROR "package test: step '${step}' failed (exit status ${rc}): ${command}")
  endif()
  message(STATUS "package test: ${step}: ok")
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(install ${CMAKE_COMMAND} --install ${JOULE_BINARY_DIR} --prefix ${prefix}
  --config ${BUILD_TYPE})

set(configure_args
  -S ${CONSUMER_SOURCE_DIR} -B ${consumer_build}
  -G ${GENERATOR}
  -DCMAKE_PREFIX_PATH=${prefix}
  -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
  -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
  # CMAKE_PREFIX_PATH is searched before the system prefixes; skip the package registries too
  # (and check joule_DIR below), so no other joule on the machine can stand in for this one.
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
if(SANITIZE)
  # A sanitized static libjoule needs the sanitizer runtimes in the final link.
  list(APPEND configure_args
    "-DCMAKE_CXX_FLAGS=-fsanitize=${SANITIZE} -fno-omit-frame-pointer"
    "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=${SANITIZE}")
endif()
run(configure ${CMAKE_COMMAND} ${configure_args})
file(STRINGS ${consumer_build}/CMakeCache.txt joule_dir_line REGEX "^joule_DIR:")
string(REGEX REPLACE "^joule_DIR:[A-Z]+=" "" joule_dir "${joule_dir_line}")
string(FIND "${joule_dir}" "${prefix}/" at)
if(NOT at EQUAL 0)
  message(FATAL_ERROR "package test: find_package(joule) found '${joule_dir}', not the package "
    "just installed in ${prefix}")
endif()
run(build ${CMAKE_COMMAND} --build ${consumer_build} --config ${BUILD_TYPE})

find_program(consumer_exe consumer PATHS ${consumer_build} ${consumer_build}/${BUILD_TYPE}
  NO_DEFAULT_PATH NO_CACHE)
if(NOT consumer_exe)
  message(FATAL_ERROR "package test: the build succeeded but no consumer binary is in "
    "${consumer_build}")
endif()
run(run ${consumer_exe})
message(STATUS "package test: consumer says: ${last_output}")
