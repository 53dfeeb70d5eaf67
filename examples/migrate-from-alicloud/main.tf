# Taking over a load balancer that the alicloud provider made (alicloud_alb_load_balancer
# "shop" with the listeners HTTP:80 and HTTPS:443, alicloud_alb_rule and
# alicloud_alb_server_group resources): the import block brings the load balancer and both
# listeners into alb_config.main; the rules and the server group stay with the alicloud
# configuration until an alb_ingress replaces them. See docs/guides/migrating-from-alicloud.md.
#
#   terraform plan  -var load_balancer_id=alb-…            # step 1: import, listeners adopted
#   terraform apply -var load_balancer_id=alb-…
#   terraform apply -var load_balancer_id=alb-… -var take_over_api=true   # step 2: /api

terraform {
  required_providers {
    alb = { source = "example/alb" }
  }
}

variable "endpoint" {
  description = "ALB API endpoint override; the default is the local mock."
  type        = string
  default     = "http://127.0.0.1:18080"
}

variable "access_key" {
  type    = string
  default = "mock-access-key"
}

variable "secret_key" {
  type      = string
  default   = "mock-secret-key"
  sensitive = true
}

variable "load_balancer_id" {
  description = "Id of the load balancer alicloud_alb_load_balancer.shop made (terraform state show in the alicloud configuration)."
  type        = string
}

variable "take_over_api" {
  description = "Step 2: serve /api from alb_ingress.api instead of the alicloud_alb_rule."
  type        = bool
  default     = false
}

variable "kubeconfig" {
  description = "kubeconfig of the cluster whose Services become members; null: KUBE_CONFIG_PATH or KUBECONFIG."
  type        = string
  default     = null
}

provider "alb" {
  region     = "cn-hangzhou"
  endpoint   = var.endpoint
  access_key = var.access_key
  secret_key = var.secret_key
  cluster_id = "c-shop"

  kubernetes {
    config_path = var.kubeconfig
  }
}

# Terraform ≥ 1.5; with older versions run `terraform import alb_config.main alb-…` instead.
import {
  to = alb_config.main
  id = var.load_balancer_id
}

# Written from the alicloud configuration (see the attribute table of the guide): the plan of
# the import then changes nothing but the listeners' default actions.
resource "alb_config" "main" {
  name    = "shop"     # load_balancer_name
  vpc_id  = "vpc-shop" # vpc_id
  edition = "Standard" # load_balancer_edition
  tags    = { team = "shop" }

  zone_mapping { # zone_mappings
    zone_id    = "cn-hangzhou-h"
    vswitch_id = "vsw-shop-h"
  }
  zone_mapping {
    zone_id    = "cn-hangzhou-i"
    vswitch_id = "vsw-shop-i"
  }

  listener "HTTP:80" { # alicloud_alb_listener.http: listener_protocol, listener_port
    description  = "shop-http"
    idle_timeout = 30
  }
  listener "HTTPS:443" { # alicloud_alb_listener.https
    description     = "shop-https"
    certificate_ids = ["1234-cn-hangzhou"] # certificates.certificate_id
  }
}

# Step 2: /api from the cluster's Service api. Its order (1: rule priorities 1–10) puts its
# rule before the alicloud_alb_rule for /api (priority 20), so it takes the traffic the moment
# it is created; then remove that rule from the alicloud configuration.
resource "alb_ingress" "api" {
  count = var.take_over_api ? 1 : 0

  alb_config_id = alb_config.main.id
  namespace     = "shop"
  name          = "api"
  order         = 1

  rule {
    path {
      path      = "/api"
      path_type = "Prefix"
      backend {
        service = "api"
        port    = "80"
      }
    }
  }
}
