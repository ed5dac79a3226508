# Every production environment in Europe.
data "openclaw_environments" "prod_eu" {
  labels = { tier = "production" }
  region = "eu-central"
}

output "prod_eu_gateways" {
  value = { for e in data.openclaw_environments.prod_eu.environments : e.name => e.gateway_url }
}
