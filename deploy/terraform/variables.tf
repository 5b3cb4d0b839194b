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
# may call table_actions on these tables and nothing else.
variable "tables" {
  description = "DynamoDB tables of the app; empty for none (and then no DynamoDB permission at all)."
  type = list(object({
    name           = string
    hash_key       = string
    hash_key_type  = optional(string, "S")
    range_key      = optional(string)
    range_key_type = optional(string, "S")
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
