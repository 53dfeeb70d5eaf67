//! `alb_config` plans a reviewer can trust, with real Terraform against the mock: an unset
//! attribute equals its default, zone mappings compare as a set by zone, listeners are keyed by
//! their `PROTOCOL:port` label, and what the API changes in place (edition upgrades, zones, network type,
//! resource group) is an in-place update keeping the load balancer id.

use acceptance_tests::harness::{provider_block, Workdir};

use crate::config_lifecycle::{list, mock, resource_values};

/// The parts of an `alb_config` a test varies.
#[derive(Clone)]
struct Lb {
    /// Extra top-level lines (`edition = …`, `address_type = …`).
    top: Vec<String>,
    /// `(zone_id, vswitch_id, extra lines)` in block order.
    zones: Vec<(&'static str, &'static str, &'static str)>,
    /// Listener blocks (label line and body, without the closing brace) in block order.
    listeners: Vec<&'static str>,
}

const HTTP_80: &str = "listener \"HTTP:80\" {";
const HTTPS_443: &str = "listener \"HTTPS:443\" {\n    certificate_ids = [\"1234-cn-hangzhou\"]\n    acl {\n      type    = \"White\"\n      entries = [\"10.0.0.0/8\"]\n    }";

impl Default for Lb {
    fn default() -> Self {
        Lb {
            top: Vec::new(),
            zones: vec![
                ("cn-hangzhou-h", "vsw-1", ""),
                ("cn-hangzhou-i", "vsw-2", ""),
            ],
            listeners: vec![HTTP_80, HTTPS_443],
        }
    }
}

impl Lb {
    fn with(mut self, line: &str) -> Self {
        self.top.push(line.to_string());
        self
    }

