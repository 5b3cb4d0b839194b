cg_integration_test(items)
cg_integration_test(http)
cg_integration_test(lambda)

# The AWS client: SigV4 against botocore, TLS, retries (aws_tool drives it).
add_executable(aws_tool integration/aws_tool.c)
target_link_libraries(aws_tool PRIVATE cgate_aws)
set_target_properties(aws_tool PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CG_BIN_DIR})
cg_integration_test(aws)
cg_integration_test(local_gateway)
cg_integration_test(items_dynamodb)
cg_integration_test(openapi)

# The lambda preset's binaries, checked when `make lambda` has built them.
add_test(NAME lambda.bootstrap
         COMMAND sh -c "[ -d build/lambda/bin ] || exit 77; exec tools/check-bootstrap.sh build/lambda/bin/*"
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(lambda.bootstrap PROPERTIES SKIP_RETURN_CODE 77)
