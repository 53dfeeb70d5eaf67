# The zones of the provider's region where ALB is available.
data "alb_zones" "all" {}

# Two of them for a load balancer (each zone needs a vSwitch of the VPC in that zone).
resource "alb_config" "zoned" {
  name   = "zoned"
  vpc_id = "vpc-123"
  zone_mapping {
    zone_id    = data.alb_zones.all.ids[0]
    vswitch_id = "vsw-1"
  }
  zone_mapping {
    zone_id    = data.alb_zones.all.ids[1]
    vswitch_id = "vsw-2"
  }
  listener "HTTP:80" {}
}