    fn hcl(&self, endpoint: &str) -> String {
        let zones: String = self
            .zones
            .iter()
            .map(|(z, v, extra)| {
                format!("  zone_mapping {{\n    zone_id    = \"{z}\"\n    vswitch_id = \"{v}\"\n    {extra}\n  }}\n")
            })
            .collect();
        let listeners: String = self
            .listeners
            .iter()
            .map(|block| format!("  {block}\n  }}\n"))
            .collect();
        format!(
            "{provider}\nresource \"alb_config\" \"main\" {{\n  name   = \"web\"\n  vpc_id = \"vpc-1\"\n  {top}\n{zones}{listeners}}}\n",
            provider = provider_block(endpoint),
            top = self.top.join("\n  "),
        )
    }
}

/// The only load balancer of the mock.
fn mock_lb(state: &serde_json::Value) -> &serde_json::Value {
    let lbs = list(state, "LoadBalancers");
    assert_eq!(lbs.len(), 1, "{state:#}");
    &lbs[0]
}

/// Calls of `action` the mock has answered.
fn calls(mock: &acceptance_tests::mock::MockServer, action: &str) -> u64 {
    mock.counters()
        .actions
        .iter()
        .find(|(a, _)| a.as_str() == action)
        .map_or(0, |(_, c)| c.calls)
}

/// Mutating calls the mock has answered.
fn mutating(mock: &acceptance_tests::mock::MockServer) -> u64 {
    mock.counters()
        .actions
        .iter()
        .filter(|(a, _)| !(a.starts_with("List") || a.starts_with("Get")))
        .map(|(_, c)| c.calls)
        .sum()
}

#[test]
fn config_removing_a_default_or_swapping_zones_plans_no_change() {
    let mock = mock(30);
    let wd = Workdir::new();
    let explicit = Lb::default()
        .with("address_type = \"Internet\"")
        .with("edition = \"Standard\"")
        .with("deletion_protection = false");
    wd.write_config(&explicit.hcl(&mock.endpoint()));
    wd.apply(&[]).assert_success("create");
    let id = resource_values(&wd)["id"].clone();

    // Unset equals the default.
    wd.write_config(&Lb::default().hcl(&mock.endpoint()));
    wd.assert_plan_empty();
    // Zone mappings compare as a set by zone.
    let mut swapped = Lb::default();
    swapped.zones.reverse();
    wd.write_config(&swapped.hcl(&mock.endpoint()));
    wd.assert_plan_empty();
    // The listener blocks in another order: no replacement, no API call.
    let mut reordered = swapped.clone();
    reordered.listeners.reverse();
    wd.write_config(&reordered.hcl(&mock.endpoint()));
    let plan = wd.plan(&[]);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    let before = mutating(&mock);
    wd.apply(&[]).assert_success("reordered listeners");
    assert_eq!(resource_values(&wd)["id"], id);
    assert_eq!(mutating(&mock), before, "{:?}", mock.counters().actions);
    wd.assert_plan_empty();
}

#[test]
fn config_import_then_writing_the_default_edition_plans_no_change() {
    let mock = mock(30);
    let wd = Workdir::new();
    wd.write_config(&Lb::default().hcl(&mock.endpoint()));
    wd.apply(&[]).assert_success("create");
    let id = resource_values(&wd)["id"].as_str().expect("id").to_string();

    let fresh = Workdir::new();
    let written = Lb::default()
        .with("edition = \"Standard\"")
        .with("address_type = \"Internet\"");
    fresh.write_config(&written.hcl(&mock.endpoint()));
    fresh
        .import("alb_config.main", &id)
        .assert_success("import");
    let imported = resource_values(&fresh);
    assert_eq!(imported["edition"], "Standard");
    assert_eq!(imported["address_type"], "Internet");
    assert_eq!(
        imported["resource_group_id"],
        mock_lb(&mock.state())["ResourceGroupId"]
    );
    fresh.assert_plan_empty();
}

#[test]
fn config_edition_upgrade_is_in_place_and_a_downgrade_replaces_with_a_reason() {
    let mock = mock(30);
    let wd = Workdir::new();
    wd.write_config(
        &Lb::default()
            .with("edition = \"Basic\"")
            .hcl(&mock.endpoint()),
    );
    wd.apply(&[]).assert_success("create");
    let id = resource_values(&wd)["id"].as_str().expect("id").to_string();

    // Upgrade: in place, same load balancer.
    wd.write_config(&Lb::default().hcl(&mock.endpoint()));
    let plan = wd.plan(&[]);
    assert_eq!(plan.code, 2, "{}", plan.combined());
    assert!(plan.stdout.contains("updated in-place"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("\"Basic\" -> \"Standard\""),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    wd.apply(&[]).assert_success("upgrade");
    assert_eq!(resource_values(&wd)["id"], id.as_str());
    assert_eq!(resource_values(&wd)["edition"], "Standard");
    let state = mock.state();
    let lb = mock_lb(&state);
    assert_eq!(lb["LoadBalancerId"], id.as_str());
    assert_eq!(lb["LoadBalancerEdition"], "Standard");
    assert_eq!(calls(&mock, "UpdateLoadBalancerEdition"), 1);
    assert_eq!(calls(&mock, "CreateLoadBalancer"), 1);
    wd.assert_plan_empty();

    // Downgrade: the API refuses it, so the plan replaces and says why.
    wd.write_config(
        &Lb::default()
            .with("edition = \"Basic\"")
            .hcl(&mock.endpoint()),
    );
    let plan = wd.plan(&[]);
    assert_eq!(plan.code, 2, "{}", plan.combined());
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("# forces replacement"),
        "{}",
        plan.stdout
    );
    let words = plan
        .combined()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words.contains("Edition change replaces the load balancer")
            && words.contains(&format!(
                "cannot change the edition of load balancer {id} from Standard to Basic"
            )),
        "{words}"
    );
}

#[test]
fn config_zones_network_type_resource_group_and_tags_change_in_place() {
    let mock = mock(30);
    let wd = Workdir::new();
    let intranet = Lb::default().with("address_type = \"Intranet\"");
    wd.write_config(&intranet.hcl(&mock.endpoint()));
    wd.apply(&[]).assert_success("create");
    let id = resource_values(&wd)["id"].as_str().expect("id").to_string();

    // Another zone, another resource group, a tag: one in-place update.
    let mut moved = intranet
        .clone()
        .with("resource_group_id = \"rg-team\"")
        .with("tags = { team = \"web\" }");
    moved.zones[1] = ("cn-hangzhou-j", "vsw-3", "");
    wd.write_config(&moved.hcl(&mock.endpoint()));
    let plan = wd.plan(&[]);
    assert!(plan.stdout.contains("updated in-place"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    wd.apply(&[]).assert_success("zones and group");
    let state = mock.state();
    let lb = mock_lb(&state);
    assert_eq!(lb["LoadBalancerId"], id.as_str());
    assert_eq!(lb["ResourceGroupId"], "rg-team");
    let zones: Vec<&str> = lb["ZoneMappings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|z| z["ZoneId"].as_str())
        .collect();
    assert_eq!(zones, ["cn-hangzhou-h", "cn-hangzhou-j"]);
    assert_eq!(calls(&mock, "UpdateLoadBalancerZones"), 1);
    assert_eq!(calls(&mock, "MoveResourceGroup"), 1);
    wd.assert_plan_empty();

    // Internet-facing without Elastic IPs is refused at plan, at the zone's allocation_id.
    let mut public = moved.clone();
    public.top[0] = "address_type = \"Internet\"".into();
    wd.write_config(&public.hcl(&mock.endpoint()));
    wd.plan(&[])
        .assert_failure_containing("Elastic IP needed to go Internet-facing");
    public.zones = vec![
        ("cn-hangzhou-h", "vsw-1", "allocation_id = \"eip-1\""),
        ("cn-hangzhou-j", "vsw-3", "allocation_id = \"eip-2\""),
    ];
    wd.write_config(&public.hcl(&mock.endpoint()));
    wd.apply(&[]).assert_success("go Internet-facing");
    let state = mock.state();
    let lb = mock_lb(&state);
    assert_eq!(lb["LoadBalancerId"], id.as_str());
    assert_eq!(lb["AddressType"], "Internet");
    assert_eq!(resource_values(&wd)["id"], id.as_str());
    wd.assert_plan_empty();
}

#[test]
fn config_each_remaining_replacement_is_planned_as_such() {
    let mock = mock(30);
    let wd = Workdir::new();
    wd.write_config(&Lb::default().hcl(&mock.endpoint()));
    wd.apply(&[]).assert_success("create");
    for (line, attribute) in [
        ("address_ip_version = \"DualStack\"", "address_ip_version"),
        (
            "address_allocated_mode = \"Fixed\"",
            "address_allocated_mode",
        ),
        ("bandwidth_package_id = \"cbwp-1\"", "bandwidth_package_id"),
        ("edition = \"Basic\"", "edition"),
    ] {
        wd.write_config(&Lb::default().with(line).hcl(&mock.endpoint()));
        let plan = wd.plan(&[]);
        assert_eq!(plan.code, 2, "{}", plan.combined());
        assert!(
            plan.stdout.contains("must be replaced"),
            "{line}: {}",
            plan.stdout
        );
        let forced = plan
            .stdout
            .lines()
            .find(|l| l.contains("# forces replacement"))
            .unwrap_or_else(|| panic!("{line}: {}", plan.stdout));
        assert!(forced.contains(attribute), "{line}: {forced}");
    }
}

#[test]
fn config_state_of_schema_version_0_upgrades_without_a_diff() {
    let mock = mock(30);
    let wd = Workdir::new();
    wd.write_config(&Lb::default().hcl(&mock.endpoint()));
    wd.apply(&[]).assert_success("create");
    // Rewrite the state as version 0 stored it: defaults as null, listeners as a list of blocks
    // with `protocol` and `port`.
    let path = wd.path().join("terraform.tfstate");
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("state")).expect("JSON");
    let instance = &mut state["resources"][0]["instances"][0];
    instance["schema_version"] = 0.into();
    for name in [
        "address_type",
        "edition",
        "address_ip_version",
        "address_allocated_mode",
        "deletion_protection",
        "resource_group_id",
    ] {
        instance["attributes"][name] = serde_json::Value::Null;
    }
    let listeners = instance["attributes"]["listener"].take();
    let listeners: Vec<serde_json::Value> = listeners
        .as_object()
        .expect("listeners by label")
        .iter()
        .map(|(label, block)| {
            let (protocol, port) = label.split_once(':').expect("PROTOCOL:port");
            let mut block = block.clone();
            block["protocol"] = protocol.into();
            block["port"] = port.parse::<u16>().expect("port").into();
            block
        })
        .collect();
    instance["attributes"]["listener"] = listeners.into();
    std::fs::write(&path, state.to_string()).expect("write state");
    // Without a refresh only the upgrade can make the nulls defaults again (the group is
    // computed, so its null stays until the next refresh and shows no diff either).
    let out = wd.plan(&["-refresh=false"]);
    assert_eq!(out.code, 0, "{}", out.combined());
    wd.apply(&[]).assert_success("refresh and apply");
    let values = resource_values(&wd);
    assert_eq!(values["address_type"], "Internet");
    assert_eq!(
        values["resource_group_id"],
        mock_lb(&mock.state())["ResourceGroupId"]
    );
}
