# docs/getting-started.md: each ```c block is a complete program. They are
# extracted at configure time (again whenever the page changes) and built
# against this tree's libraries, so the tutorial cannot fall behind the API;
# ctest cgate.getting_started.* then runs each: the test block runs its
# asserts, the apps print their OpenAPI document (their tables are valid).
set(cg_tutorial ${PROJECT_SOURCE_DIR}/docs/getting-started.md)
set(cg_blocks ${CMAKE_CURRENT_BINARY_DIR}/getting-started)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${cg_tutorial})
file(REMOVE_RECURSE ${cg_blocks})
file(MAKE_DIRECTORY ${cg_blocks})
execute_process(COMMAND awk -v dir=${cg_blocks}
                            "/^```c$/ { n++; out = sprintf(\"%s/block%d.c\", dir, n); inside = 1; next }
                             /^```/ { inside = 0; next }
                             inside { print > out }"
                            ${cg_tutorial}
                RESULT_VARIABLE cg_awk_status)
file(GLOB cg_block_files ${cg_blocks}/block*.c)
list(LENGTH cg_block_files cg_block_count)
if(NOT cg_awk_status EQUAL 0 OR cg_block_count LESS 5)
  message(FATAL_ERROR "docs/getting-started.md: expected at least 5 C blocks, found ${cg_block_count}")
endif()
foreach(block ${cg_block_files})
  get_filename_component(name ${block} NAME_WE)
  add_executable(getting_started_${name} ${block})
  target_link_libraries(getting_started_${name} PRIVATE cgate cgate_testing)
  file(READ ${block} text)
  if(text MATCHES "cg_test_new")
    add_test(NAME cgate.getting_started.${name} COMMAND getting_started_${name})
  else()
    add_test(NAME cgate.getting_started.${name} COMMAND getting_started_${name} openapi)
  endif()
endforeach()
