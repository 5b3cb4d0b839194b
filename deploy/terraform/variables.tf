# ---- the app: its name, its zips, its environment, its tables ----
variable "app_name" {
  description = "The app's name: the zips are <app_name>-<architecture>.zip, and the default function name is it."
  type        = string
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,56}$", var.app_name))
    error_message = "app_name: 1 to 56 letters, digits, '-' or '_' (it prefixes names of at most 64)."
  }
}

variable "name" {
  description = "Name of the function, and prefix of every other resource; empty for app_name."
  type        = string
  default     = ""
}

variable "packages" {
  description = "Zip per architecture ({ arm64 = \"...\" }); an architecture missing here takes dist/<app_name>-<architecture>.zip from `make package`."
  type        = map(string)
  default     = {}
}

variable "environment" {
  description = "The app's own environment variables (LOG_LEVEL, CORS_ALLOW_ORIGINS and the tables' variables are added)."
  type        = map(string)
  default     = {}
}

variable "secret_environment" {
  description = "Environment variables kept out of plan output (tokens, secrets); merged over environment."
  type        = map(string)
  default     = {}
  sensitive   = true
}

# Each table is created as <name>-<table name>, on demand, and its full name is
# passed to the function in the variable `env` names (when set). The function
# may call table_actions on these tables and nothing else. ttl_attribute (a
# number, epoch seconds) turns DynamoDB's TTL on: expired entries are deleted.
variable "tables" {
  description = "DynamoDB tables of the app; empty for none (and then no DynamoDB permission at all)."
  type = list(object({
    name           = string
    hash_key       = string
    hash_key_type  = optional(string, "S")
    range_key      = optional(string)
    range_key_type = optional(string, "S")
    ttl_attribute  = optional(string)
    env            = optional(string)
  }))
  default = []
  validation {
    condition     = alltrue([for t in var.tables : contains(["S", "N", "B"], t.hash_key_type) && contains(["S", "N", "B"], t.range_key_type)])
    error_message = "key types are S, N or B."
  }
}

variable "table_actions" {
  description = "What the function may do on its tables (item-level calls; no Scan, no table management by default)."
  type        = list(string)
  default     = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"]
}

# ---- where and how it runs ----
variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"
}

variable "architecture" {
  description = "arm64 (Graviton, the cheaper per ms) or x86_64; picks the zip of that architecture."
  type        = string
  default     = "arm64"
  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory_size" {
  description = "Function memory in MB; its CPU share grows with it (docs/deploy.md)."
  type        = number
  default     = 256
}

variable "timeout" {
  description = "Function timeout in seconds (API Gateway gives up at 29-30 s)."
  type        = number
  default     = 10
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions; -1 for none."
  type        = number
  default     = -1
}

variable "rest_api_stage" {
  description = "Also create a REST API with this stage (its URLs start with /<stage>); empty for none."
  type        = string
  default     = ""
}

variable "log_retention_days" {
  type    = number
  default = 30
}

variable "log_level" {
  type    = string
  default = "info"
}

variable "cors_allow_origins" {
  description = "CORS_ALLOW_ORIGINS: comma-separated origins allowed from browsers; empty for no CORS."
  type        = string
  default     = ""
}

variable "p99_duration_alarm_ms" {
  type    = number
  default = 1000
}

variable "alarm_topic_arn" {
  description = "SNS topic the alarms notify; empty for none."
  type        = string
  default     = ""
}

# ---- tracing and metrics ----
variable "tracing_mode" {
  description = "Active: X-Ray active tracing on the function, and the role may send segments (AWSXrayWriteOnlyAccess); Disabled: neither."
  type        = string
  default     = "Disabled"
  validation {
    condition     = contains(["Disabled", "Active"], var.tracing_mode)
    error_message = "tracing_mode must be Disabled or Active."
  }
}

variable "metrics_namespace" {
  description = "CG_METRICS_NAMESPACE: the CloudWatch namespace of the app's EMF metrics; empty leaves the app's own."
  type        = string
  default     = ""
}

# ---- the front doors, and the REST API's own cost and protection knobs ----
# Caching, API keys and WAF exist for REST APIs only: they need rest_api_stage.
variable "http_api" {
  description = "Create the HTTP API; false leaves the REST API (rest_api_stage) as the only way in, which API keys and WAF need, or the HTTP API would answer without them."
  type        = bool
  default     = true
}

variable "cache_cluster_size" {
  description = "GB of the REST API stage's response cache (0.5 to 237), billed per hour while it exists; empty for no cache."
  type        = string
  default     = ""
  validation {
    condition     = contains(["", "0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"], var.cache_cluster_size)
    error_message = "cache_cluster_size: empty, or one of 0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118, 237."
  }
}

variable "cache_ttl_seconds" {
  description = "How long a cached GET response is served (0 caches nothing)."
  type        = number
  default     = 300
  validation {
    condition     = var.cache_ttl_seconds >= 0 && var.cache_ttl_seconds <= 3600
    error_message = "cache_ttl_seconds: 0 to 3600."
  }
}

variable "cache_key_parameters" {
  description = "Besides the path, the request values that tell cached responses apart: querystring.NAME or header.NAME, every one a GET response depends on."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for k in var.cache_key_parameters : can(regex("^(querystring|header)\\.[A-Za-z0-9._~-]+$", k))])
    error_message = "cache_key_parameters: each is querystring.NAME or header.NAME."
  }
}

variable "api_key_required" {
  description = "\"true\": every REST API request needs an x-api-key header with the stack's key, under a usage plan (usage_plan_*); \"declared\": only the routes whose OpenAPI security names an apiKey scheme (gateway_routes.tf.json, from tools/gateway-routes.py); \"false\": none."
  type        = string
  default     = "false"
  validation {
    condition     = contains(["false", "true", "declared"], var.api_key_required)
    error_message = "api_key_required: \"false\", \"true\" (every route) or \"declared\" (the routes that declare an API key)."
  }
}

variable "usage_plan_rate_limit" {
  description = "The usage plan's steady rate, requests per second; 0 (with usage_plan_burst_limit 0) for no throttle."
  type        = number
  default     = 0
}

variable "usage_plan_burst_limit" {
  description = "The usage plan's burst, requests; set with usage_plan_rate_limit, or both 0."
  type        = number
  default     = 0
}

variable "usage_plan_quota_limit" {
  description = "Requests allowed per usage_plan_quota_period; 0 for no quota."
  type        = number
  default     = 0
}

variable "usage_plan_quota_period" {
  type    = string
  default = "MONTH"
  validation {
    condition     = contains(["DAY", "WEEK", "MONTH"], var.usage_plan_quota_period)
    error_message = "usage_plan_quota_period: DAY, WEEK or MONTH."
  }
}

variable "web_acl_arn" {
  description = "A regional WAFv2 web ACL associated with the REST API's stage; empty for none."
  type        = string
  default     = ""
  validation {
    condition     = can(regex("^(arn:aws[a-zA-Z-]*:wafv2:[a-z0-9-]+:[0-9]{12}:regional/webacl/.+)?$", var.web_acl_arn))
    error_message = "web_acl_arn: a regional WAFv2 web ACL's ARN, or empty."
  }
}
