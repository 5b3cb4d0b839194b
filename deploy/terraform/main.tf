locals {
  package = var.package != "" ? var.package : "${path.module}/../../dist/items-${var.architecture}.zip"
}

# pk "item" + id: the items; pk "counter", id 0: the last id given out (docs/aws.md).
resource "aws_dynamodb_table" "items" {
  #checkov:skip=CKV_AWS_119:encrypted at rest with the AWS owned key; a customer managed key is a per-account choice
  name         = "${var.name}-items"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "id"

  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "id"
    type = "N"
  }

  point_in_time_recovery {
    enabled = true
  }
  server_side_encryption {
    enabled = true
  }
}

resource "aws_iam_role" "function" {
  name = "${var.name}-function"
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

# What store_dynamodb.c calls, on this table only (no Scan, no CreateTable).
resource "aws_iam_role_policy" "table" {
  name = "items-table"
  role = aws_iam_role.function.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"]
      Resource = aws_dynamodb_table.items.arn
    }]
  })
}

# Made before the function, so that Lambda does not create it without a retention.
resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest by default; a KMS key is a per-account choice
  #checkov:skip=CKV_AWS_338:retention is var.log_retention_days (30 days by default, for cost)
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "items" {
  #checkov:skip=CKV_AWS_116:invoked synchronously by API Gateway; a dead-letter queue only serves asynchronous invocations
  #checkov:skip=CKV_AWS_117:reaches DynamoDB and CloudWatch only; a VPC would add NAT or endpoints for no isolation gain
  #checkov:skip=CKV_AWS_173:environment variables are encrypted at rest with the AWS managed key; a customer key is a per-account choice
  #checkov:skip=CKV_AWS_115:reserved concurrency is var.reserved_concurrency (off by default so a new account's pool is not cut)
  #checkov:skip=CKV_AWS_50:X-Ray tracing costs per trace; the runtime forwards the trace header when it is switched on
  #checkov:skip=CKV_AWS_272:code signing needs a signing profile of the account; the zip is built and checked by CI
  function_name                  = var.name
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
    variables = {
      ITEMS_STORE        = "dynamodb"
      ITEMS_TABLE        = aws_dynamodb_table.items.name
      LOG_LEVEL          = var.log_level
      CORS_ALLOW_ORIGINS = var.cors_allow_origins
      ITEMS_API_TOKEN    = var.api_token
    }
  }

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy_attachment.logs]
}
