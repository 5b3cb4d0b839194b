# Any error, any throttle, and a p99 duration over var.p99_duration_alarm_ms.
locals {
  alarm_actions = var.alarm_topic_arn != "" ? [var.alarm_topic_arn] : []
  alarms = {
    errors = {
      metric      = "Errors"
      description = "the function failed (crash, timeout or init error)"
    }
    throttles = {
      metric      = "Throttles"
      description = "requests were throttled (concurrency limit reached)"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "count" {
  for_each            = local.alarms
  alarm_name          = "${local.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/Lambda"
  metric_name         = each.value.metric
  dimensions          = { FunctionName = aws_lambda_function.app.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "duration_p99" {
  alarm_name          = "${local.name}-duration-p99"
  alarm_description   = "the function's p99 duration is above ${var.p99_duration_alarm_ms} ms"
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  dimensions          = { FunctionName = aws_lambda_function.app.function_name }
  extended_statistic  = "p99"
  period              = 300
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = var.p99_duration_alarm_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}
