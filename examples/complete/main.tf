# A complete configuration: one ALB with HTTP and HTTPS listeners, and an ingress using most
# routing features. `make demo` applies it against the local ALB mock (see README).

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

provider "alb" {
  region     = "cn-hangzhou"
  endpoint   = var.endpoint
  access_key = var.access_key
  secret_key = var.secret_key
  cluster_id = "c-demo"
}

resource "alb_config" "main" {
  name         = "web"
  vpc_id       = "vpc-123"
  address_type = "Internet"
  edition      = "Standard"

  zone_mapping {
    zone_id    = "cn-hangzhou-h"
    vswitch_id = "vsw-1"
  }
  zone_mapping {
    zone_id    = "cn-hangzhou-i"
    vswitch_id = "vsw-2"
  }

  access_log {
    project  = "p"
    logstore = "alb_web"
  }

  tags = { team = "web" }

  listener "HTTP:80" {}

  listener "HTTPS:443" {
    certificate_ids    = ["1234-cn-hangzhou"]
    security_policy_id = "tls_cipher_policy_1_2"
    idle_timeout       = 60
    request_timeout    = 60
    http2              = true
    gzip               = true

    x_forwarded_for {
      proto           = true
      client_src_port = true
    }

    # A provider-managed ACL (`acl_ids = [...]` binds existing ACLs instead).
    acl {
      type    = "Black"
      entries = ["203.0.113.0/24", "198.51.100.7"]
    }
  }
}

resource "alb_ingress" "shop" {
  alb_config_id = alb_config.main.id
  namespace     = "shop"
  name          = "storefront"
  order         = 10
  tls_hosts     = ["shop.example.com"]
  ssl_redirect  = true

  backend_defaults {
    protocol    = "HTTP"
    scheduler   = "Wrr"
    member_mode = "ip"

    health_check {
      enabled = true
      path    = "/healthz"
      codes   = ["http_2xx"]
    }

    sticky_session {
      type           = "Insert"
      cookie_timeout = 1000
    }
  }

  rule {
    host = "shop.example.com"

    path {
      path      = "/api"
      path_type = "Prefix"

      backend {
        service = "api"
        port    = 80
        weight  = 80
      }
      backend {
        service = "api-v2"
        port    = "http"
        weight  = 20
      }

      match {
        header {
          name   = "x-env"
          values = ["prod"]
        }
        methods = ["GET", "POST"]
      }

      rewrite {
        path = "/"
      }

      insert_header {
        name  = "x-from"
        value = "alb"
      }

      traffic_limit {
        qps        = 100
        per_ip_qps = 10
      }
    }

    path {
      path      = "/old"
      path_type = "Exact"

      redirect {
        path = "/new"
        code = 301
      }
    }

    path {
      path = "/maintenance"

      fixed_response {
        status       = 503
        content_type = "text/plain"
        content      = "back soon"
      }
    }
  }

  canary {
    backend {
      service = "web-v2"
      port    = 80
    }
    header {
      name  = "x-canary"
      value = "always"
    }
  }

  default_backend {
    service = "web"
    port    = 80
  }
}

output "dns_name" {
  value = alb_config.main.dns_name
}
