# Tests of the cgate command and of what `cgate new` makes, included by
# tests/CMakeLists.txt. They run the command uninstalled, with CGATE_DATADIR
# pointing at a data directory staged in the build tree.
set(cg_new_data ${CMAKE_CURRENT_BINARY_DIR}/cgate-data)
file(MAKE_DIRECTORY ${cg_new_data})
file(CREATE_LINK ${PROJECT_SOURCE_DIR}/templates/project ${cg_new_data}/template SYMBOLIC)
file(CREATE_LINK ${PROJECT_SOURCE_DIR}/tools ${cg_new_data}/tools SYMBOLIC)
file(CREATE_LINK ${PROJECT_SOURCE_DIR}/deploy ${cg_new_data}/deploy SYMBOLIC)
set(cg_new_env "CGATE_DATADIR=${cg_new_data}")

# The command line: help, version, names refused and accepted, directories.
add_test(NAME cgate.command
         COMMAND sh ${PROJECT_SOURCE_DIR}/tools/cgate/test_command.sh ${PROJECT_BINARY_DIR}/tools/cgate/cgate
                 ${PROJECT_VERSION})
set_tests_properties(cgate.command PROPERTIES ENVIRONMENT "${cg_new_env}" TIMEOUT 60)

# The project's C sources and tests, made by `cgate new` at configure time
# and built against this tree's libraries: the template cannot rot even
# where the end-to-end test (which needs an install) is skipped.
file(GLOB_RECURSE cg_template_files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/templates/project/*)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tools/cgate/cgate.in)
set(cg_scaffold ${CMAKE_CURRENT_BINARY_DIR}/scaffold)
file(REMOVE_RECURSE ${cg_scaffold})
execute_process(COMMAND ${CMAKE_COMMAND} -E env ${cg_new_env}
                        sh ${PROJECT_BINARY_DIR}/tools/cgate/cgate new demo-app ${cg_scaffold}
                OUTPUT_QUIET RESULT_VARIABLE cg_new_status)
if(NOT cg_new_status EQUAL 0)
  message(FATAL_ERROR "cgate new demo-app failed (${cg_new_status}): see templates/project")
endif()
add_executable(scaffold_test ${cg_scaffold}/tests/test_demo_app.c ${cg_scaffold}/src/app.c
                             ${cg_scaffold}/src/model.c ${cg_scaffold}/src/store.c)
target_include_directories(scaffold_test PRIVATE ${cg_scaffold}/src)
target_link_libraries(scaffold_test PRIVATE cgate cgate_testing PkgConfig::SQLITE3)
add_test(NAME cgate.scaffold_tests COMMAND scaffold_test)

# docs/getting-started.md: every C block compiles (tools/cgate/doc_blocks.cmake).
include(${PROJECT_SOURCE_DIR}/tools/cgate/doc_blocks.cmake)

# The whole path a user takes, on an installed cgate (test_end_to_end.sh):
# the install of tests/install (fixture cgate_installed) when there is one,
# else an install of its own.
add_test(NAME cgate.end_to_end
         COMMAND sh ${PROJECT_SOURCE_DIR}/tools/cgate/test_end_to_end.sh ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}
                 ${CG_INSTALL_TEST_PREFIX})
set_tests_properties(cgate.end_to_end PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
if(CG_INSTALL_TEST_PREFIX)
  set_tests_properties(cgate.end_to_end PROPERTIES FIXTURES_REQUIRED cgate_installed)
endif()
