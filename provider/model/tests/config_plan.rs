//! alb_config planning: create from nothing, converge, listener add/remove, ownership, listener
//! ACLs (against a small simulator of the API).

use model::acl::listener_acl;
use model::desired::ListenerAttributes;
use model::diff::{
    AclRef, ActualAcl, ActualListener, ActualLoadBalancer, ActualPlaceholder, OpKind,
};
use model::ownership::{config_tags, ResourceKind, TAG_CLUSTER, TAG_KEY};
use model::spec::{AclType, ConfigSpec, ListenerProtocol};
use model::{expand_config, plan_config_ops, Op};
use serde_json::json;

fn spec(listeners: serde_json::Value) -> ConfigSpec {
    serde_json::from_value(json!({
        "name": "web-alb", "vpc_id": "vpc-1",
        "zone_mapping": [{"zone_id": "a", "vswitch_id": "v1"}, {"zone_id": "b", "vswitch_id": "v2"}],
        "listener": listeners
    }))
    .unwrap()
}

fn names(ops: &[Op]) -> Vec<&'static str> {
    ops.iter().map(|o| o.kind.name()).collect()
}

/// What exists after applying `ops` to nothing (ids made up).
fn applied(ops: &[Op]) -> ActualLoadBalancer {
    let mut lb = ActualLoadBalancer {
        id: "alb-1".into(),
        name: String::new(),
        deletion_protection: false,
        access_log: None,
        tags: Default::default(),
        edition: None,
        address_type: None,
        zone_mappings: vec![],
        resource_group_id: None,
        listeners: vec![],
        placeholders: vec![],
        acls: vec![],
    };
    apply(&mut lb, ops, 0);
    lb
}

/// Applies `ops` to `lb` like the API would, strict where the API is: at most 3 ACLs and one
/// type per listener, no ACL bound twice, entries not added twice or removed when absent, no
/// deletion of a bound ACL. New ids are numbered from `seq`.
fn apply(lb: &mut ActualLoadBalancer, ops: &[Op], seq: usize) {
    let acl_id = |lb: &ActualLoadBalancer, r: &AclRef| -> String {
        r.id.clone().unwrap_or_else(|| {
            lb.acls
                .iter()
                .find(|a| a.tags.get(TAG_KEY) == Some(&r.key))
                .map(|a| a.id.clone())
                .unwrap_or_else(|| panic!("no ACL {}", r.key))
        })
    };
    for (i, op) in ops.iter().enumerate() {
        let i = seq + i;
        match &op.kind {
            OpKind::CreateLoadBalancer { lb: d, tags } => {
                lb.name = d.name.clone();
                lb.tags = tags.clone();
                lb.zone_mappings = d.zone_mappings.clone();
            }
            OpKind::CreatePlaceholderGroup { tags, .. } => {
                lb.placeholders.push(ActualPlaceholder {
                    id: format!("sgp-{i}"),
                    tags: tags.clone(),
                })
            }
            OpKind::CreateListener {
                listener,
                tags,
                default_group,
            } => {
                let id = lb
                    .placeholders
                    .iter()
                    .find(|p| p.tags.get(TAG_KEY) == Some(&default_group.key))
                    .map(|p| p.id.clone());
                lb.listeners.push(ActualListener {
                    id: format!("lsn-{i}"),
                    key: listener.key,
                    attributes: ListenerAttributes {
                        acl: None,
                        ..listener.attributes.clone()
                    },
                    default_server_group_id: id,
                    tags: tags.clone(),
                    acl_type: None,
                    acl_ids: vec![],
                });
            }
            OpKind::UpdateListener { id, listener, .. } => {
                let l = lb.listeners.iter_mut().find(|l| &l.id == id).unwrap();
                l.attributes = ListenerAttributes {
                    acl: l.attributes.acl.clone(),
                    ..listener.attributes.clone()
                };
            }
            OpKind::DeleteListener { id, .. } => lb.listeners.retain(|l| &l.id != id),
            OpKind::DeleteServerGroup { id, .. } => lb.placeholders.retain(|p| &p.id != id),
            OpKind::CreateAcl { name, tags, .. } => lb.acls.push(ActualAcl {
                id: format!("acl-{i}"),
                name: name.clone(),
                tags: tags.clone(),
                entries: vec![],
            }),
            OpKind::AddAclEntries { acl, entries } => {
                let id = acl_id(lb, acl);
                let a = lb.acls.iter_mut().find(|a| a.id == id).unwrap();
                for e in entries {
                    assert!(!a.entries.contains(e), "duplicate entry {e}");
                    a.entries.push(e.clone());
                }
                assert!(a.entries.len() <= 500, "entry quota");
            }
            OpKind::RemoveAclEntries { acl, entries } => {
                let id = acl_id(lb, acl);
                let a = lb.acls.iter_mut().find(|a| a.id == id).unwrap();
                for e in entries {
                    assert!(a.entries.contains(e), "absent entry {e}");
                    a.entries.retain(|x| x != e);
                }
            }
            OpKind::AssociateAcls {
                listener,
                kind,
                acls,
            } => {
                let ids: Vec<String> = acls.iter().map(|r| acl_id(lb, r)).collect();
                let l = lb
                    .listeners
                    .iter_mut()
                    .find(|l| {
                        l.key == listener.key && listener.id.as_ref().is_none_or(|i| i == &l.id)
                    })
                    .unwrap();
                assert!(
                    l.acl_ids.is_empty() || l.acl_type == Some(*kind),
                    "one ACL type per listener"
                );
                for id in ids {
                    assert!(!l.acl_ids.contains(&id), "{id} bound twice");
                    l.acl_ids.push(id);
                }
                assert!(l.acl_ids.len() <= 3, "at most 3 ACLs per listener");
                l.acl_type = Some(*kind);
            }
            OpKind::DissociateAcls {
                listener_id,
                acl_ids,
                ..
            } => {
                let l = lb
                    .listeners
                    .iter_mut()
                    .find(|l| &l.id == listener_id)
                    .unwrap();
                for id in acl_ids {
                    assert!(l.acl_ids.contains(id), "{id} not bound");
                }
                l.acl_ids.retain(|x| !acl_ids.contains(x));
                if l.acl_ids.is_empty() {
                    l.acl_type = None;
                }
            }
            OpKind::DeleteAcl { id, .. } => {
                assert!(
                    lb.listeners.iter().all(|l| !l.acl_ids.contains(id)),
                    "ResourceInUse.Acl {id}"
                );
                lb.acls.retain(|a| &a.id != id);
            }
            other => panic!("unexpected {}", other.name()),
        }
    }
    let acls = lb.acls.clone();
    for l in &mut lb.listeners {
        l.attributes.acl = listener_acl(l, &acls);
    }
}

