# Look an environment up by name (or by id) to use it in another
# configuration.
data "openclaw_environment" "prod" {
  name = "prod"
}

output "prod_gateway" {
  value = data.openclaw_environment.prod.gateway_url
}
