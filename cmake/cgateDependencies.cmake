# cgate's third-party libraries as interface targets, cgate_dep_<name>,
# whose libraries depend on the program that links them: a local binary
# takes the system's shared libraries (libuv.so, libssl.so), a Lambda
# bootstrap (a target whose CGATE_LAMBDA property is true, set by
# cgate_add_app) the static archives, for provided.al2023 has nothing but
# glibc. One set of cgate archives serves both (docs/install.md).
#
# Used by cgate's own build (cmake/deps.cmake) and by the installed package
# (cgateConfig.cmake), which find the libraries on the machine that links.
include_guard(GLOBAL)

# cgate_dependency_libraries(TARGET [BUILD_ONLY] LOCAL lib... LAMBDA lib...)
# Appends to TARGET's link interface LOCAL's libraries for ordinary
# programs and LAMBDA's for bootstraps. BUILD_ONLY keeps them out of the
# exported targets: the installed package sets its own at find_package time.
function(cgate_dependency_libraries target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "BUILD_ONLY" "" "LOCAL;LAMBDA")
  set(lambda "$<BOOL:$<TARGET_PROPERTY:CGATE_LAMBDA>>")
  set(libs "")
  foreach(lib IN LISTS arg_LOCAL)
    list(APPEND libs "$<$<NOT:${lambda}>:${lib}>")
  endforeach()
  foreach(lib IN LISTS arg_LAMBDA)
    list(APPEND libs "$<${lambda}:${lib}>")
  endforeach()
  if(arg_BUILD_ONLY)
    list(TRANSFORM libs PREPEND "$<BUILD_INTERFACE:")
    list(TRANSFORM libs APPEND ">")
  endif()
  set_property(TARGET ${target} APPEND PROPERTY INTERFACE_LINK_LIBRARIES ${libs})
endfunction()

# cgate_find_archive(VAR NAME...): the static archive VAR among NAMEs
# (libuv_a.a ...), or VAR-NOTFOUND: a machine without it still builds
# local binaries, and cgate_add_app says which archive a bootstrap lacks.
function(cgate_find_archive var)
  find_library(${var} NAMES ${ARGN} NO_CACHE)
  set(${var} ${${var}} PARENT_SCOPE)
endfunction()
