output "api_url" {
  description = "The HTTP API's base URL, or without it (http_api = false) the REST API's."
  value       = local.http == 1 ? aws_apigatewayv2_api.http[0].api_endpoint : aws_api_gateway_stage.rest[0].invoke_url
}

output "docs_url" {
  description = "Swagger UI (ReDoc at /redoc)."
  value       = "${local.http == 1 ? aws_apigatewayv2_api.http[0].api_endpoint : aws_api_gateway_stage.rest[0].invoke_url}/docs"
}

output "rest_api_url" {
  description = "The REST API's base URL, stage included (null without var.rest_api_stage)."
  value       = local.rest == 1 ? aws_api_gateway_stage.rest[0].invoke_url : null
}

output "api_key_id" {
  description = "The REST API key's id (null without api_key_required); its value: aws apigateway get-api-key --include-value --api-key <id>."
  value       = local.rest_api_keys == 1 ? aws_api_gateway_api_key.rest[0].id : null
}

output "function_name" {
  value = aws_lambda_function.app.function_name
}

output "log_group" {
  value = aws_cloudwatch_log_group.function.name
}

output "table_names" {
  description = "The DynamoDB tables' full names, by their short names in var.tables."
  value       = { for k, t in aws_dynamodb_table.table : k => t.name }
}
