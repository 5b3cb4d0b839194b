# The docs pages' files (Swagger UI, ReDoc), from npm, embedded in every app
# gzip-compressed: target cgate_docs_assets (see src/core/docs_assets.h).
# With -DCG_EMBED_DOCS=OFF the table is empty and the pages load the files
# from a CDN: no npm at build time, and a binary about 0.8 MB smaller.
# A project that adds cgate as a subdirectory gets the embedded files when
# it has npm, and the CDN otherwise: it never needs npm.
if(PROJECT_IS_TOP_LEVEL)
  set(cg_embed_default ON)
else()
  find_program(NPM npm)
  set(cg_embed_default OFF)
  if(NPM)
    set(cg_embed_default ON)
  endif()
endif()
option(CG_EMBED_DOCS "Embed Swagger UI and ReDoc in the binaries (runs npm ci at build time)" ${cg_embed_default})
# What the embedded files may add to every binary, compressed: the build
# fails above it (a dependency upgrade that grows them is a decision).
set(CG_DOCS_BUDGET 1200000)

set(CG_DOCS_UI_DIR ${PROJECT_SOURCE_DIR}/docs-ui)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CG_DOCS_UI_DIR}/package-lock.json)
file(READ ${CG_DOCS_UI_DIR}/package-lock.json lock)
string(JSON swagger_ui_version GET "${lock}" packages node_modules/swagger-ui-dist version)
set(CG_SWAGGER_UI_VERSION ${swagger_ui_version} CACHE INTERNAL "From docs-ui/package-lock.json")
string(JSON redoc_version GET "${lock}" packages node_modules/redoc version)
set(CG_REDOC_VERSION ${redoc_version} CACHE INTERNAL "From docs-ui/package-lock.json")

set(gen ${CMAKE_CURRENT_BINARY_DIR}/docs_assets)
if(CG_EMBED_DOCS)
  find_program(NPM npm REQUIRED)
  set(npm_dir ${PROJECT_BINARY_DIR}/docs-ui)
  set(npm_files ${CG_DOCS_UI_DIR}/package.json ${CG_DOCS_UI_DIR}/package-lock.json ${CG_DOCS_UI_DIR}/.npmrc)
  add_custom_command(
    OUTPUT ${npm_dir}/installed.stamp
    COMMAND ${CMAKE_COMMAND} -E make_directory ${npm_dir}
    COMMAND ${CMAKE_COMMAND} -E copy ${npm_files} ${npm_dir}
    COMMAND ${NPM} ci --silent
    COMMAND ${CMAKE_COMMAND} -E touch ${npm_dir}/installed.stamp
    WORKING_DIRECTORY ${npm_dir}
    DEPENDS ${npm_files}
    COMMENT "npm ci: swagger-ui-dist ${CG_SWAGGER_UI_VERSION}, redoc ${CG_REDOC_VERSION}")
  add_custom_command(
    OUTPUT ${gen}.c ${gen}.S
    COMMAND ${CMAKE_COMMAND} -DMODULES=${npm_dir}/node_modules -DOUT=${gen}
            -DBUDGET=${CG_DOCS_BUDGET} -P ${PROJECT_SOURCE_DIR}/cmake/embed_docs.cmake
    DEPENDS ${npm_dir}/installed.stamp ${PROJECT_SOURCE_DIR}/cmake/embed_docs.cmake
    COMMENT "Embedding the docs pages' files (gzip -9)")
  enable_language(ASM)
  add_library(cgate_docs_assets STATIC ${gen}.c ${gen}.S)
else()
  file(WRITE ${gen}.c "#include \"core/docs_assets.h\"\n"
                      "const struct cg_docs_asset cg__docs_assets[1];\n"
                      "const size_t cg__docs_nassets = 0;\n")
  add_library(cgate_docs_assets STATIC ${gen}.c)
endif()
target_include_directories(cgate_docs_assets PRIVATE ${PROJECT_SOURCE_DIR}/src)

# zlib inflates the files for the rare client that does not take gzip;
# static, so that a Lambda bootstrap still needs nothing but libc.
set(ZLIB_USE_STATIC_LIBS ON)
find_package(ZLIB REQUIRED)
