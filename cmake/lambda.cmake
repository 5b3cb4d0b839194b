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
# lambda.ld adds two rules to the linker's default script. No unwind tables:
# nothing in a C bootstrap walks its stack (no exceptions, no pthread_cancel,
# no backtrace), yet every library's .eh_frame came along: 0.6 MB of binary,
# 0.2 MB of zip. (An app in C++ that throws needs them: build it with
# cgate_add_app instead.) And the app's read-only data kept apart from the
# libraries', so that a cold start reads it from few pages (see the script).
add_link_options(-Wl,--no-eh-frame-hdr -Wl,-T,${CMAKE_CURRENT_LIST_DIR}/lambda.ld)

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

# OpenSSL's x86-64 CPU probe (its archive member x86_64cpuid.o) runs from
# the .init section of every program linking libcrypto, before main: a few
# CPUID instructions, each a trap to the hypervisor in a virtual machine
# (25 µs in all on the bench's, a tenth of what the items bootstrap's cold
# start added to the floor's; docs/lambda.md#cold-start). OpenSSL probes the
# CPU anyway when it is first used (OPENSSL_init_crypto, which every EVP
# call and SSL_CTX_new run), so the bootstraps link a copy of that member
# without its .init: a cold start that makes no AWS call never pays for it.
# Given as a link option, it comes before the archives, and the archive's
# own copy is never pulled in. arm64's probe (a getauxval) is left alone.
function(cg_lambda_lazy_openssl_cpuid)
  set(member libcrypto-lib-x86_64cpuid.o)
  execute_process(COMMAND ${CMAKE_AR} t ${OPENSSL_CRYPTO_LIBRARY} OUTPUT_VARIABLE members COMMAND_ERROR_IS_FATAL ANY)
  string(FIND "${members}" "${member}" found)
  if(found EQUAL -1)
    return()
  endif()
  set(dir ${CMAKE_BINARY_DIR}/openssl-cpuid)
  file(MAKE_DIRECTORY ${dir})
  execute_process(COMMAND ${CMAKE_AR} x ${OPENSSL_CRYPTO_LIBRARY} ${member} WORKING_DIRECTORY ${dir}
                  COMMAND_ERROR_IS_FATAL ANY)
  execute_process(COMMAND ${CMAKE_OBJCOPY} --remove-section=.init ${member} lazy_cpuid.o WORKING_DIRECTORY ${dir}
                  COMMAND_ERROR_IS_FATAL ANY)
  set_property(TARGET OpenSSL::Crypto APPEND PROPERTY INTERFACE_LINK_OPTIONS ${dir}/lazy_cpuid.o)
endfunction()
cmake_language(DEFER CALL cg_lambda_lazy_openssl_cpuid)
