# The platform team's load balancer, found by name among those the provider manages for the
# platform's cluster id (or by `id = "alb-…"`): no remote state needed.
data "alb_config" "shared" {
  name       = "web"
  cluster_id = "c-prod"
}

# An app team's own ingress on it, in its own band of rule priorities.
resource "alb_ingress" "checkout" {
  alb_config_id = data.alb_config.shared.id
  namespace     = "checkout"
  name          = "api"
  order         = 20

  rule {
    host = "checkout.example.com"
    path {
      path      = "/"
      path_type = "Prefix"
      backend {
        service = "api"
        port    = "80"
      }
    }
  }
}

output "http_listener_id" {
  value = data.alb_config.shared.listener["HTTP:80"].id
}

# The orders still free on HTTP:80, as runs: e.g. [{ first = 1, last = 9 }, { first = 11, last = 1000 }].
output "free_orders_on_http" {
  value = data.alb_config.shared.listener["HTTP:80"].free_orders
}
