//! The benchmark fleet: `ingresses` `alb_ingress` resources spread round-robin over
//! `load_balancers` `alb_config`s (HTTP:80 and HTTPS:443 each). Ingress `i` routes
//! [`PATHS`] paths of its own host to Services `svc-<i>-<k>` (one server group each, ip members)
//! and sends everything else to `svc-<i>-0` (a catch-all rule): [`PATHS`] + 1 rules on HTTP:80.
//! Each ingress has its own `order` band on its load balancer, so no two clash.

use std::path::Path;

use crate::harness::hcl::{provider_block_with, TWO_ZONE_MAPPINGS};

/// Paths (and Services, server groups) per ingress.
pub const PATHS: usize = 5;
/// Ready endpoints of every Service (members of its server group).
pub const ENDPOINTS_PER_SERVICE: usize = 2;
/// Namespace of every ingress and Service of the fleet.
pub const NAMESPACE: &str = "fleet";
/// Port of every Service; its endpoints listen on [`TARGET_PORT`].
pub const SERVICE_PORT: u16 = 80;
/// Port of every endpoint.
pub const TARGET_PORT: u16 = 8080;

/// The size of a fleet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fleet {
    /// `alb_ingress` resources.
    pub ingresses: usize,
    /// `alb_config` resources (load balancers).
    pub load_balancers: usize,
}

impl Fleet {
    /// `ingresses` on `min(ingresses, max_load_balancers)` load balancers (at least one).
    pub fn new(ingresses: usize, max_load_balancers: usize) -> Self {
        Self {
            ingresses,
            load_balancers: ingresses.min(max_load_balancers).max(1),
        }
    }

    /// Rules each ingress expands to ([`PATHS`] paths and the catch-all).
    pub fn rules_per_ingress() -> usize {
        PATHS + 1
    }

    /// The Service behind path `path` of ingress `ingress`.
    pub fn service(ingress: usize, path: usize) -> String {
        format!("svc-{ingress}-{path}")
    }

    /// Every Service of the fleet.
    pub fn services(&self) -> Vec<String> {
        (0..self.ingresses)
            .flat_map(|i| (0..PATHS).map(move |k| Self::service(i, k)))
            .collect()
    }

    /// Every Service of the fleet with its [`ENDPOINTS_PER_SERVICE`] ready addresses (distinct
    /// across the fleet).
    pub fn service_endpoints(&self) -> Vec<(String, Vec<String>)> {
        self.services()
            .into_iter()
            .enumerate()
            .map(|(n, name)| (name, addresses(n, ENDPOINTS_PER_SERVICE)))
            .collect()
    }

    /// The whole configuration after `provider` (a `provider "alb"` block). `changed` moves the
    /// first path of ingress 0 to its second Service: one rule's actions change, nothing else.
    pub fn hcl(&self, provider: &str, changed: bool) -> String {
        let mut out = provider.to_string();
        for lb in 0..self.load_balancers {
            out.push_str(&load_balancer(lb));
        }
        for i in 0..self.ingresses {
            out.push_str(&self.ingress(i, changed && i == 0));
        }
        out
    }

    fn ingress(&self, i: usize, changed: bool) -> String {
        let lb = i % self.load_balancers;
        let order = i / self.load_balancers + 1;
        let paths: String = (0..PATHS)
            .map(|k| {
                let service = Self::service(i, if changed && k == 0 { 1 } else { k });
                format!(
                    "    path {{\n      path = \"/p{k}\"\n      backend {{\n        service = \"{service}\"\n        port    = {SERVICE_PORT}\n      }}\n    }}\n"
                )
            })
            .collect();
        let catch_all = Self::service(i, 0);
        format!(
            r#"
resource "alb_ingress" "app{i}" {{
  alb_config_id = alb_config.lb{lb}.id
  namespace     = "{NAMESPACE}"
  name          = "app-{i}"
  order         = {order}
  rule {{
    host = "app-{i}.bench.example"
{paths}  }}
  default_backend {{
    service = "{catch_all}"
    port    = {SERVICE_PORT}
  }}
}}
"#
        )
    }
}

/// Backends per path of the members scenario (the API's limit of server groups per forward).
pub const BACKENDS_PER_PATH: usize = 5;

