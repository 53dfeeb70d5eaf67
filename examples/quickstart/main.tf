# A small configuration whose server groups follow a Kubernetes cluster: one ALB with an HTTP
# listener, a storefront routed to two Services by pod IP (`ip` mode) and a legacy app routed to
# one NodePort Service through the cluster's nodes (`nodeport` mode). `make demo` applies it
# against the local ALB mock and the local Kubernetes API server (see README).

terraform {
  required_providers {
    alb = { source = "example/alb" }
  }
}

variable "endpoint" {
  description = "ALB API endpoint override; the default is the local mock started by `make demo`."
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

variable "namespace" {
  description = "Namespace of the sample workload."
  type        = string
  default     = "shop"
}

variable "node_selector" {
  description = "Labels of the nodes that may be members of the nodeport backend (empty: every eligible node)."
  type        = map(string)
  default     = {}
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
  cluster_id = "c-demo"

  kubernetes {
    config_path = var.kubeconfig
  }
}

resource "alb_config" "main" {
  name   = "quickstart"
  vpc_id = "vpc-123"

  zone_mapping {
    zone_id    = "cn-hangzhou-h"
    vswitch_id = "vsw-1"
  }
  zone_mapping {
    zone_id    = "cn-hangzhou-i"
    vswitch_id = "vsw-2"
  }

  listener "HTTP:80" {}
}

# Pods are members directly: one member per ready endpoint of the Service's EndpointSlices.
resource "alb_ingress" "shop" {
  alb_config_id = alb_config.main.id
  namespace     = var.namespace
  name          = "storefront"
  order         = 10

  backend_defaults {
    member_mode = "ip"
  }

  rule {
    host = "shop.example.com"

    path {
      path = "/api"
      backend {
        service = "api"
        port    = "http"
      }
    }
  }

  default_backend {
    service = "web"
    port    = 80
  }
}

# Nodes are members: one ECS member per eligible node, on the Service's nodePort.
resource "alb_ingress" "legacy" {
  alb_config_id = alb_config.main.id
  namespace     = var.namespace
  name          = "legacy"
  order         = 20

  backend_defaults {
    member_mode   = "nodeport"
    node_selector = var.node_selector
  }

  rule {
    host = "legacy.example.com"

    path {
      path = "/"
      backend {
        service = "legacy"
        port    = 80
      }
    }
  }
}

output "dns_name" {
  value = alb_config.main.dns_name
}
