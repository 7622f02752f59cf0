# Profile-guided optimisation (PGO) for whatever this build compiles: the benchmarks, the
# tests, or an application that uses the library. Two builds of the same tree:
#
#   IMMUTABLE_PGO=generate   instrumented; running the programs writes profiles into
#                            IMMUTABLE_PGO_DIR (g++: .gcda files; clang++: .profraw files,
#                            which must then be merged into IMMUTABLE_PGO_DIR/merged.profdata
#                            with `llvm-profdata-14 merge`)
#   IMMUTABLE_PGO=use        optimised with those profiles
#
# Without a change to the top-level CMakeLists.txt, inject this file after project():
#   cmake --preset bench -B build/x -DCMAKE_PROJECT_INCLUDE=$PWD/cmake/pgo.cmake -DIMMUTABLE_PGO=generate
# scripts/pgo does the whole cycle (instrument, train, rebuild, measure); see docs/pgo.md.
#
# g++ names each profile after the object file's full path, so the generate and use builds
# must be the same build directory (reconfigured), or both must set the same -fprofile-prefix-path.

# Included at most once, whether by CMAKE_PROJECT_INCLUDE, the top-level CMakeLists.txt, or both.
include_guard(GLOBAL)

set(IMMUTABLE_PGO "" CACHE STRING "Profile-guided optimisation: empty (off), generate or use")
set_property(CACHE IMMUTABLE_PGO PROPERTY STRINGS "" generate use)
set(IMMUTABLE_PGO_DIR "${CMAKE_BINARY_DIR}/pgo-profile" CACHE PATH
    "Where IMMUTABLE_PGO=generate writes profiles and IMMUTABLE_PGO=use reads them")

if(IMMUTABLE_PGO STREQUAL "")
  return()
endif()
if(NOT IMMUTABLE_PGO MATCHES "^(generate|use)$")
  message(FATAL_ERROR "IMMUTABLE_PGO must be empty, generate or use (got '${IMMUTABLE_PGO}')")
endif()

if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  if(IMMUTABLE_PGO STREQUAL "generate")
    # prefer-atomic: the multi-threaded benchmarks (atom, pools) would otherwise lose counts.
    set(_immutable_pgo_flags -fprofile-generate=${IMMUTABLE_PGO_DIR} -fprofile-update=prefer-atomic)
  else()
    # partial-training: code the training run never reached is optimised as usual, not for
    # size as if it were cold. Functions without a profile and stale profiles are warnings,
    # not errors, so a -Werror build survives a training run that skipped a binary.
    set(_immutable_pgo_flags -fprofile-use=${IMMUTABLE_PGO_DIR} -fprofile-partial-training
        -Wno-missing-profile -Wno-error=coverage-mismatch)
  endif()
elseif(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  if(IMMUTABLE_PGO STREQUAL "generate")
    # %m: one file per binary, %p: per process; LLVM_PROFILE_FILE overrides the pattern.
    set(_immutable_pgo_flags "-fprofile-instr-generate=${IMMUTABLE_PGO_DIR}/%m-%p.profraw"
        -fprofile-update=atomic)
  else()
    set(_immutable_pgo_flags -fprofile-instr-use=${IMMUTABLE_PGO_DIR}/merged.profdata
        -Wno-profile-instr-unprofiled -Wno-profile-instr-out-of-date -Wno-profile-instr-missing)
  endif()
else()
  message(FATAL_ERROR "IMMUTABLE_PGO supports g++ and clang++, not ${CMAKE_CXX_COMPILER_ID}")
endif()

message(STATUS "immutable: PGO ${IMMUTABLE_PGO} (${CMAKE_CXX_COMPILER_ID}), profiles in ${IMMUTABLE_PGO_DIR}")
add_compile_options(${_immutable_pgo_flags})
add_link_options(${_immutable_pgo_flags})
unset(_immutable_pgo_flags)
