# cgate_add_app: an app's local binary and its Lambda bootstrap, with the
# flags each needs. The same function in cgate's build tree (a project that
# adds cgate as a subdirectory) and in the installed package
# (find_package(cgate)); docs/install.md.
include_guard(GLOBAL)
# Where check-bootstrap.sh is: tools/ in a checkout; cgateConfig.cmake sets
# the installed copy's directory before including this file. A global
# property, for cgate_add_app runs in the caller's directory scope.
if(NOT DEFINED CGATE_TOOLS_DIR)
  get_filename_component(CGATE_TOOLS_DIR ${CMAKE_CURRENT_LIST_DIR}/../tools ABSOLUTE)
endif()
set_property(GLOBAL PROPERTY CGATE_TOOLS_DIR ${CGATE_TOOLS_DIR})

# cgate_host_arch(VAR): the Lambda name (x86_64, arm64) of the architecture
# this build compiles for, or "" for one Lambda does not run.
function(cgate_host_arch var)
  string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" cpu)
  if(cpu MATCHES "^(x86_64|amd64)$")
    set(${var} x86_64 PARENT_SCOPE)
  elseif(cpu MATCHES "^(aarch64|arm64)$")
    set(${var} arm64 PARENT_SCOPE)
  else()
    set(${var} "" PARENT_SCOPE)
  endif()
endfunction()

# cgate_lambda_flags(TARGET): make TARGET a bootstrap for provided.al2023:
# static third-party archives (CGATE_LAMBDA selects them, see
# cgateDependencies.cmake), not position-independent (no relocation pass
# at each cold start: about 15% sooner), unused sections dropped, stripped.
# The same flags as cmake/lambda.cmake, on one target.
function(cgate_lambda_flags target)
  set_target_properties(${target} PROPERTIES CGATE_LAMBDA ON POSITION_INDEPENDENT_CODE OFF)
  target_compile_options(${target} PRIVATE -O2 -fno-pie -ffunction-sections -fdata-sections)
  target_link_options(${target} PRIVATE -no-pie -Wl,--gc-sections -Wl,--as-needed -s)
endfunction()

# cgate_check_bootstrap(TARGET ARCH): after each link of TARGET, check it
# can run on provided.al2023 (check-bootstrap.sh): glibc's libraries alone,
# nothing newer than GLIBC_2.34. A bootstrap that would not run fails the build.
function(cgate_check_bootstrap target arch)
  get_property(tools GLOBAL PROPERTY CGATE_TOOLS_DIR)
  add_custom_command(TARGET ${target} POST_BUILD
                     COMMAND sh ${tools}/check-bootstrap.sh --arch ${arch} $<TARGET_FILE:${target}>
                     VERBATIM)
endfunction()

# The bootstraps of the other architecture come from a second build of the
# whole project (one build tree compiles for one architecture), configured
# with the cross toolchain and cgate's arm64 flavour
# (PREFIX/lib/cgate/arm64: cgateConfig.cmake sets CGATE_ARM64_DIR when it is
# installed), in ${CMAKE_BINARY_DIR}/lambda-arm64 with CGATE_CROSS=arm64 set:
# a project skips there what only runs on the host (its tests). One target,
# cgate-lambda-arm64, runs it for every app, once all are declared.
option(CGATE_CROSS_BOOTSTRAPS "cgate_add_app: also build the arm64 bootstraps (cross build)" ON)

# _cgate_cross_target(): the deferred end of the top directory: the target
# that configures the cross build and builds and copies every app's bootstrap.
function(_cgate_cross_target)
  get_property(apps GLOBAL PROPERTY CGATE_CROSS_APPS)
  get_property(config GLOBAL PROPERTY CGATE_ARM64_DIR)
  set(cross ${CMAKE_BINARY_DIR}/lambda-arm64)
  set(commands "")
  set(outputs "")
  set(targets "")
  foreach(app IN LISTS apps) # NAME|binary subdirectory
    string(REPLACE "|" ";" app "${app}")
    list(GET app 0 name)
    list(GET app 1 dir)
    list(APPEND targets ${name}-lambda-arm64)
    file(RELATIVE_PATH sub ${CMAKE_BINARY_DIR} ${dir})
    set(out ${dir}/lambda/${name}/arm64/bootstrap)
    list(APPEND outputs ${out})
    list(APPEND commands COMMAND ${CMAKE_COMMAND} -E copy ${cross}/${sub}/lambda/${name}/arm64/bootstrap ${out})
  endforeach()
  add_custom_target(cgate-lambda-arm64 ALL
    COMMAND ${CMAKE_COMMAND} -S ${CMAKE_SOURCE_DIR} -B ${cross} -G ${CMAKE_GENERATOR}
            -DCMAKE_TOOLCHAIN_FILE=${config}/toolchain-aarch64.cmake -DCMAKE_BUILD_TYPE=Release
            -Dcgate_DIR=${config} -DCGATE_CROSS=arm64
    COMMAND ${CMAKE_COMMAND} --build ${cross} --target ${targets}
    ${commands}
    BYPRODUCTS ${outputs}
    COMMENT "cgate: the arm64 bootstraps (${targets}), cross-built in ${cross}"
    VERBATIM)
