data "openclaw_regions" "open" {
  available_only = true
}

# One staging environment per open region.
resource "openclaw_environment" "staging" {
  for_each = toset(data.openclaw_regions.open.ids)

  name   = "staging-${each.key}"
  region = each.key
}
