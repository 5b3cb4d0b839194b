# The installed library (docs/install.md; tests/install/check.sh): one
# configure, build and install into a staged prefix (the fixture
# cgate_installed, about 20 seconds on two cores), then a pkg-config
# build, a find_package project, the installed archives' symbols (nm) and
# headers (C++); and
# cgate as a subdirectory of a Lambda-configured project. The
# prefix, for other tests that need an installed cgate (FIXTURES_REQUIRED
# cgate_installed): ${CG_INSTALL_TEST_PREFIX}.
set(cg_install_work ${CMAKE_CURRENT_BINARY_DIR}/install-test)
set(CG_INSTALL_TEST_PREFIX ${cg_install_work}/root/usr/local)
set(cg_install_check sh ${CMAKE_CURRENT_LIST_DIR}/check.sh)

add_test(NAME install.setup COMMAND ${cg_install_check} install ${PROJECT_SOURCE_DIR} ${cg_install_work})
# The two builds use both cores (-j 2): ctest counts them so.
set_tests_properties(install.setup PROPERTIES FIXTURES_SETUP cgate_installed TIMEOUT 300 PROCESSORS 2)
foreach(step pkg-config cmake-package symbols)
  add_test(NAME install.${step} COMMAND ${cg_install_check} ${step} ${PROJECT_SOURCE_DIR} ${cg_install_work})
  set_tests_properties(install.${step} PROPERTIES FIXTURES_REQUIRED cgate_installed TIMEOUT 120)
endforeach()
add_test(NAME install.headers COMMAND ${cg_install_check} headers ${CG_INSTALL_TEST_PREFIX}/include)
set_tests_properties(install.headers PROPERTIES FIXTURES_REQUIRED cgate_installed TIMEOUT 60)

# cgate as a subdirectory of a project configured for Lambda: a build of its own.
add_test(NAME install.subdirectory COMMAND ${cg_install_check} subdirectory ${PROJECT_SOURCE_DIR} ${cg_install_work})
set_tests_properties(install.subdirectory PROPERTIES TIMEOUT 300 PROCESSORS 2)

# The headers of the tree, without installing: C++ and C11.
add_test(NAME headers.cxx COMMAND ${cg_install_check} headers ${PROJECT_SOURCE_DIR}/include)
