# HTTP API (unless var.http_api is false): $default and ANY /{proxy+} to the
# function (payload 2.0) on the $default stage.
locals {
  http = var.http_api ? 1 : 0
}

resource "aws_apigatewayv2_api" "http" {
  count         = local.http
  name          = local.name
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "function" {
  count                  = local.http
  api_id                 = aws_apigatewayv2_api.http[0].id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.app.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "proxy" {
  #checkov:skip=CKV_AWS_309:the app authorises its own requests (bearer tokens, JWTs); API Gateway passes them all through
  count     = local.http
  api_id    = aws_apigatewayv2_api.http[0].id
  route_key = "ANY /{proxy+}"
  target    = "integrations/${aws_apigatewayv2_integration.function[0].id}"
}

resource "aws_apigatewayv2_route" "default" {
  #checkov:skip=CKV_AWS_309:the app authorises its own requests (bearer tokens, JWTs); API Gateway passes them all through
  count     = local.http
  api_id    = aws_apigatewayv2_api.http[0].id
  route_key = "$default"
  target    = "integrations/${aws_apigatewayv2_integration.function[0].id}"
}

resource "aws_apigatewayv2_stage" "default" {
  #checkov:skip=CKV_AWS_76:the function logs one access line per request (method, path, status, duration, trace id)
  count       = local.http
  api_id      = aws_apigatewayv2_api.http[0].id
  name        = "$default"
  auto_deploy = true
}

resource "aws_lambda_permission" "http_api" {
  count         = local.http
  statement_id  = "http-api"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.app.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http[0].execution_arn}/*"
}

# State from before var.http_api keeps its HTTP API.
moved {
  from = aws_apigatewayv2_api.http
  to   = aws_apigatewayv2_api.http[0]
}
moved {
  from = aws_apigatewayv2_integration.function
  to   = aws_apigatewayv2_integration.function[0]
}
moved {
  from = aws_apigatewayv2_route.proxy
  to   = aws_apigatewayv2_route.proxy[0]
}
moved {
  from = aws_apigatewayv2_route.default
  to   = aws_apigatewayv2_route.default[0]
}
moved {
  from = aws_apigatewayv2_stage.default
  to   = aws_apigatewayv2_stage.default[0]
}
moved {
  from = aws_lambda_permission.http_api
  to   = aws_lambda_permission.http_api[0]
}
