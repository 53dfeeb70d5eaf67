resource "alb_config" "main" {
  name   = "web"
  vpc_id = "vpc-123"
  tags   = { team = "web" }

  zone_mapping {
    zone_id    = "cn-hangzhou-h"
    vswitch_id = "vsw-1"
  }
  zone_mapping {
    zone_id    = "cn-hangzhou-i"
    vswitch_id = "vsw-2"
  }

  listener "HTTP:80" {}
  listener "HTTPS:443" {
    certificate_ids = ["1234-cn-hangzhou"]
    idle_timeout    = 60

    x_forwarded_for {
      proto = true
    }
  }

  timeouts {
    create = "15m"
  }
}
