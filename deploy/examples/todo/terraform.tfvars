# A table-less app (`todo`, as `cgate new todo` makes it) through deploy/terraform:
#   cd deploy/terraform && terraform apply -var-file=../examples/todo/terraform.tfvars
app_name = "todo"

environment = {
  TODO_GREETING  = "hello, world"
  TODO_MAX_ITEMS = "100"
}