/// The members scenario: one load balancer and one ingress `members` whose paths forward to
/// `backends` Services `m-<b>`, [`BACKENDS_PER_PATH`] per path with equal weights.
pub fn members_hcl(provider: &str, backends: usize) -> String {
    let paths: String = (0..backends.div_ceil(BACKENDS_PER_PATH))
        .map(|p| {
            let first = p * BACKENDS_PER_PATH;
            let services: String = (first..backends.min(first + BACKENDS_PER_PATH))
                .map(|b| {
                    format!(
                        "      backend {{\n        service = \"{}\"\n        port    = {SERVICE_PORT}\n        weight  = 20\n      }}\n",
                        member_service(b)
                    )
                })
                .collect();
            format!("    path {{\n      path = \"/m{p}\"\n{services}    }}\n")
        })
        .collect();
    format!(
        r#"{provider}{}
resource "alb_ingress" "members" {{
  alb_config_id = alb_config.lb0.id
  namespace     = "{NAMESPACE}"
  name          = "members"
  rule {{
    host = "members.bench.example"
{paths}  }}
}}
"#,
        load_balancer(0)
    )
}

/// The Service of backend `b` of the members scenario.
pub fn member_service(b: usize) -> String {
    format!("m-{b}")
}

/// The members scenario's `backends` Services with `endpoints` ready addresses each.
pub fn member_service_endpoints(backends: usize, endpoints: usize) -> Vec<(String, Vec<String>)> {
    (0..backends)
        .map(|b| (member_service(b), addresses(b, endpoints)))
        .collect()
}

/// The `count` addresses of the `n`-th Service: 10.x.y.z, distinct for every (n, i), none
/// ending in .0.
fn addresses(n: usize, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            let a = n * count + i;
            format!("10.{}.{}.{}", 1 + a / 62_500, (a / 250) % 250, a % 250 + 1)
        })
        .collect()
}

/// The `provider "alb"` block of the bench: the mock at `endpoint` and the cluster of
/// `kubeconfig`.
pub fn provider_hcl(endpoint: &str, kubeconfig: &Path) -> String {
    provider_block_with(
        endpoint,
        &format!(
            "  kubernetes {{\n    config_path = \"{}\"\n  }}\n",
            kubeconfig.display()
        ),
    )
}

fn load_balancer(lb: usize) -> String {
    format!(
        r#"
resource "alb_config" "lb{lb}" {{
  name   = "bench-{lb}"
  vpc_id = "vpc-1"
{TWO_ZONE_MAPPINGS}  listener "HTTP:80" {{}}
  listener "HTTPS:443" {{
    certificate_ids = ["1234-cn-hangzhou"]
  }}
}}
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ingresses_spread_round_robin_with_their_own_bands() {
        let fleet = Fleet::new(3, 2);
        assert_eq!(fleet.load_balancers, 2);
        let hcl = fleet.hcl("", false);
        assert_eq!(hcl.matches("resource \"alb_config\"").count(), 2);
        assert_eq!(hcl.matches("resource \"alb_ingress\"").count(), 3);
        assert!(hcl.contains("resource \"alb_ingress\" \"app2\" {\n  alb_config_id = alb_config.lb0.id\n  namespace     = \"fleet\"\n  name          = \"app-2\"\n  order         = 2"));
        assert_eq!(Fleet::new(1, 20).load_balancers, 1);
        assert_eq!(fleet.services().len(), 3 * PATHS);
    }

    #[test]
    fn the_change_touches_one_path_of_one_ingress() {
        let fleet = Fleet::new(2, 2);
        let (before, after) = (fleet.hcl("", false), fleet.hcl("", true));
        let differing: Vec<_> = before
            .lines()
            .zip(after.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(
            differing,
            vec![(
                "        service = \"svc-0-0\"",
                "        service = \"svc-0-1\""
            )]
        );
    }

    #[test]
    fn members_scenario_puts_five_weighted_backends_on_each_path() {
        let hcl = members_hcl("", 12);
        assert_eq!(hcl.matches("    path {").count(), 3);
        assert_eq!(hcl.matches("weight  = 20").count(), 12);
        assert!(hcl.contains("service = \"m-11\""));
        assert!(!hcl.contains("m-12"));
    }

    #[test]
    fn endpoint_addresses_are_distinct() {
        let fleet = Fleet::new(200, 20).service_endpoints();
        assert_eq!(fleet.len(), 200 * PATHS);
        let members = member_service_endpoints(200, 100);
        assert_eq!(members[199].1.len(), 100);
        for services in [fleet, members] {
            let mut all: Vec<String> = services.into_iter().flat_map(|(_, a)| a).collect();
            let n = all.len();
            all.sort();
            all.dedup();
            assert_eq!(all.len(), n);
            assert!(all.iter().all(|a| !a.ends_with(".0")));
        }
    }
}
