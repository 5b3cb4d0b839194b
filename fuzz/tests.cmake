# One ctest entry per fuzz target: fuzz.<target> runs it for 10 s from its
# seeds when the fuzz preset has been built (make test builds it), and is
# skipped (exit 77) when it has not, e.g. without clang.
include(${CMAKE_CURRENT_LIST_DIR}/targets.cmake)
foreach(target IN LISTS CG_FUZZ_TARGETS)
  add_test(NAME fuzz.${target} COMMAND ${PROJECT_SOURCE_DIR}/fuzz/run.sh ${target} 10)
  set_tests_properties(fuzz.${target} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
