# Optional REST API (var.rest_api_stage): / and /{proxy+}, ANY, to the function
# (payload 1.0), in the named stage.
locals {
  rest = var.rest_api_stage != "" ? 1 : 0
}

resource "aws_api_gateway_rest_api" "rest" {
  count = local.rest
  name  = local.name
  endpoint_configuration {
    types = ["REGIONAL"]
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_resource" "proxy" {
  count       = local.rest
  rest_api_id = aws_api_gateway_rest_api.rest[0].id
  parent_id   = aws_api_gateway_rest_api.rest[0].root_resource_id
  path_part   = "{proxy+}"
}

resource "aws_api_gateway_method" "root" {
  #checkov:skip=CKV_AWS_59:the app authorises its own requests (bearer tokens, JWTs); API Gateway passes them all through
  #checkov:skip=CKV2_AWS_53:the app validates every request itself (422 bodies as FastAPI's)
  count         = local.rest
  rest_api_id   = aws_api_gateway_rest_api.rest[0].id
  resource_id   = aws_api_gateway_rest_api.rest[0].root_resource_id
  http_method   = "ANY"
  authorization = "NONE"
}

resource "aws_api_gateway_method" "proxy" {
  #checkov:skip=CKV_AWS_59:the app authorises its own requests (bearer tokens, JWTs); API Gateway passes them all through
  #checkov:skip=CKV2_AWS_53:the app validates every request itself (422 bodies as FastAPI's)
  count         = local.rest
  rest_api_id   = aws_api_gateway_rest_api.rest[0].id
  resource_id   = aws_api_gateway_resource.proxy[0].id
  http_method   = "ANY"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "root" {
  count                   = local.rest
  rest_api_id             = aws_api_gateway_rest_api.rest[0].id
  resource_id             = aws_api_gateway_rest_api.rest[0].root_resource_id
  http_method             = aws_api_gateway_method.root[0].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.app.invoke_arn
}

resource "aws_api_gateway_integration" "proxy" {
  count                   = local.rest
  rest_api_id             = aws_api_gateway_rest_api.rest[0].id
  resource_id             = aws_api_gateway_resource.proxy[0].id
  http_method             = aws_api_gateway_method.proxy[0].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.app.invoke_arn
}

resource "aws_api_gateway_deployment" "rest" {
  count       = local.rest
  rest_api_id = aws_api_gateway_rest_api.rest[0].id
  # A new deployment whenever the methods or integrations change.
  triggers = {
    redeployment = sha1(jsonencode([aws_api_gateway_integration.root[0].id, aws_api_gateway_integration.proxy[0].id]))
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "rest" {
  #checkov:skip=CKV_AWS_73:X-Ray tracing costs per trace; the runtime forwards the trace header when it is switched on
  #checkov:skip=CKV_AWS_76:the function logs one access line per request (method, path, status, duration, trace id)
  #checkov:skip=CKV_AWS_120:responses are not cached: an API that reads its own writes must not serve stale ones
  #checkov:skip=CKV2_AWS_4:execution logging needs an account-wide CloudWatch role; the function's log has every request
  #checkov:skip=CKV2_AWS_29:a WAF web ACL is an account-level choice and billed per ACL
  #checkov:skip=CKV2_AWS_51:client certificates are for private backends; this one is Lambda
  count         = local.rest
  rest_api_id   = aws_api_gateway_rest_api.rest[0].id
  deployment_id = aws_api_gateway_deployment.rest[0].id
  stage_name    = var.rest_api_stage
}

resource "aws_lambda_permission" "rest_api" {
  count         = local.rest
  statement_id  = "rest-api"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.app.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.rest[0].execution_arn}/*"
}