#[test]
fn create_then_converge() {
    let d = expand_config(&spec(json!([{"port": 80, "protocol": "HTTP"}, {"port": 443, "protocol": "HTTPS", "certificate_ids": ["c"]}]))).unwrap();
    let ops = plan_config_ops(&d, None, "c1");
    assert_eq!(
        names(&ops),
        [
            "CreateLoadBalancer",
            "CreatePlaceholderGroup",
            "CreateListener",
            "CreatePlaceholderGroup",
            "CreateListener"
        ]
    );
    if let OpKind::CreateLoadBalancer { tags, .. } = &ops[0].kind {
        assert_eq!(tags[TAG_CLUSTER], "c1");
    }
    let actual = applied(&ops);
    assert!(plan_config_ops(&d, Some(&actual), "c1").is_empty());
}

/// A create interrupted after any of its operations: the re-plan against what exists creates
/// only what is missing (no second placeholder group for a listener whose placeholder exists)
/// and then converges.
#[test]
fn an_interrupted_create_resumes_without_duplicates_at_every_step() {
    let d = expand_config(&spec(json!([{"port": 80, "protocol": "HTTP"}, {"port": 443, "protocol": "HTTPS", "certificate_ids": ["c"]}]))).unwrap();
    let ops = plan_config_ops(&d, None, "c1");
    for done in 1..ops.len() {
        let mut actual = applied(&ops[..done]);
        let resume = plan_config_ops(&d, Some(&actual), "c1");
        apply(&mut actual, &resume, 100);
        assert_eq!(
            actual.placeholders.len(),
            2,
            "after {done} ops: {:?}",
            names(&resume)
        );
        assert_eq!(actual.listeners.len(), 2, "after {done} ops");
        for l in &actual.listeners {
            let group = l.default_server_group_id.as_deref();
            assert!(
                actual
                    .placeholders
                    .iter()
                    .any(|p| Some(p.id.as_str()) == group),
                "listener {} forwards to its placeholder",
                l.key
            );
        }
        assert!(plan_config_ops(&d, Some(&actual), "c1").is_empty());
    }
    // Stopped right after the second placeholder: only its listener is left to create.
    let actual = applied(&ops[..4]);
    let resume = plan_config_ops(&d, Some(&actual), "c1");
    assert_eq!(names(&resume), ["CreateListener"]);
    if let OpKind::CreateListener { default_group, .. } = &resume[0].kind {
        assert_eq!(default_group.id.as_deref(), Some("sgp-3"));
    }
}

