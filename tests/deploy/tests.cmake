# The deployment kit (deploy/, .github/workflows/). The SAM and checkov checks
# run in build/venv-deploy (requirements-deploy.txt: its pins clash with
# requirements-test.txt's); without it they report a skip (77).
set(CG_DEPLOY_PYTHON ${PROJECT_SOURCE_DIR}/build/venv-deploy/bin/python)
function(cg_deploy_test name python timeout)
  add_test(NAME deploy.${name}
           COMMAND sh -c "[ -x \"$0\" ] || { echo \"no $0: make build/venv-deploy/.stamp\"; exit 77; }
                          exec \"$0\" -m pytest -q -p no:cacheprovider \"$1\""
                   ${python} ${CMAKE_CURRENT_SOURCE_DIR}/deploy/test_${name}.py
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(deploy.${name} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT ${timeout})
endfunction()

cg_deploy_test(sam ${CG_DEPLOY_PYTHON} 300)
cg_deploy_test(checkov ${CG_DEPLOY_PYTHON} 300)
# sam build runs tools/package.sh (the lambda preset), hence its own entry.
cg_deploy_test(sam_build ${CG_DEPLOY_PYTHON} 900)
cg_deploy_test(terraform ${CG_PYTHON} 120)
cg_deploy_test(cli ${CG_PYTHON} 300)
cg_deploy_test(workflows ${CG_PYTHON} 120)
# tools/package.sh on a prebuilt bootstrap (an app built outside the tree).
cg_deploy_test(package ${CG_PYTHON} 120)
# tools/cache-keys.py: the REST API cache's keys from an app's OpenAPI document.
cg_deploy_test(cache_keys ${CG_PYTHON} 60)
# tools/gateway-routes.py: per-route cache TTLs and API keys from an app's OpenAPI
# document, in the SAM template (translated and linted) and in Terraform.
cg_deploy_test(gateway_routes ${CG_DEPLOY_PYTHON} 300)
cg_deploy_test(gateway_routes_terraform ${CG_PYTHON} 60)
