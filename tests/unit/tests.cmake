cg_unit_test(request)
cg_unit_test(router)
# The route index against the declaration-order scan it stands for.
cg_unit_test(route_index)
cg_unit_test(store ${PROJECT_SOURCE_DIR}/examples/items/store_sqlite.c)
target_link_libraries(test_store PRIVATE PkgConfig::SQLITE3)
target_include_directories(test_store PRIVATE ${PROJECT_SOURCE_DIR}/examples/items)
cg_unit_test(arena)
cg_unit_test(json)
cg_unit_test(json_scan)
# The scanner's portable block code (arm64's), which x86-64 would not run:
# its own json_scan.o comes first, so the library's is not linked in.
add_executable(test_json_scan_portable unit/test_json_scan.c ${PROJECT_SOURCE_DIR}/src/core/json_scan.c)
target_include_directories(test_json_scan_portable PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_compile_definitions(test_json_scan_portable PRIVATE CG_BYTES16_PORTABLE)
target_link_libraries(test_json_scan_portable PRIVATE cgate PkgConfig::CRITERION)
add_test(NAME unit.json_scan_portable COMMAND test_json_scan_portable --jobs 1)
cg_unit_test(json_tree)
cg_unit_test(validate)
cg_unit_test(body)
cg_unit_test(body_nested)
cg_unit_test(lambda_codec)
cg_unit_test(lambda_events)
# The golden events are the repository's own (tests/fixtures/events); the AWS
# samples collected beside it, when present, are an extra cross-check that is
# skipped without them (point CG_SHARED_FIXTURES_DIR elsewhere to leave them out).
set(CG_SHARED_FIXTURES_DIR "${PROJECT_SOURCE_DIR}/../shared/fixtures" CACHE PATH
    "AWS sample events outside the repository, checked by unit.lambda_events when present")
target_compile_definitions(test_lambda_events PRIVATE
                           CG_EVENT_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures/events"
                           CG_SHARED_FIXTURES_DIR="${CG_SHARED_FIXTURES_DIR}")
cg_unit_test(lambda_response)
# The HTTP/1.1 response reader the Runtime API and AWS clients share (src/net).
cg_unit_test(http1_read)
# Its generic vector path, which arm64 runs (CG_BYTES16_PORTABLE); its
# http1_read.o comes first, so the library's is not linked in.
add_executable(test_http1_read_portable unit/test_http1_read.c ${PROJECT_SOURCE_DIR}/src/net/http1_read.c)
target_include_directories(test_http1_read_portable PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_compile_definitions(test_http1_read_portable PRIVATE CG_BYTES16_PORTABLE)
target_link_libraries(test_http1_read_portable PRIVATE cgate PkgConfig::CRITERION)
add_test(NAME unit.http1_read_portable COMMAND test_http1_read_portable --jobs 1)
cg_unit_test(aws_sigv4)
target_link_libraries(test_aws_sigv4 PRIVATE cgate_aws)
cg_unit_test(dynamodb)
target_link_libraries(test_dynamodb PRIVATE cgate_aws)
cg_unit_test(secrets)
target_link_libraries(test_secrets PRIVATE cgate_aws)
cg_unit_test(aws_deadline)
target_link_libraries(test_aws_deadline PRIVATE cgate_aws)
cg_unit_test(openapi)
target_compile_definitions(test_openapi PRIVATE CG_SWAGGER_UI_VERSION="${CG_SWAGGER_UI_VERSION}"
                                                CG_REDOC_VERSION="${CG_REDOC_VERSION}")
cg_unit_test(params)
cg_unit_test(middleware)
cg_unit_test(stream)
cg_unit_test(jwt)
target_link_libraries(test_jwt PRIVATE cgate_auth)
target_compile_definitions(test_jwt PRIVATE CG_JWT_DATA_DIR="${CMAKE_CURRENT_SOURCE_DIR}/unit/data")
# The CORS table: cases and answers recorded from Starlette by tests/cors_cases.py.
cg_unit_test(cors ${PROJECT_SOURCE_DIR}/tests/integration/cors_app.c)
target_compile_definitions(test_cors PRIVATE CG_CORS_CASES="${PROJECT_SOURCE_DIR}/tests/unit/data/cors_cases.json")
cg_unit_test(gateway)
cg_unit_test(compress)
find_library(CG_BROTLIDEC_ARCHIVE NAMES libbrotlidec.a REQUIRED)
target_link_libraries(test_compress PRIVATE ${CG_BROTLIDEC_ARCHIVE} ${CG_BROTLICOMMON_ARCHIVE})
# Typed parameters, and misuse of the handler API on every front door.
cg_unit_test(typed_params)
target_link_libraries(test_typed_params PRIVATE cgate_testing)
# Routers across tables and an app's error functions.
cg_unit_test(routers)
target_link_libraries(test_routers PRIVATE cgate_testing)
# Metrics in CloudWatch's embedded metric format.
cg_unit_test(metrics)
target_link_libraries(test_metrics PRIVATE cgate_testing)
# X-Ray subsegments of an app's spans, to a UDP socket.
cg_unit_test(xray)
target_link_libraries(test_xray PRIVATE cgate_testing cgate_aws)
cg_unit_test(misuse ${PROJECT_SOURCE_DIR}/tests/integration/misuse_app.c)
target_include_directories(test_misuse PRIVATE ${PROJECT_SOURCE_DIR}/tests/integration)
target_link_libraries(test_misuse PRIVATE cgate_testing)
# Idempotency keys on an in-memory persistence and on SQLite's (cgate_sqlite).
cg_unit_test(idempotency)
target_link_libraries(test_idempotency PRIVATE cgate_sqlite)
# The items app's page cursors (HMAC-SHA256 from libcrypto, through cgate_aws).
cg_unit_test(cursor ${PROJECT_SOURCE_DIR}/examples/items/cursor.c)
target_include_directories(test_cursor PRIVATE ${PROJECT_SOURCE_DIR}/examples/items)
target_link_libraries(test_cursor PRIVATE cgate_aws)
