# The version lives in two places that must agree: project(VERSION) in
# CMakeLists.txt (the CMake package's version, cgate.pc's) and
# include/cgate/version.h (CG_VERSION, cg_version(); readable without
# CMake). Configuring fails when they differ.
file(STRINGS ${PROJECT_SOURCE_DIR}/include/cgate/version.h cg_version_lines
     REGEX "^#define CG_VERSION(_MAJOR|_MINOR|_PATCH)? ")
set(cg_header_version "")
foreach(part MAJOR MINOR PATCH)
  string(REGEX MATCH "CG_VERSION_${part} +([0-9]+)" _ "${cg_version_lines}")
  list(APPEND cg_header_version ${CMAKE_MATCH_1})
endforeach()
list(JOIN cg_header_version . cg_header_version)
string(REGEX MATCH "CG_VERSION +\"([^\"]*)\"" _ "${cg_version_lines}")
if(NOT cg_header_version STREQUAL PROJECT_VERSION OR NOT CMAKE_MATCH_1 STREQUAL PROJECT_VERSION)
  message(FATAL_ERROR "include/cgate/version.h says ${cg_header_version}, "
                      "project(VERSION) says ${PROJECT_VERSION}: bump both")
endif()
