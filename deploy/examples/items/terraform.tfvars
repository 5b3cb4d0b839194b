# items, the reference app, through deploy/terraform (docs/deploy.md):
#   cd deploy/terraform && terraform apply -var-file=../examples/items/terraform.tfvars
# Its writes take a bearer token when ITEMS_API_TOKEN is set, and its page cursors are signed
# with ITEMS_CURSOR_KEY (64 hex digits, the same at each apply), both secret:
#   -var 'secret_environment={ITEMS_CURSOR_KEY="<openssl rand -hex 32>",ITEMS_API_TOKEN="<token>"}'
app_name = "items"
name     = "cgate-items"

environment = {
  ITEMS_STORE = "dynamodb"
}

# pk "item#<id / 100>" + id: the items; pk "counter", id 0: the last id given out; pk
# "idempotency#<key>", id 0: Idempotency-Key records, deleted by TTL (docs/aws.md).
tables = [{
  name           = "items"
  hash_key       = "pk"
  range_key      = "id"
  range_key_type = "N"
  ttl_attribute  = "expires_at"
  env            = "ITEMS_TABLE"
}]
