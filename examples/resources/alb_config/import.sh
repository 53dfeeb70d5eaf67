# An alb_config is imported by its load balancer id.
terraform import alb_config.main alb-0123456789abcdef
