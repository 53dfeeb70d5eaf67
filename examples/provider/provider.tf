terraform {
  required_providers {
    alb = {
      source = "example/alb"
    }
  }
}

# Credentials come from the first source configured: access_key/secret_key, the
# ALIBABA_CLOUD_ACCESS_KEY_* variables, an aliyun CLI profile, RRSA/OIDC, an ECS RAM role or a
# credentials URI; assume_role assumes a RAM role with them (see the credentials guide).
provider "alb" {
  region     = "cn-hangzhou"
  profile    = "platform"
  cluster_id = "c-prod" # written into the ownership tags of every object created

  assume_role {
    role_arn     = "acs:ram::123456789012:role/alb-admin"
    session_name = "terraform"
  }

  # Where the Services behind the ingresses are read.
  kubernetes {
    config_path    = "~/.kube/config"
    config_context = "prod"
  }

  # Optional; the defaults are shown.
  api_timeouts {
    connect     = "5s"
    request     = "30s"
    unreachable = "30s"
    busy        = "3m"
  }
}
