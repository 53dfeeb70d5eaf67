# Terraform owns the structure (load balancer, listener, rules, server groups); the in-cluster
# agent `alb-member-sync` (kubernetes/ beside this file) owns the members of the server groups
# of `alb_ingress.shop`, which `member_sync = "agent"` hands to it. Plans never show member
# churn for them; the agent keeps them in step with the pods between Terraform runs.
#
# The agent finds its groups by the tags alb.terraform/cluster = cluster_id (below; the
# agent's --cluster-id / ALB_CLUSTER_ID must be the same) and alb.terraform/members = agent.

terraform {
  required_providers {
    alb = { source = "example/alb" }
  }
}

variable "endpoint" {
  description = "ALB API endpoint override; the default is the local mock started by `make demo-sync`."
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
  description = "Namespace of the workload."
  type        = string
  default     = "shop"
}

variable "kubeconfig" {
  description = "kubeconfig of the cluster; null: KUBE_CONFIG_PATH or KUBECONFIG."
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
  name   = "member-sync"
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

resource "alb_ingress" "shop" {
  alb_config_id = alb_config.main.id
  namespace     = var.namespace
  name          = "storefront"

  backend_defaults {
    member_mode = "ip"
    member_sync = "agent"
  }

  default_backend {
    service = "web"
    port    = 80
  }
}