#[test]
fn listener_changes_and_foreign_listeners() {
    let d = expand_config(&spec(json!([{"port": 80, "protocol": "HTTP"}, {"port": 443, "protocol": "HTTPS", "certificate_ids": ["c"]}]))).unwrap();
    let mut actual = applied(&plan_config_ops(&d, None, "c1"));
    // A console-made listener on 9000 is not ours.
    actual.listeners.push(ActualListener {
        id: "lsn-console".into(),
        key: "HTTP:9000".parse().unwrap(),
        attributes: actual.listeners[0].attributes.clone(),
        default_server_group_id: None,
        tags: Default::default(),
        acl_type: None,
        acl_ids: vec![],
    });
    let d2 = expand_config(&spec(json!([{"port": 80, "protocol": "HTTP", "idle_timeout": 30}, {"port": 8080, "protocol": "HTTP"}]))).unwrap();
    let ops = plan_config_ops(&d2, Some(&actual), "c1");
    assert_eq!(
        names(&ops),
        [
            "CreatePlaceholderGroup",
            "CreateListener",
            "UpdateListener",
            "DeleteListener",
            "DeleteServerGroup"
        ]
    );
    let json = serde_json::to_string(&ops).unwrap();
    assert!(!json.contains("lsn-console"));
    // The owned-listener tag check uses the config identity.
    let tags = config_tags("c1", "web-alb", ResourceKind::Listener, Some("HTTP:80"));
    assert_eq!(actual.listeners[0].tags, tags);
}

// ------------------------------------------------------------------------------------------------
// Listener ACLs
// ------------------------------------------------------------------------------------------------

/// Port 80 with a White `entries` ACL, port 443 binding the existing Black ACL `acl-f`.
fn with_acls(entries: &[&str], kind: &str) -> model::desired::DesiredLoadBalancer {
    expand_config(&spec(json!([
        {"port": 80, "protocol": "HTTP", "acl": {"type": kind, "entries": entries}},
        {"port": 443, "protocol": "HTTPS", "certificate_ids": ["c"],
         "acl": {"type": "Black", "acl_ids": ["acl-f"]}}
    ])))
    .unwrap()
}

/// Plans, checks the order, applies and checks that the result converges.
fn converge(
    d: &model::desired::DesiredLoadBalancer,
    actual: &mut ActualLoadBalancer,
    expected: &[&str],
) -> Vec<Op> {
    let ops = plan_config_ops(d, Some(actual), "c1");
    assert_eq!(names(&ops), expected);
    apply(actual, &ops, 100);
    assert!(
        plan_config_ops(d, Some(actual), "c1").is_empty(),
        "converged: {:?}",
        names(&plan_config_ops(d, Some(actual), "c1"))
    );
    ops
}

fn listener(lb: &ActualLoadBalancer, port: u16) -> &ActualListener {
    lb.listeners.iter().find(|l| l.key.port == port).unwrap()
}

