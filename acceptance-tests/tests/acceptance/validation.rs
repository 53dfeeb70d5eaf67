//! Invalid configurations fail `terraform validate` with a precise diagnostic: the expected
//! summary, on the line of the offending attribute (the provider's attribute path resolved by
//! Terraform to a source range). Lines under test carry the marker `# <- here`.

use acceptance_tests::harness::Workdir;

const MARKER: &str = "# <- here";

const PROVIDER: &str = r#"
provider "alb" {
  region     = "cn-hangzhou"
  endpoint   = "http://127.0.0.1:9"
  access_key = "ak"
  secret_key = "sk"
}
"#;

/// An `alb_config` with two zones and the given listener blocks.
fn config_with(listeners: &str) -> String {
    format!(
        r#"{PROVIDER}
resource "alb_config" "main" {{
  name   = "web"
  vpc_id = "vpc-1"
  zone_mapping {{
    zone_id    = "cn-hangzhou-h"
    vswitch_id = "vsw-1"
  }}
  zone_mapping {{
    zone_id    = "cn-hangzhou-i"
    vswitch_id = "vsw-2"
  }}
{listeners}
}}
"#
    )
}

/// An `alb_ingress` with the given body.
fn ingress_with(body: &str) -> String {
    format!(
        r#"{PROVIDER}
resource "alb_ingress" "shop" {{
  alb_config_id = "alb-0123456789abcdefgh"
  namespace     = "shop"
  name          = "storefront"
{body}
}}
"#
    )
}

/// An ingress with one rule and one path whose body is given.
fn path_with(path_body: &str) -> String {
    ingress_with(&format!(
        r#"
  rule {{
    host = "shop.example.com"
    path {{
{path_body}
    }}
  }}
"#
    ))
}

const BACKEND: &str = r#"
      backend {
        service = "api"
        port    = 80
      }
"#;

/// Validates `hcl` and asserts one error whose summary contains `summary` (case-insensitive),
/// located on the marked line when the configuration has a marker.
fn assert_invalid(hcl: &str, summary: &str) {
    let wd = Workdir::new();
    wd.write_config(hcl);
    let report = wd.validate_json();
    assert!(!report.valid, "configuration unexpectedly valid:\n{hcl}");
    let errors = report.errors();
    let wanted = summary.to_lowercase();
    let matching: Vec<_> = errors
        .iter()
        .filter(|d| d.summary.to_lowercase().contains(&wanted))
        .collect();
    assert!(
        !matching.is_empty(),
        "no error with summary containing {summary:?}; got {errors:#?}"
    );
    if hcl.contains(MARKER) {
        let line = wd.line_of(MARKER);
        assert!(
            matching
                .iter()
                .any(|d| d.range.as_ref().map(|r| r.start.line) == Some(line)),
            "no {summary:?} error on line {line} (the marked attribute); got {matching:#?}"
        );
    }
}

#[test]
fn listener_label_port_out_of_range() {
    assert_invalid(
        &config_with("  listener \"HTTP:70000\" { # <- here\n  }"),
        "Invalid listener label",
    );
}

#[test]
fn listener_label_protocol_unknown() {
    assert_invalid(
        &config_with("  listener \"HTTP:80\" {}\n  listener \"TCP:80\" { # <- here\n  }"),
        "Invalid listener label",
    );
}

#[test]
fn listener_label_not_protocol_colon_port() {
    let hcl = config_with("  listener \"https:443\" { # <- here\n  }");
    assert_invalid(&hcl, "Invalid listener label");
    assert_detail(
        &hcl,
        "Invalid listener label",
        "e.g. `listener \"HTTPS:443\"",
    );
}

#[test]
fn no_listener_block() {
    assert_invalid(&config_with(""), "Wrong number of listeners");
}

#[test]
fn https_listener_without_certificate() {
    assert_invalid(&config_with("  listener \"HTTPS:443\" {}"), "certificate");
}

