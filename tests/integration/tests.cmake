cg_integration_test(items)
cg_integration_test(items_access)
cg_integration_test(http)
cg_integration_test(streaming)
cg_integration_test(lambda)

# The AWS client: SigV4 against botocore, TLS, retries (aws_tool drives it).
add_executable(aws_tool integration/aws_tool.c)
target_link_libraries(aws_tool PRIVATE cgate_aws)
set_target_properties(aws_tool PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CG_BIN_DIR})
cg_integration_test(aws)
cg_integration_test(local_gateway)
cg_integration_test(items_dynamodb)
# One generated corpus through both stores: byte-identical answers.
cg_integration_test(store_parity)
# A seeded mix of faults between items and moto: every answer what happened.
cg_integration_test(ddb_faults)
# Cursor pages on both stores: Links walked while items change, Queries counted.
cg_integration_test(pages)
# A locked SQLite, a paused DynamoDB, a full blocking pool, a Lambda deadline.
cg_integration_test(slow_store)
# Routes declared blocking: the pool and the connection around it (mirror).
cg_integration_test(blocking)
cg_integration_test(idempotency)
cg_integration_test(openapi)

# The CORS table (tests/unit/data/cors_cases.json) through the server and invoke.
add_executable(cors_app integration/cors_app_main.c integration/cors_app.c)
target_link_libraries(cors_app PRIVATE cgate)
set_target_properties(cors_app PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CG_BIN_DIR})
cg_integration_test(cors)

# The lambda preset's binaries, checked when `make lambda` has built them.
add_test(NAME lambda.bootstrap
         COMMAND sh -c "[ -d build/lambda/bin ] || exit 77; exec tools/check-bootstrap.sh build/lambda/bin/*"
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(lambda.bootstrap PROPERTIES SKIP_RETURN_CODE 77)

# tools/package.sh: the mirror app zipped twice per architecture, the same
# bytes, an executable bootstrap that passes the checks (skipped without the
# architecture's toolchain: tools/deps.sh package).
# RUN_SERIAL: they may relink build/lambda*/bin/mirror, which others read.
add_test(NAME package.reproducible COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/integration/package_check.sh x86_64)
add_test(NAME package.arm64 COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/integration/package_check.sh arm64)
set_tests_properties(package.reproducible package.arm64 PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900 RUN_SERIAL ON)

# The Lambda benchmark's harness (bench/lambda): the emulator and the
# in-process timer measure the items app and refuse non-200 answers.
if(NOT CG_LAMBDA)
  add_test(NAME bench.lambda_harness
           COMMAND sh ${PROJECT_SOURCE_DIR}/bench/lambda/check.sh ${CMAKE_BINARY_DIR}/bench ${CG_BIN_DIR}/items)
  set_tests_properties(bench.lambda_harness PROPERTIES TIMEOUT 120)
endif()
cg_integration_test(compress)
# Log lines on Lambda and locally; secrets never in them.
cg_integration_test(logging)
# Bad input through the servers and `items invoke`; faults of the Runtime API,
# SQLite (lock, full disk), DynamoDB (throttling) and SIGTERM under load.
cg_integration_test(bad_input)
cg_integration_test(faults)
# More clients than the open-file limit allows, over two workers (prlimit).
cg_integration_test(fd_limit)
# Bodies: answered from the head when refused, a memory budget, a minimum rate.
cg_integration_test(body_limits)
# Misuse of the handler API and bad statuses: the same 500 and log line
# through the server and `misuse_app invoke`.
add_executable(misuse_app integration/misuse_app_main.c integration/misuse_app.c)
target_link_libraries(misuse_app PRIVATE cgate)
set_target_properties(misuse_app PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CG_BIN_DIR})
cg_integration_test(misuse)
# Metrics in CloudWatch's embedded metric format, on Lambda and locally.
cg_integration_test(metrics)
# X-Ray: subsegments to a UDP listener, trace headers on every AWS call.
cg_integration_test(xray)
# Parameters and secrets (SSM, Secrets Manager) against moto: secrets_tool
# drives the client; the items app reads its token at start-up.
add_executable(secrets_tool integration/secrets_tool.c)
target_link_libraries(secrets_tool PRIVATE cgate_aws)
set_target_properties(secrets_tool PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CG_BIN_DIR})
cg_integration_test(parameters)
