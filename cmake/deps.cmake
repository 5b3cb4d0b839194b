# System dependencies, all from Debian's packages (see tools/deps.sh).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

pkg_check_modules(UV REQUIRED IMPORTED_TARGET libuv)
find_package(OpenSSL 3.0 REQUIRED) # libssl-dev: SigV4 and TLS to AWS (src/aws)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)

# llhttp: a pkg-config package where one exists, else the C sources Debian's
# node-llhttp ships under /usr/share/llhttp, compiled here (not vendored).
pkg_check_modules(LLHTTP IMPORTED_TARGET llhttp)
if(LLHTTP_FOUND)
  add_library(llhttp ALIAS PkgConfig::LLHTTP)
else()
  find_path(LLHTTP_SRC_DIR llhttp.c PATHS /usr/share/llhttp NO_DEFAULT_PATH REQUIRED)
  find_path(LLHTTP_INCLUDE_DIR llhttp.h PATHS /usr/share/include/llhttp /usr/include NO_DEFAULT_PATH REQUIRED)
  add_library(llhttp STATIC ${LLHTTP_SRC_DIR}/llhttp.c ${LLHTTP_SRC_DIR}/api.c ${LLHTTP_SRC_DIR}/http.c)
  target_include_directories(llhttp SYSTEM PUBLIC ${LLHTTP_INCLUDE_DIR})
  target_compile_options(llhttp PRIVATE -w)
  set_target_properties(llhttp PROPERTIES POSITION_INDEPENDENT_CODE ON)
endif()

if(CG_TESTS)
  pkg_check_modules(CRITERION REQUIRED IMPORTED_TARGET criterion)
endif()