#[test]
fn new_acls_are_created_filled_and_bound_after_their_listener() {
    let d = with_acls(&["10.0.0.0/8", "192.168.1.1", "10.0.0.0/8"], "White");
    let ops = plan_config_ops(&d, None, "c1");
    assert_eq!(
        names(&ops),
        [
            "CreateLoadBalancer",
            "CreatePlaceholderGroup",
            "CreateListener",
            "CreatePlaceholderGroup",
            "CreateListener",
            "CreateAcl",
            "AddAclEntries",
            "AssociateAcls",
            "AssociateAcls"
        ]
    );
    let OpKind::CreateAcl {
        name, tags, key, ..
    } = &ops[5].kind
    else {
        unreachable!()
    };
    assert_eq!(name, "acl-web-alb-80");
    assert_eq!(key, "acl:HTTP:80");
    assert_eq!(
        tags,
        &model::acl::acl_tags("c1", "web-alb", listener_key(80))
    );
    let OpKind::AddAclEntries { entries, acl } = &ops[6].kind else {
        unreachable!()
    };
    assert_eq!(
        entries,
        &["10.0.0.0/8", "192.168.1.1"],
        "sorted, deduplicated"
    );
    assert_eq!(acl.id, None, "resolved by key at execution");
    let actual = applied(&ops);
    assert!(plan_config_ops(&d, Some(&actual), "c1").is_empty());
    let l80 = listener(&actual, 80);
    assert_eq!(l80.acl_type, Some(AclType::White));
    assert_eq!(l80.acl_ids, [actual.acls[0].id.clone()]);
    assert_eq!(listener(&actual, 443).acl_ids, ["acl-f"]);
    assert_eq!(
        listener(&actual, 443).attributes.acl,
        d.listeners[1].attributes.acl,
        "reconstructed like the configuration"
    );
    assert_eq!(
        l80.attributes.acl.as_ref().map(|a| &a.entries),
        Some(&vec!["10.0.0.0/8".to_owned(), "192.168.1.1".to_owned()])
    );
}

fn listener_key(port: u16) -> model::desired::ListenerKey {
    model::desired::ListenerKey::new(
        if port == 443 {
            ListenerProtocol::Https
        } else {
            ListenerProtocol::Http
        },
        port,
    )
}

#[test]
fn entry_changes_add_before_remove_on_the_same_acl() {
    let mut actual = applied(&plan_config_ops(
        &with_acls(&["1.1.1.1", "2.2.2.2"], "White"),
        None,
        "c1",
    ));
    let acl = actual.acls[0].id.clone();
    let ops = converge(
        &with_acls(&["2.2.2.2", "3.3.3.3"], "White"),
        &mut actual,
        &["AddAclEntries", "RemoveAclEntries"],
    );
    let OpKind::RemoveAclEntries { entries, acl: r } = &ops[1].kind else {
        unreachable!()
    };
    assert_eq!(entries, &["1.1.1.1"]);
    assert_eq!(r.id.as_deref(), Some(acl.as_str()));
    assert_eq!(actual.acls.len(), 1);
    assert_eq!(actual.acls[0].id, acl, "same ACL, changed in place");
}

