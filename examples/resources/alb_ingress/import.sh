# An alb_ingress is imported by <load balancer id>/<namespace>/<name>.
terraform import alb_ingress.shop alb-0123456789abcdef/shop/storefront
