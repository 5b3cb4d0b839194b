# items, the reference app, through deploy/terraform (docs/deploy.md):
#   cd deploy/terraform && terraform apply -var-file=../examples/items/terraform.tfvars
# Its writes take a bearer token when ITEMS_API_TOKEN is set:
#   -var 'secret_environment={ITEMS_API_TOKEN="<token>"}'
app_name = "items"
name     = "cgate-items"

environment = {
  ITEMS_STORE = "dynamodb"
}

# pk "item" + id: the items; pk "counter", id 0: the last id given out (docs/aws.md).
tables = [{
  name           = "items"
  hash_key       = "pk"
  range_key      = "id"
  range_key_type = "N"
  env            = "ITEMS_TABLE"
}]
