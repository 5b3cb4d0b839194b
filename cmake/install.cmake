# make install / cmake --install (docs/install.md): the public headers, the
# static libraries, pkg-config files, the CMake package (cgate::cgate,
# cgate_add_app) and the tools. Static only: a Lambda bootstrap must carry
# cgate inside it (provided.al2023 has glibc alone), and an app is one
# program, so a shared libcgate would buy nothing but a file to ship.
#
#   PREFIX/include/cgate/*.h                 public headers
#   PREFIX/lib/libcgate_*.a                  the libraries (llhttp as libcgate_llhttp.a)
#   PREFIX/lib/pkgconfig/cgate*.pc           cgate, cgate-aws, cgate-auth, cgate-testing, and
#                                            cgate-sqlite when SQLite was found
#   PREFIX/lib/cmake/cgate/                  find_package(cgate): targets, cgate_add_app
#   PREFIX/bin/cgate-local                   the API Gateway + Lambda emulator
#   PREFIX/share/cgate/tools/                check-bootstrap.sh, package.sh, gateway-routes.py
#   PREFIX/share/doc/cgate/                  README.md, CHANGELOG.md
#   PREFIX/lib/cgate/arm64/                  on x86-64 with the cross compiler: the arm64
#                                            flavour (lib/, include/, lib/cmake/cgate/)
#
# tools/cgate/CMakeLists.txt installs the `cgate` command, cgate-local and
# the project template (PREFIX/bin/cgate, PREFIX/bin/cgate-local,
# PREFIX/share/cgate/template/); cmake/install-tools.cmake, if it exists,
# is included last for any other install rule.
include(CMakePackageConfigHelpers)

set(CG_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/cgate)
set(CG_TOOLS_INSTALL_DIR ${CMAKE_INSTALL_DATADIR}/cgate/tools)
set(CG_INSTALLED_LIBRARIES cgate_middleware cgate_main cgate_server cgate_lambda cgate_http1
                           cgate_core cgate_docs_assets cgate_aws cgate_auth cgate_testing)
set(CG_INSTALLED_DEPENDENCIES cgate_dep_uv cgate_dep_ssl cgate_dep_crypto cgate_dep_zlib cgate_dep_brotli)
if(TARGET cgate_sqlite) # where SQLite was found (src/CMakeLists.txt)
  list(APPEND CG_INSTALLED_LIBRARIES cgate_sqlite)
  list(APPEND CG_INSTALLED_DEPENDENCIES cgate_dep_sqlite)
endif()

# Libraries built for a sanitizer, or -fno-pie for Lambda alone, would break
# the programs of whoever links them: such builds install nothing.
if(CG_SANITIZE OR CG_LAMBDA)
  install(CODE "message(FATAL_ERROR \"cgate: this build (CG_SANITIZE or CG_LAMBDA) is not installable: \"
                \"use `make install` or a plain Release build (docs/install.md)\")")
  return()
endif()
get_target_property(cg_llhttp_alias llhttp ALIASED_TARGET)
if(cg_llhttp_alias)
  install(CODE "message(FATAL_ERROR \"cgate: installing beside a system llhttp (llhttp.pc) is not supported yet\")")
  return()
endif()

