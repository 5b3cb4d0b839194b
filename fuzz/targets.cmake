# The fuzz targets: fuzz/fuzz_<name>.c each, one libFuzzer binary.
file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/fuzz_*.c)
set(CG_FUZZ_TARGETS "")
foreach(source IN LISTS sources)
  get_filename_component(name ${source} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" name ${name})
  list(APPEND CG_FUZZ_TARGETS ${name})
endforeach()