#[test]
fn http_and_https_on_one_port() {
    assert_invalid(
        &config_with(
            "  listener \"HTTP:8080\" {}\n  listener \"HTTPS:8080\" { # <- here\n    certificate_ids = [\"1-cn-hangzhou\"]\n  }",
        ),
        "Conflicting listener protocols",
    );
}

#[test]
fn idle_timeout_out_of_range() {
    assert_invalid(
        &config_with("  listener \"HTTP:80\" {\n    idle_timeout = 0 # <- here\n  }"),
        "timeout",
    );
}

#[test]
fn single_zone_mapping() {
    let hcl = format!(
        r#"{PROVIDER}
resource "alb_config" "main" {{
  name   = "web"
  vpc_id = "vpc-1"
  zone_mapping {{
    zone_id    = "cn-hangzhou-h"
    vswitch_id = "vsw-1"
  }}
  listener "HTTP:80" {{}}
}}
"#
    );
    assert_invalid(&hcl, "zone");
}

#[test]
fn ingress_order_out_of_range() {
    assert_invalid(&ingress_with("  order = 0 # <- here"), "order");
}

#[test]
fn ingress_namespace_not_a_dns_label() {
    let hcl = ingress_with("").replace(
        "namespace     = \"shop\"",
        "namespace     = \"Shop_NS\" # <- here",
    );
    assert_invalid(&hcl, "namespace");
}

#[test]
fn rule_host_with_uppercase() {
    let hcl = path_with(&format!("      path = \"/a\"\n{BACKEND}")).replace(
        "host = \"shop.example.com\"",
        "host = \"Shop.Example.com\" # <- here",
    );
    assert_invalid(&hcl, "host");
}

#[test]
fn path_without_leading_slash() {
    assert_invalid(
        &path_with(&format!("      path = \"api\" # <- here\n{BACKEND}")),
        "path",
    );
}

#[test]
fn exact_path_with_wildcard() {
    assert_invalid(
        &path_with(&format!(
            "      path      = \"/a*\" # <- here\n      path_type = \"Exact\"\n{BACKEND}"
        )),
        "path",
    );
}

#[test]
fn backend_weight_out_of_range() {
    assert_invalid(
        &path_with(
            "      path = \"/a\"\n      backend {\n        service = \"api\"\n        port    = 80\n        weight  = 150 # <- here\n      }",
        ),
        "weight",
    );
}

#[test]
fn two_final_actions() {
    assert_invalid(
        &path_with(&format!(
            "      path = \"/a\"\n{BACKEND}\n      redirect {{\n        path = \"/b\"\n      }}"
        )),
        "action",
    );
}

#[test]
fn rewrite_without_backend() {
    assert_invalid(
        &path_with(
            "      path = \"/a\"\n      rewrite {\n        path = \"/\"\n      }\n      fixed_response {\n        status = 200\n        content = \"ok\"\n      }",
        ),
        "rewrite",
    );
}

#[test]
fn redirect_code_not_allowed() {
    assert_invalid(
        &path_with(
            "      path = \"/a\"\n      redirect {\n        path = \"/b\"\n        code = 305 # <- here\n      }",
        ),
        "code",
    );
}

#[test]
fn header_match_name_invalid() {
    assert_invalid(
        &path_with(&format!(
            "      path = \"/a\"\n{BACKEND}\n      match {{\n        header {{\n          name   = \"x env\" # <- here\n          values = [\"prod\"]\n        }}\n      }}"
        )),
        "header",
    );
}

#[test]
fn match_method_unknown() {
    assert_invalid(
        &path_with(&format!(
            "      path = \"/a\"\n{BACKEND}\n      match {{\n        methods = [\"FETCH\"] # <- here\n      }}"
        )),
        "method",
    );
}

#[test]
fn traffic_limit_per_ip_not_below_total() {
    assert_invalid(
        &path_with(&format!(
            "      path = \"/a\"\n{BACKEND}\n      traffic_limit {{\n        qps        = 10\n        per_ip_qps = 20 # <- here\n      }}"
        )),
        "qps",
    );
}

