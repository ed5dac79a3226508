# The cheapest GPU with at least 80 GB in us-east that has 8 GPUs free.
data "openclaw_gpu_types" "big" {
  region        = "us-east"
  min_memory_gb = 80
}

locals {
  with_room = [for o in data.openclaw_gpu_types.big.offers : o if o.available_gpus >= 8]
  cheapest  = local.with_room[0]
}

output "cheapest_80gb" {
  value = "${local.cheapest.gpu_type} (${local.cheapest.capacity_type}) at $${local.cheapest.hourly_price}/GPU-hour"
}