# cg_pkg_config(NAME DESCRIPTION text LIBS lib... [REQUIRES pkg...] [EXTRA flag...])
# Writes NAME.pc. cgate is static, so what its archives need goes in Libs
# and Requires, not in the .private fields: `pkg-config --libs` (no
# --static) must link a program. LIBS are in link order, each before what
# it needs; REQUIRES' libraries come after them. The prefix is found from
# the file's own place (${pcfiledir}), so a DESTDIR tree can be moved.
function(cg_pkg_config name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "DESCRIPTION" "LIBS;REQUIRES;EXTRA")
  list(TRANSFORM arg_LIBS PREPEND -l)
  list(JOIN arg_LIBS " " libs)
  list(JOIN arg_EXTRA " " extra)
  string(STRIP "${libs} ${extra}" libs)
  list(JOIN arg_REQUIRES ", " requires)
  file(RELATIVE_PATH up /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
  string(REGEX REPLACE "/$" "" up "${up}")
  set(pc ${PROJECT_BINARY_DIR}/pkgconfig/${name}.pc)
  file(WRITE ${pc}
       "prefix=\${pcfiledir}/${up}\n"
       "libdir=\${prefix}/${CMAKE_INSTALL_LIBDIR}\n"
       "includedir=\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}\n"
       "\n"
       "Name: ${name}\n"
       "Description: ${arg_DESCRIPTION}\n"
       "Version: ${PROJECT_VERSION}\n"
       "Requires: ${requires}\n"
       "Cflags: -I\${includedir}\n"
       "Libs: -L\${libdir} ${libs}\n")
  install(FILES ${pc} DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()

set(cg_brotli "")
if(CG_BROTLI) # Debian's static archives, as in the build (cmake/deps.cmake)
  set(cg_brotli -l:libbrotlienc.a -l:libbrotlicommon.a)
endif()
cg_pkg_config(cgate DESCRIPTION "HTTP APIs in C: a local HTTP/1.1 server and AWS Lambda"
              LIBS cgate_middleware cgate_main cgate_server cgate_lambda cgate_http1 cgate_core
                   cgate_docs_assets cgate_llhttp
              EXTRA ${cg_brotli} -lm -pthread
              REQUIRES libuv zlib)
cg_pkg_config(cgate-aws DESCRIPTION "cgate's AWS client: SigV4, HTTPS, DynamoDB (OpenSSL)"
              LIBS cgate_aws REQUIRES cgate libssl libcrypto)
cg_pkg_config(cgate-auth DESCRIPTION "cgate's JWT verification (OpenSSL's libcrypto)"
              LIBS cgate_auth REQUIRES cgate libcrypto)
cg_pkg_config(cgate-testing DESCRIPTION "cgate's in-process test client (cgate/testing.h)"
              LIBS cgate_testing REQUIRES cgate)
if(TARGET cgate_sqlite)
  cg_pkg_config(cgate-sqlite DESCRIPTION "cgate's SQLite persistence of idempotency records"
                LIBS cgate_sqlite REQUIRES cgate sqlite3)
endif()

install(DIRECTORY include/cgate DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(TARGETS ${CG_INSTALLED_LIBRARIES} llhttp cgate ${CG_INSTALLED_DEPENDENCIES}
        EXPORT cgateTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT cgateTargets NAMESPACE cgate:: DESTINATION ${CG_CMAKE_INSTALL_DIR})

configure_package_config_file(cmake/cgateConfig.cmake.in ${PROJECT_BINARY_DIR}/cgateConfig.cmake
                              INSTALL_DESTINATION ${CG_CMAKE_INSTALL_DIR}
                              PATH_VARS CG_TOOLS_INSTALL_DIR)
# 0.x: a minor version may break the API (semantic versioning).
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cgateConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cgateConfig.cmake ${PROJECT_BINARY_DIR}/cgateConfigVersion.cmake
              cmake/cgateDependencies.cmake cmake/cgateApp.cmake cmake/toolchain-aarch64.cmake
        DESTINATION ${CG_CMAKE_INSTALL_DIR})
install(PROGRAMS tools/check-bootstrap.sh tools/package.sh tools/gateway-routes.py DESTINATION ${CG_TOOLS_INSTALL_DIR})

# The arm64 flavour (below; CG_INSTALL_FLAVOUR=arm64, set by the build that
# makes it) is the libraries alone: the rest is the host's.
if(CG_INSTALL_FLAVOUR)
  return()
endif()
install(FILES README.md CHANGELOG.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
include(${CMAKE_CURRENT_LIST_DIR}/install-tools.cmake OPTIONAL)

# The arm64 flavour: on an x86-64 machine with Debian's cross compiler and
# arm64 -dev packages (tools/deps.sh package), cgate's libraries are also
# cross-compiled with cmake/toolchain-aarch64.cmake and installed as a
# prefix of their own, PREFIX/lib/cgate/arm64, for cgate_add_app's arm64
# bootstraps. One build tree compiles for one architecture: hence a second
# one, ${PROJECT_BINARY_DIR}/arm64, configured and built when installing
# (not by every build of this tree: only an install needs it).
find_program(CG_AARCH64_CC aarch64-linux-gnu-gcc)
set(cg_arm64_default OFF)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64)$" AND CG_AARCH64_CC
   AND EXISTS /usr/lib/aarch64-linux-gnu/pkgconfig/libuv.pc)
  set(cg_arm64_default ON)
endif()
option(CG_INSTALL_ARM64 "Install cgate's libraries for arm64 too (cross-built when installing)" ${cg_arm64_default})
if(CG_INSTALL_ARM64)
  set(cg_arm64_build ${PROJECT_BINARY_DIR}/arm64)
  set(cg_arm64_configure ${CMAKE_COMMAND} -S ${PROJECT_SOURCE_DIR} -B ${cg_arm64_build} -G ${CMAKE_GENERATOR}
      -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/cmake/toolchain-aarch64.cmake -DCMAKE_BUILD_TYPE=Release
      -DCMAKE_INSTALL_LIBDIR=lib -DCG_INSTALL_FLAVOUR=arm64 -DCG_EMBED_DOCS=${CG_EMBED_DOCS}
      -DCG_BROTLI=${CG_BROTLI} -DCG_TESTS=OFF -DCG_BUILD_EXAMPLES=OFF -DCG_BUILD_TOOLS=OFF -DCG_BUILD_BENCH=OFF)
  list(JOIN cg_arm64_configure "\" \"" cg_arm64_configure)
  # At install time the prefix may be --prefix's; DESTDIR, from the
  # environment, reaches the nested cmake --install as it is.
  install(CODE "
    message(STATUS \"cgate: the arm64 flavour (${cg_arm64_build})\")
    execute_process(COMMAND \"${cg_arm64_configure}\" OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)
    execute_process(COMMAND \"${CMAKE_COMMAND}\" --build \"${cg_arm64_build}\" COMMAND_ERROR_IS_FATAL ANY)
    execute_process(COMMAND \"${CMAKE_COMMAND}\" --install \"${cg_arm64_build}\"
                            --prefix \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/cgate/arm64\"
                    OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)")
else()
  message(STATUS "cgate: no arm64 flavour to install (needs x86-64, aarch64-linux-gnu-gcc and the "
                 "arm64 -dev packages: tools/deps.sh package)")
endif()
