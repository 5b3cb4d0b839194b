variable "name" {
  description = "Name of the function, and prefix of every other resource."
  type        = string
  default     = "cgate-items"
}

variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"
}

variable "architecture" {
  description = "arm64 (Graviton, the cheaper per ms) or x86_64; picks dist/items-<architecture>.zip."
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

variable "package" {
  description = "The zip with `bootstrap` at its root; empty for dist/items-<architecture>.zip from `make package`."
  type        = string
  default     = ""
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

variable "api_token" {
  description = "ITEMS_API_TOKEN: the bearer token POST, PUT, PATCH and DELETE need; empty leaves writes open."
  type        = string
  default     = ""
  sensitive   = true
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
