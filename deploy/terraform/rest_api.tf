# Optional REST API (var.rest_api_stage): / and /{proxy+}, ANY, to the function
# (payload 1.0), in the named stage.
locals {
  rest          = var.rest_api_stage != "" ? 1 : 0
  rest_cache    = local.rest == 1 && var.cache_cluster_size != "" ? 1 : 0
  rest_api_keys = local.rest == 1 && var.api_key_required != "false" ? 1 : 0
  rest_waf      = local.rest == 1 && var.web_acl_arn != "" ? 1 : 0
  # The cache's keys must be declared request parameters of the methods; on
  # the greedy resource the path is one, or every path would share one entry.
  cache_keys       = local.rest_cache == 1 ? [for k in var.cache_key_parameters : "method.request.${k}"] : []
  proxy_cache_keys = local.rest_cache == 1 ? concat(["method.request.path.proxy"], local.cache_keys) : []
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
  count              = local.rest
  rest_api_id        = aws_api_gateway_rest_api.rest[0].id
  resource_id        = aws_api_gateway_rest_api.rest[0].root_resource_id
  http_method        = "ANY"
  authorization      = "NONE"
  api_key_required   = var.api_key_required == "true"
  request_parameters = { for k in local.cache_keys : k => false }
}

resource "aws_api_gateway_method" "proxy" {
  #checkov:skip=CKV_AWS_59:the app authorises its own requests (bearer tokens, JWTs); API Gateway passes them all through
  #checkov:skip=CKV2_AWS_53:the app validates every request itself (422 bodies as FastAPI's)
  count              = local.rest
  rest_api_id        = aws_api_gateway_rest_api.rest[0].id
  resource_id        = aws_api_gateway_resource.proxy[0].id
  http_method        = "ANY"
  authorization      = "NONE"
  api_key_required   = var.api_key_required == "true"
  request_parameters = { for k in local.proxy_cache_keys : k => k == "method.request.path.proxy" }
}

resource "aws_api_gateway_integration" "root" {
  count                   = local.rest
  rest_api_id             = aws_api_gateway_rest_api.rest[0].id
  resource_id             = aws_api_gateway_rest_api.rest[0].root_resource_id
  http_method             = aws_api_gateway_method.root[0].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.app.invoke_arn
  cache_key_parameters    = local.cache_keys
}

resource "aws_api_gateway_integration" "proxy" {
  count                   = local.rest
  rest_api_id             = aws_api_gateway_rest_api.rest[0].id
  resource_id             = aws_api_gateway_resource.proxy[0].id
  http_method             = aws_api_gateway_method.proxy[0].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.app.invoke_arn
  cache_key_parameters    = local.proxy_cache_keys
}

resource "aws_api_gateway_deployment" "rest" {
  count       = local.rest
  rest_api_id = aws_api_gateway_rest_api.rest[0].id
  # A new deployment whenever the methods or integrations change (an API key
  # requirement, a cache key), or the stage would keep serving the old ones.
  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_method.root[0], aws_api_gateway_method.proxy[0],
      aws_api_gateway_integration.root[0], aws_api_gateway_integration.proxy[0],
      local.gateway_routes, # the per-route methods and integrations of gateway_routes.tf.json
    ]))
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "rest" {
  #checkov:skip=CKV_AWS_73:X-Ray tracing costs per trace; the runtime forwards the trace header when it is switched on
  #checkov:skip=CKV_AWS_76:the function logs one access line per request (method, path, status, duration, trace id)
  #checkov:skip=CKV_AWS_120:the cache is var.cache_cluster_size, off by default: an API that reads its own writes must not serve stale ones
  #checkov:skip=CKV2_AWS_4:execution logging needs an account-wide CloudWatch role; the function's log has every request
  #checkov:skip=CKV2_AWS_29:a WAF web ACL is var.web_acl_arn (rest_api_protection.tf), an account-level choice billed per ACL
  #checkov:skip=CKV2_AWS_51:client certificates are for private backends; this one is Lambda
  count         = local.rest
  rest_api_id   = aws_api_gateway_rest_api.rest[0].id
  deployment_id = aws_api_gateway_deployment.rest[0].id
  stage_name    = var.rest_api_stage
  # The cache: the stage's cluster here, what is cached in aws_api_gateway_method_settings.cache.
  cache_cluster_enabled = local.rest_cache == 1
  cache_cluster_size    = local.rest_cache == 1 ? var.cache_cluster_size : null
}

# Every resource and method ("*/*"); API Gateway caches GET responses alone unless told.
resource "aws_api_gateway_method_settings" "cache" {
  count       = local.rest_cache
  rest_api_id = aws_api_gateway_rest_api.rest[0].id
  stage_name  = aws_api_gateway_stage.rest[0].stage_name
  method_path = "*/*"
  settings {
    caching_enabled      = true
    cache_ttl_in_seconds = var.cache_ttl_seconds
    cache_data_encrypted = true
  }
}

resource "aws_lambda_permission" "rest_api" {
  count         = local.rest
  statement_id  = "rest-api"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.app.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.rest[0].execution_arn}/*"
}