#[test]
fn health_check_interval_out_of_range() {
    assert_invalid(
        &ingress_with(
            "  backend_defaults {\n    health_check {\n      enabled  = true\n      interval = 0 # <- here\n    }\n  }",
        ),
        "interval",
    );
}

#[test]
fn sticky_server_cookie_missing() {
    assert_invalid(
        &ingress_with(
            "  backend_defaults {\n    sticky_session {\n      type = \"Server\"\n    }\n  }",
        ),
        "cookie",
    );
}

#[test]
fn canary_with_header_and_weight() {
    assert_invalid(
        &ingress_with(
            "  canary {\n    weight = 20\n    backend {\n      service = \"web-v2\"\n      port    = 80\n    }\n    header {\n      name = \"x-canary\"\n    }\n  }",
        ),
        "canary",
    );
}

/// Values not known at validate time (a variable without a value) are never an error.
#[test]
fn unknown_values_are_not_errors_at_validate() {
    let wd = Workdir::new();
    let hcl = format!(
        "variable \"order\" {{\n  type = number\n}}\nvariable \"port\" {{\n  type = number\n}}\n{}",
        ingress_with("  order = var.order\n  listen {\n    protocol = \"HTTP\"\n    port     = var.port\n  }")
    );
    wd.write_config(&hcl);
    let report = wd.validate_json();
    assert!(
        report.valid,
        "unexpected diagnostics: {:#?}",
        report.diagnostics
    );
}

/// Issue 11 item 7: the provider's ownership tags cannot be set as user tags.
#[test]
fn reserved_tag_key() {
    assert_invalid(
        &config_with(
            "  tags = {\n    team                    = \"web\"\n    \"alb.terraform/cluster\" = \"prod\" # <- here\n  }\n  listener \"HTTP:80\" {}",
        ),
        "Reserved tag key",
    );
}

/// Issue 11 item 7: ACK's ownership tags are reserved as well.
#[test]
fn ack_tag_key() {
    assert_invalid(
        &config_with(
            "  tags = {\n    \"ingress.k8s.alibaba/albconfig\" = \"default/web\" # <- here\n  }\n  listener \"HTTP:80\" {}",
        ),
        "Reserved tag key",
    );
}

/// Issue 11 item 7: the second of two identical host+path entries is refused where it is.
#[test]
fn duplicate_route_points_at_the_second() {
    let hcl = ingress_with(&format!(
        r#"
  rule {{
    host = "shop.example.com"
    path {{
      path      = "/api"
      path_type = "Prefix"
{BACKEND}
    }}
  }}
  rule {{
    host = "shop.example.com"
    path {{
      path      = "/other"
{BACKEND}
    }}
    path {{
      path      = "/api" # <- here
      path_type = "Prefix"
{BACKEND}
    }}
  }}
"#
    ));
    assert_invalid(&hcl, "Duplicate route");
    assert_detail(&hcl, "Duplicate route", "rule[1].path[1] repeats");
}

/// The same path with different `match` conditions is two routes, not a duplicate.
#[test]
fn same_path_with_other_match_is_valid() {
    let wd = Workdir::new();
    wd.write_config(&ingress_with(&format!(
        r#"
  rule {{
    host = "shop.example.com"
    path {{
      path = "/api"
{BACKEND}
      match {{
        methods = ["GET"]
      }}
    }}
    path {{
      path = "/api"
{BACKEND}
    }}
  }}
"#
    )));
    let report = wd.validate_json();
    assert!(report.valid, "{:#?}", report.diagnostics);
}

/// Issue 11 item 7: a regex path with an unbalanced parenthesis.
#[test]
fn regex_path_with_unbalanced_parenthesis() {
    let hcl = ingress_with(&format!(
        r#"
  use_regex = true
  rule {{
    host = "shop.example.com"
    path {{
      path      = "/api/(v1|v2" # <- here
      path_type = "Prefix"
{BACKEND}
    }}
  }}
"#
    ));
    assert_invalid(&hcl, "Invalid regular expression path");
}

