# APP_NAME's values for cgate's Terraform module (the *.tf files beside this
# one; variables.tf lists every setting). make deploy-tf passes the
# architecture of the zip it has just built.
app_name = "APP_NAME"

# SQLite in the function's /tmp: it starts empty on every new instance. For
# data that lasts, move the store to DynamoDB and declare its table in
# `tables` (cgate's reference app, in its examples/, does both).
environment = {
  APP_UPPER_DB = "/tmp/APP_NAME.db"
}
