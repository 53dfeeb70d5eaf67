//! HCL snippets shared by acceptance tests.

/// Access key id the in-process mock accepts by default.
pub const MOCK_ACCESS_KEY: &str = "mock-access-key";
/// Secret of [`MOCK_ACCESS_KEY`].
pub const MOCK_SECRET_KEY: &str = "mock-secret-key";

/// A `provider "alb"` block talking to the ALB API at `endpoint` (e.g. the in-process mock)
/// with the mock's default credentials and cluster id `c-acc`.
pub fn provider_block(endpoint: &str) -> String {
    provider_block_with(endpoint, "")
}

/// [`provider_block`] with `extra` (HCL lines, e.g. an `api_timeouts` block) inside it.
pub fn provider_block_with(endpoint: &str, extra: &str) -> String {
    format!(
        r#"provider "alb" {{
  region     = "cn-hangzhou"
  endpoint   = "{endpoint}"
  access_key = "{MOCK_ACCESS_KEY}"
  secret_key = "{MOCK_SECRET_KEY}"
  cluster_id = "c-acc"
{extra}}}
"#
    )
}

/// Two `zone_mapping` blocks (zones h and i of cn-hangzhou), for inside an `alb_config`.
pub const TWO_ZONE_MAPPINGS: &str = r#"  zone_mapping {
    zone_id    = "cn-hangzhou-h"
    vswitch_id = "vsw-1"
  }
  zone_mapping {
    zone_id    = "cn-hangzhou-i"
    vswitch_id = "vsw-2"
  }
"#;
