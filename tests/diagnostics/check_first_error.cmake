# Compiles SOURCE, which must fail, and checks that the first error line contains EXPECTED
# and that no error line contains UNEXPECTED. Run by ctest (tests/CMakeLists.txt):
#   cmake -DCOMPILER=... -DINCLUDE=... -DSOURCE=... -DEXPECTED=... -DUNEXPECTED=... -P check_first_error.cmake
execute_process(COMMAND ${COMPILER} -std=c++20 -fsyntax-only -I${INCLUDE} ${SOURCE}
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(status EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must not")
endif()
string(REGEX MATCHALL "[^\n]*error[^\n]*" errors "${out}${err}")
list(GET errors 0 first)
if(NOT first MATCHES "${EXPECTED}")
  message(FATAL_ERROR "the first error does not say '${EXPECTED}':\n${first}")
endif()
foreach(line IN LISTS errors)
  if(line MATCHES "${UNEXPECTED}")
    message(FATAL_ERROR "an error says '${UNEXPECTED}', which is not the problem:\n${line}")
  endif()
endforeach()
message(STATUS "first error: ${first}")
