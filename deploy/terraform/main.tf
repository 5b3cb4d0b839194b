locals {
  name    = var.name != "" ? var.name : var.app_name
  package = lookup(var.packages, var.architecture, "${path.module}/../../dist/${var.app_name}-${var.architecture}.zip")
  tables  = { for t in var.tables : t.name => t }
  # The function's environment, later maps winning: the settings every cgate
  # app reads (an empty value is the same as unset), the tables' full names,
  # the app's own variables.
  environment = merge(
    { LOG_LEVEL = var.log_level, CORS_ALLOW_ORIGINS = var.cors_allow_origins, CG_METRICS_NAMESPACE = var.metrics_namespace },
    { for t in var.tables : t.env => aws_dynamodb_table.table[t.name].name if t.env != null },
    var.environment,
  )
}

# On demand, with point-in-time recovery; only the key attributes are declared
# (DynamoDB is schemaless beyond them).
resource "aws_dynamodb_table" "table" {
  #checkov:skip=CKV_AWS_119:encrypted at rest with the AWS owned key; a customer managed key is a per-account choice
  for_each     = local.tables
  name         = "${local.name}-${each.key}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = each.value.hash_key
  range_key    = each.value.range_key

  attribute {
    name = each.value.hash_key
    type = each.value.hash_key_type
  }
  dynamic "attribute" {
    for_each = each.value.range_key != null ? [each.value.range_key] : []
    content {
      name = attribute.value
      type = each.value.range_key_type
    }
  }
  dynamic "ttl" {
    for_each = each.value.ttl_attribute != null ? [each.value.ttl_attribute] : []
    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  point_in_time_recovery {
    enabled = true
  }
  server_side_encryption {
    enabled = true
  }
}

resource "aws_iam_role" "function" {
  name = "${local.name}-function"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "logs" {
  role       = aws_iam_role.function.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

# Active tracing: Lambda's X-Ray daemon sends the segments with the function's role.
resource "aws_iam_role_policy_attachment" "xray" {
  count      = var.tracing_mode == "Active" ? 1 : 0
  role       = aws_iam_role.function.name
  policy_arn = "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"
}

# var.table_actions on the app's tables only; no table, no DynamoDB permission.
resource "aws_iam_role_policy" "tables" {
  count = length(var.tables) > 0 ? 1 : 0
  name  = "tables"
  role  = aws_iam_role.function.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = var.table_actions
      Resource = [for t in aws_dynamodb_table.table : t.arn]
    }]
  })
}

# Made before the function, so that Lambda does not create it without a retention.
resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest by default; a KMS key is a per-account choice
  #checkov:skip=CKV_AWS_338:retention is var.log_retention_days (30 days by default, for cost)
  name              = "/aws/lambda/${local.name}"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "app" {
  #checkov:skip=CKV_AWS_116:invoked synchronously by API Gateway; a dead-letter queue only serves asynchronous invocations
  #checkov:skip=CKV_AWS_117:reaches DynamoDB and CloudWatch only; a VPC would add NAT or endpoints for no isolation gain
  #checkov:skip=CKV_AWS_173:environment variables are encrypted at rest with the AWS managed key; a customer key is a per-account choice
  #checkov:skip=CKV_AWS_115:reserved concurrency is var.reserved_concurrency (off by default so a new account's pool is not cut)
  #checkov:skip=CKV_AWS_50:X-Ray tracing costs per trace: var.tracing_mode, off by default, turns it on
  #checkov:skip=CKV_AWS_272:code signing needs a signing profile of the account; the zip is built and checked by CI
  function_name                  = local.name
  role                           = aws_iam_role.function.arn
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  architectures                  = [var.architecture]
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrency
  filename                       = local.package
  source_code_hash               = filebase64sha256(local.package)

  environment {
    # With the secrets merged in, Terraform hides the whole map in plan output.
    variables = merge(local.environment, var.secret_environment)
  }

  # Without the block Lambda passes the caller's sampling decision through (PassThrough).
  dynamic "tracing_config" {
    for_each = var.tracing_mode == "Active" ? ["Active"] : []
    content {
      mode = tracing_config.value
    }
  }

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy_attachment.logs]

  # The front doors (http_api.tf, rest_api.tf) and what each can do.
  lifecycle {
    precondition {
      condition     = var.http_api || var.rest_api_stage != ""
      error_message = "no front door: http_api is false and rest_api_stage is empty."
    }
    precondition {
      condition     = var.rest_api_stage != "" || (var.cache_cluster_size == "" && var.api_key_required == "false" && var.web_acl_arn == "")
      error_message = "cache_cluster_size, api_key_required and web_acl_arn are REST API features (HTTP APIs have no cache, API keys nor WAF): set rest_api_stage."
    }
    precondition {
      condition     = !var.http_api || (var.api_key_required == "false" && var.web_acl_arn == "")
      error_message = "api_key_required and web_acl_arn protect the REST API only: set http_api = false, or the HTTP API answers without them."
    }
  }
}
