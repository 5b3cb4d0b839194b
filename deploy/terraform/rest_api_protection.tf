# The REST API's protection (rest_api_stage set): one API key in one usage plan
# on the stage, with its throttle and quota (var.api_key_required), and a WAF
# web ACL on the stage (var.web_acl_arn). AWS associates no web ACL with an
# HTTP API, nor usage plans: with either here, set http_api = false.

# AWS generates the key's value; it is no output (see the api_key_id output).
resource "aws_api_gateway_api_key" "rest" {
  count       = local.rest_api_keys
  name        = local.name
  description = "The API key of ${var.app_name}'s REST API (x-api-key header)."
  enabled     = true
}

resource "aws_api_gateway_usage_plan" "rest" {
  count       = local.rest_api_keys
  name        = local.name
  description = "The throttle and quota of ${var.app_name}'s API key."

  api_stages {
    api_id = aws_api_gateway_rest_api.rest[0].id
    stage  = aws_api_gateway_stage.rest[0].stage_name
  }

  dynamic "throttle_settings" {
    for_each = var.usage_plan_rate_limit > 0 ? [1] : []
    content {
      rate_limit  = var.usage_plan_rate_limit
      burst_limit = var.usage_plan_burst_limit
    }
  }

  dynamic "quota_settings" {
    for_each = var.usage_plan_quota_limit > 0 ? [1] : []
    content {
      limit  = var.usage_plan_quota_limit
      period = var.usage_plan_quota_period
    }
  }

  lifecycle {
    precondition {
      condition     = (var.usage_plan_rate_limit == 0) == (var.usage_plan_burst_limit == 0)
      error_message = "set usage_plan_rate_limit and usage_plan_burst_limit together (or leave both 0)."
    }
  }
}

resource "aws_api_gateway_usage_plan_key" "rest" {
  count         = local.rest_api_keys
  key_id        = aws_api_gateway_api_key.rest[0].id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.rest[0].id
}

resource "aws_wafv2_web_acl_association" "rest" {
  count        = local.rest_waf
  resource_arn = aws_api_gateway_stage.rest[0].arn
  web_acl_arn  = var.web_acl_arn
}
