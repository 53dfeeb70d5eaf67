resource "alb_ingress" "shop" {
  alb_config_id = alb_config.main.id
  namespace     = "shop"
  name          = "storefront"
  tls_hosts     = ["shop.example.com"]
  ssl_redirect  = true

  backend_defaults {
    health_check {
      enabled = true
      path    = "/healthz"
    }
  }

  rule {
    host = "shop.example.com"
    path {
      path      = "/api"
      path_type = "Prefix"
      backend {
        service = "api"
        port    = "80"
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
      }
    }
    path {
      path      = "/old"
      path_type = "Prefix"
      redirect {
        path = "/new"
        code = 301
      }
    }
  }

  default_backend {
    service = "web"
    port    = "80"
  }
}