endfunction()

# _cgate_cross_bootstrap(NAME ARCH): NAME's bootstrap for ARCH, the other
# architecture, by the cross build; or a message saying why not.
function(_cgate_cross_bootstrap name arch)
  get_property(config GLOBAL PROPERTY CGATE_ARM64_DIR)
  if(CGATE_CROSS)
    return() # this is the cross build
  elseif(NOT arch STREQUAL arm64)
    set(why "cross-building for ${arch} is not supported")
  elseif(NOT config)
    set(why "cgate's arm64 flavour is not installed (PREFIX/lib/cgate/arm64: needs the cross compiler "
            "and arm64 -dev packages at cgate's install, tools/deps.sh package)")
  elseif(NOT CGATE_CROSS_BOOTSTRAPS)
    set(why "CGATE_CROSS_BOOTSTRAPS is OFF")
  else()
    get_property(apps GLOBAL PROPERTY CGATE_CROSS_APPS)
    if(NOT apps)
      cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL _cgate_cross_target)
    endif()
    set_property(GLOBAL APPEND PROPERTY CGATE_CROSS_APPS "${name}|${CMAKE_CURRENT_BINARY_DIR}")
    message(STATUS "cgate_add_app(${name}): arm64 bootstrap in lambda/${name}/arm64/ (target cgate-lambda-arm64)")
    return()
  endif()
  message(STATUS "cgate_add_app(${name}): no ${arch} bootstrap: ${why}")
endfunction()

# cgate_add_app(NAME SOURCES file... [LIBRARIES lib...])
#
# Builds, from the same sources linked with cgate::cgate and LIBRARIES
# (cgate::aws, cgate::auth, the app's own):
#   NAME                the local binary (`NAME serve`, `NAME invoke`, ...)
#   NAME-lambda-<arch>  the Lambda bootstrap, ${CMAKE_CURRENT_BINARY_DIR}/lambda/NAME/<arch>/bootstrap,
#                       checked after each link by check-bootstrap.sh (glibc only,
#                       nothing newer than GLIBC_2.34); <arch> is this build's (x86_64 or
#                       arm64), and on x86-64 arm64 too when cgate's arm64 flavour is
#                       installed (above; else a message says why not)
# In a build with CG_LAMBDA=ON (cgate as a subdirectory of a project
# configured for Lambda) everything is a bootstrap already: NAME alone, with
# the Lambda flags, checked.
function(cgate_add_app name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;LIBRARIES")
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "cgate_add_app(${name}): SOURCES is empty")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "cgate_add_app(${name}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()

  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE cgate::cgate ${arg_LIBRARIES})
  cgate_host_arch(arch)
  if(CG_LAMBDA AND arch)
    cgate_lambda_flags(${name})
    cgate_check_bootstrap(${name} ${arch})
    return()
  elseif(NOT arch)
    message(STATUS "cgate_add_app(${name}): no bootstrap: Lambda runs x86_64 and arm64, "
                   "not ${CMAKE_SYSTEM_PROCESSOR}")
    return()
  endif()
  set(bootstrap ${name}-lambda-${arch})
  add_executable(${bootstrap} ${arg_SOURCES})
  target_link_libraries(${bootstrap} PRIVATE cgate::cgate ${arg_LIBRARIES})
  cgate_lambda_flags(${bootstrap})
  set_target_properties(${bootstrap} PROPERTIES OUTPUT_NAME bootstrap
                        RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/lambda/${name}/${arch})
  cgate_check_bootstrap(${bootstrap} ${arch})

  if(arch STREQUAL x86_64)
    _cgate_cross_bootstrap(${name} arm64)
  else()
    _cgate_cross_bootstrap(${name} x86_64)
  endif()
endfunction()