/// An API that answers single addresses as host CIDRs is no drift; stale entries are removed in
/// the API's spelling.
#[test]
fn entries_compare_single_addresses_and_host_cidrs_as_one() {
    let desired = with_acls(&["1.1.1.1", "2.2.2.2"], "White");
    let mut actual = applied(&plan_config_ops(&desired, None, "c1"));
    actual.acls[0].entries = vec!["1.1.1.1/32".into(), "2.2.2.2/32".into()];
    assert!(plan_config_ops(&desired, Some(&actual), "c1").is_empty());
    let ops = plan_config_ops(&with_acls(&["1.1.1.1"], "White"), Some(&actual), "c1");
    let kinds: Vec<&OpKind> = ops.iter().map(|o| &o.kind).collect();
    assert!(
        matches!(kinds.as_slice(), [OpKind::RemoveAclEntries { entries, .. }] if entries == &["2.2.2.2/32"]),
        "{kinds:?}"
    );
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn entries_over_the_quota_are_removed_first() {
    let ips = |base: u8| -> Vec<String> {
        (0..250)
            .map(|i| format!("10.{base}.{}.{}", i / 200, i % 200))
            .collect()
    };
    let old: Vec<String> = [ips(1), ips(2)].concat();
    let new: Vec<String> = [ips(2), ips(3)].concat();
    let mut actual = applied(&plan_config_ops(
        &with_acls(&refs(&old), "White"),
        None,
        "c1",
    ));
    converge(
        &with_acls(&refs(&new), "White"),
        &mut actual,
        &["RemoveAclEntries", "AddAclEntries"],
    );
}

#[test]
fn type_change_dissociates_then_associates() {
    let mut actual = applied(&plan_config_ops(
        &with_acls(&["1.1.1.1"], "White"),
        None,
        "c1",
    ));
    let acl = actual.acls[0].id.clone();
    converge(
        &with_acls(&["1.1.1.1"], "Black"),
        &mut actual,
        &["DissociateAcls", "AssociateAcls"],
    );
    assert_eq!(listener(&actual, 80).acl_type, Some(AclType::Black));
    assert_eq!(listener(&actual, 80).acl_ids, [acl]);
}

#[test]
fn switching_to_acl_ids_binds_them_then_drops_the_managed_acl() {
    let mut actual = applied(&plan_config_ops(
        &with_acls(&["1.1.1.1"], "White"),
        None,
        "c1",
    ));
    let d = expand_config(&spec(json!([
        {"port": 80, "protocol": "HTTP", "acl": {"type": "White", "acl_ids": ["acl-g", "acl-h"]}},
        {"port": 443, "protocol": "HTTPS", "certificate_ids": ["c"],
         "acl": {"type": "Black", "acl_ids": ["acl-f"]}}
    ])))
    .unwrap();
    let ops = converge(
        &d,
        &mut actual,
        &["AssociateAcls", "DissociateAcls", "DeleteAcl"],
    );
    let OpKind::AssociateAcls {
        acls, listener: l, ..
    } = &ops[0].kind
    else {
        unreachable!()
    };
    assert_eq!(l.id.as_deref(), Some(listener(&actual, 80).id.as_str()));
    let ids: Vec<_> = acls.iter().map(|a| a.id.clone().unwrap()).collect();
    assert_eq!(ids, ["acl-g", "acl-h"]);
    assert!(actual.acls.is_empty());
}

#[test]
fn a_full_listener_dissociates_before_it_associates() {
    let ids = |v: &[&str]| {
        expand_config(&spec(json!([
            {"port": 80, "protocol": "HTTP", "acl": {"type": "Black", "acl_ids": v}}
        ])))
        .unwrap()
    };
    let mut actual = applied(&plan_config_ops(&ids(&["a1", "a2", "a3"]), None, "c1"));
    converge(
        &ids(&["a1", "a2", "a4"]),
        &mut actual,
        &["DissociateAcls", "AssociateAcls"],
    );
    converge(&ids(&["a1", "a4"]), &mut actual, &["DissociateAcls"]);
    converge(&ids(&["a1", "a4", "a5"]), &mut actual, &["AssociateAcls"]);
}

#[test]
fn console_drift_shows_and_is_reverted_without_a_listener_update() {
    let d = with_acls(&["1.1.1.1"], "White");
    let mut actual = applied(&plan_config_ops(&d, None, "c1"));
    // Someone binds another ACL and adds an entry to the managed one in the console.
    let l = actual
        .listeners
        .iter_mut()
        .find(|l| l.key.port == 80)
        .unwrap();
    l.acl_ids.push("acl-console".into());
    actual.acls[0].entries.push("9.9.9.9".into());
    let acls = actual.acls.clone();
    for l in &mut actual.listeners {
        l.attributes.acl = listener_acl(l, &acls);
    }
    let seen = listener(&actual, 80).attributes.acl.clone().unwrap();
    assert_eq!(seen.entries, ["1.1.1.1", "9.9.9.9"]);
    assert_eq!(seen.acl_ids, ["acl-console"]);
    let ops = converge(&d, &mut actual, &["DissociateAcls", "RemoveAclEntries"]);
    let OpKind::DissociateAcls { acl_ids, .. } = &ops[0].kind else {
        unreachable!()
    };
    assert_eq!(acl_ids, &["acl-console"]);
    assert!(!serde_json::to_string(&ops)
        .unwrap()
        .contains("\"DeleteAcl\""));
}

#[test]
fn removed_acl_blocks_and_listeners_delete_the_managed_acl_last() {
    let mut actual = applied(&plan_config_ops(
        &with_acls(&["1.1.1.1"], "White"),
        None,
        "c1",
    ));
    let none = expand_config(&spec(json!([
        {"port": 80, "protocol": "HTTP"},
        {"port": 443, "protocol": "HTTPS", "certificate_ids": ["c"]}
    ])))
    .unwrap();
    let mut unbound = actual.clone();
    converge(
        &none,
        &mut unbound,
        &["DissociateAcls", "DissociateAcls", "DeleteAcl"],
    );
    assert!(unbound.listeners.iter().all(|l| l.acl_ids.is_empty()));
    // Dropping the listener itself: its deletion lets go of the ACL.
    let only_443 = expand_config(&spec(json!([
        {"port": 443, "protocol": "HTTPS", "certificate_ids": ["c"],
         "acl": {"type": "Black", "acl_ids": ["acl-f"]}}
    ])))
    .unwrap();
    converge(
        &only_443,
        &mut actual,
        &["DeleteListener", "DeleteServerGroup", "DeleteAcl"],
    );
}

#[test]
fn interrupted_creates_are_adopted_and_foreign_acls_left_alone() {
    let d = with_acls(&["1.1.1.1"], "White");
    let ops = plan_config_ops(&d, None, "c1");
    // The run stopped after AddAclEntries: the ACL exists, nothing is bound.
    let mut actual = applied(&ops[..7]);
    // Another config's ACL with the same key is not ours.
    let mut other = actual.acls[0].clone();
    other.id = "acl-other".into();
    other.tags = model::acl::acl_tags("c1", "other-alb", listener_key(80));
    actual.acls.push(other);
    let ops = converge(&d, &mut actual, &["AssociateAcls", "AssociateAcls"]);
    assert!(!serde_json::to_string(&ops).unwrap().contains("acl-other"));
}

#[test]
fn edition_zones_network_and_group_differences_update_the_load_balancer_in_place() {
    use model::desired::ZoneMapping;
    use model::diff::zones_need_update;
    use model::spec::{AddressType, Edition};

    let d = expand_config(&spec(json!([{"port": 80, "protocol": "HTTP"}]))).unwrap();
    let mut actual = applied(&plan_config_ops(&d, None, "c1"));
    actual.name = d.name.clone();
    actual.edition = Some(Edition::Standard);
    actual.address_type = Some(AddressType::Internet);
    actual.resource_group_id = Some("rg-default".into());
    // What the API reports: the zones in another order, with EIPs it allocated.
    actual.zone_mappings = d
        .zone_mappings
        .iter()
        .rev()
        .map(|z| ZoneMapping {
            allocation_id: Some(format!("eip-{}", z.zone_id)),
            ..z.clone()
        })
        .collect();
    assert!(plan_config_ops(&d, Some(&actual), "c1").is_empty());

    let update = |change: &dyn Fn(&mut model::desired::DesiredLoadBalancer)| {
        let mut wanted = d.clone();
        change(&mut wanted);
        names(&plan_config_ops(&wanted, Some(&actual), "c1"))
    };
    assert_eq!(
        update(&|w| w.edition = Edition::StandardWithWaf),
        ["UpdateLoadBalancer"]
    );
    assert_eq!(
        update(&|w| w.address_type = AddressType::Intranet),
        ["UpdateLoadBalancer"]
    );
    assert_eq!(
        update(&|w| w.resource_group_id = Some("rg-2".into())),
        ["UpdateLoadBalancer"]
    );
    assert!(update(&|w| w.resource_group_id = Some("rg-default".into())).is_empty());
    assert_eq!(
        update(&|w| w.zone_mappings[1].vswitch_id = "vsw-x".into()),
        ["UpdateLoadBalancer"]
    );
    assert_eq!(
        update(&|w| {
            w.zone_mappings.pop();
        }),
        ["UpdateLoadBalancer"]
    );

    // Zones compare as a set by zone; only what the configuration sets is compared.
    let mut wanted = d.zone_mappings.clone();
    assert!(!zones_need_update(&wanted, &actual.zone_mappings));
    wanted[0].allocation_id = Some(format!("eip-{}", wanted[0].zone_id));
    assert!(!zones_need_update(&wanted, &actual.zone_mappings));
    wanted[0].allocation_id = Some("eip-other".into());
    assert!(zones_need_update(&wanted, &actual.zone_mappings));
    let mut more = actual.zone_mappings.clone();
    more.push(ZoneMapping {
        zone_id: "c".into(),
        ..more[0].clone()
    });
    assert!(
        zones_need_update(&d.zone_mappings, &more),
        "a zone to remove"
    );
}

#[test]
fn editions_change_in_place_only_as_the_api_allows() {
    use model::spec::Edition::{Basic, Standard, StandardWithWaf};
    for (from, to, in_place) in [
        (Basic, Standard, true),
        (Basic, StandardWithWaf, true),
        (StandardWithWaf, Standard, true),
        (Standard, Standard, true),
        (Standard, Basic, false),
        (StandardWithWaf, Basic, false),
        (Standard, StandardWithWaf, false),
    ] {
        assert_eq!(from.changes_in_place_to(to), in_place, "{from} -> {to}");
    }
}
