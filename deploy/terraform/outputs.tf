output "api_url" {
  description = "The HTTP API's base URL."
  value       = aws_apigatewayv2_api.http.api_endpoint
}

output "docs_url" {
  description = "Swagger UI (ReDoc at /redoc)."
  value       = "${aws_apigatewayv2_api.http.api_endpoint}/docs"
}

output "rest_api_url" {
  description = "The REST API's base URL, stage included (null without var.rest_api_stage)."
  value       = local.rest == 1 ? aws_api_gateway_stage.rest[0].invoke_url : null
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