/// Issue 11 item 10: a duplicate listener is reported on the duplicate block (by Terraform:
/// listener blocks are keyed by their label).
#[test]
fn duplicate_listener_points_at_the_duplicate() {
    let hcl = config_with(
        "  listener \"HTTP:80\" {}\n  listener \"HTTP:8080\" {}\n  listener \"HTTP:80\" { # <- here\n  }",
    );
    assert_invalid(&hcl, "Duplicate listener");
}

/// Issue 11 item 10: a duplicate `listen` entry of an ingress, likewise.
#[test]
fn duplicate_listen_points_at_the_duplicate() {
    let hcl = ingress_with(
        "  listen {\n    protocol = \"HTTP\"\n    port     = 80\n  }\n  listen {\n    protocol = \"HTTP\"\n    port     = 80 # <- here\n  }",
    );
    assert_invalid(&hcl, "Duplicate listener");
    assert_detail(&hcl, "Duplicate listener", "listen[1] repeats");
}

/// Issue 11 item 10: a duplicate zone mapping is reported on the duplicate block.
#[test]
fn duplicate_zone_points_at_the_duplicate() {
    let hcl = format!(
        r#"{PROVIDER}
resource "alb_config" "main" {{
  name   = "web"
  vpc_id = "vpc-1"
  zone_mapping {{
    zone_id    = "cn-hangzhou-h"
    vswitch_id = "vsw-1"
  }}
  zone_mapping {{
    zone_id    = "cn-hangzhou-h" # <- here
    vswitch_id = "vsw-2"
  }}
  listener "HTTP:80" {{}}
}}
"#
    );
    assert_invalid(&hcl, "Duplicate zone");
    assert_detail(&hcl, "Duplicate zone", "zone_mapping[1] repeats");
}

/// Issue 11 item 10: all backend weights 0 points at the `weight` attributes.
#[test]
fn all_backend_weights_zero_point_at_the_weights() {
    assert_invalid(
        &path_with(
            "      path = \"/a\"\n      backend {\n        service = \"api\"\n        port    = 80\n        weight  = 0\n      }\n      backend {\n        service = \"api-v2\"\n        port    = 80\n        weight  = 0 # <- here\n      }",
        ),
        "All backend weights are zero",
    );
}

/// Asserts that an error with `summary` has a detail containing `needle`.
fn assert_detail(hcl: &str, summary: &str, needle: &str) {
    let wd = Workdir::new();
    wd.write_config(hcl);
    let report = wd.validate_json();
    let details: Vec<&str> = report
        .errors()
        .into_iter()
        .filter(|d| d.summary.contains(summary))
        .map(|d| d.detail.as_str())
        .collect();
    assert!(
        details.iter().any(|d| d.contains(needle)),
        "no {summary:?} detail containing {needle:?}: {details:?}"
    );
}

/// Issue 10: a role session lifetime STS does not issue (900–43200 s) is a validate error at
/// `session_expiration`, in `assume_role` and in `assume_role_with_oidc` (Terraform validates the
/// provider block of a configuration that has a resource of the provider).
#[test]
fn role_session_expiration_out_of_range() {
    for (block, seconds) in [("assume_role", 600), ("assume_role_with_oidc", 86_400)] {
        let hcl = format!(
            r#"
provider "alb" {{
  region = "cn-hangzhou"
  {block} {{
    role_arn           = "acs:ram::1234567890:role/deployer"
    session_expiration = {seconds} # <- here
  }}
}}

resource "alb_config" "main" {{
  name   = "web"
  vpc_id = "vpc-1"
}}
"#
        );
        assert_invalid(&hcl, "Invalid session expiration");
        assert_detail(&hcl, "Invalid session expiration", "from 900 to 43200");
    }
}
