# The `lambda` preset (CG_LAMBDA=ON): app binaries that run as a Lambda
# `bootstrap` on provided.al2023 with nothing but glibc (libc.so.6, libm.so.6), and no symbol
# newer than GLIBC_2.34 (tools/check-bootstrap.sh checks both).
#
# glibc stays dynamic: a static glibc still loads NSS modules for
# getaddrinfo at run time (the linker warns), and AL2023 has libc.so.6
# anyway. Everything else is linked from Debian's static archives. Included
# before deps.cmake, so that the Find modules pick the archives.
set(OPENSSL_USE_STATIC_LIBS TRUE)
set(ZLIB_USE_STATIC_LIBS ON)

add_compile_options(-ffunction-sections -fdata-sections)
# Not position-independent: a PIE's loader first rewrites every pointer in
# its data (route tables, OpenSSL's and SQLite's tables), dirtying pages at
# each cold start; without it the bootstrap starts about 15% sooner
# (bench/lambda). The shared libc is still placed at random.
add_compile_options(-fno-pie)
add_link_options(-Wl,--gc-sections -Wl,--as-needed -s -no-pie)

# pkg-config resolves libuv and SQLite to their shared objects: once every
# target exists, point them at the archives instead. SQLite's math functions
# keep libm.so.6 (glibc's libm.a cannot be linked beside a shared libc).
function(cg_lambda_static_archives)
  find_library(CG_UV_ARCHIVE NAMES libuv_a.a libuv.a REQUIRED)
  set_property(TARGET PkgConfig::UV PROPERTY INTERFACE_LINK_LIBRARIES ${CG_UV_ARCHIVE} Threads::Threads)
  if(TARGET PkgConfig::SQLITE3) # the examples and tests only
    find_library(CG_SQLITE3_ARCHIVE NAMES libsqlite3.a REQUIRED)
    set_property(TARGET PkgConfig::SQLITE3 PROPERTY INTERFACE_LINK_LIBRARIES ${CG_SQLITE3_ARCHIVE} m
                                                                             Threads::Threads)
  endif()
endfunction()
cmake_language(DEFER CALL cg_lambda_static_archives)
